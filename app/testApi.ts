// The page's hook for end-to-end tests: a small, typed, read-mostly view of the training state.
// e2e/ reads it through page.evaluate; nothing in the app depends on it.

export interface RnnlabTestApi {
  /** The WebGPU adapter's description, or null until (or unless) a device was acquired. */
  readonly adapter: string | null;
  /** Every step's loss received so far, indexed by step (NaN where a readback was dropped). */
  readonly losses: number[];
  /** Training steps submitted so far. */
  readonly steps: number;
  readonly error: string | null;
  start(): void;
  pause(): void;
}

declare global {
  interface Window {
    __rnnlab?: RnnlabTestApi;
  }
}

export function installTestApi(api: RnnlabTestApi): void {
  window.__rnnlab = api;
}
