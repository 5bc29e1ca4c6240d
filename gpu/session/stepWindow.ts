// The CPU session's metrics windows: the loss, gradient norm and skip of each step, relayed every
// `every` steps (and at every stop) as one `metrics` message with the wall time per step, where
// time spent elsewhere (validation) is left out, as the GPU session reports it.

import type { FromWorker } from './protocol.ts';

export class StepWindow {
  private first = 0;
  private losses: number[] = [];
  private gradNorms: number[] = [];
  private skipped: number[] = [];
  private start = performance.now();

  constructor(readonly every: number) {}

  /** Drops what was recorded; timing starts now. */
  reset(): void {
    this.losses = [];
    this.gradNorms = [];
    this.skipped = [];
    this.start = performance.now();
  }

  /** Timing starts now (e.g. the loop starts after a pause). */
  restartClock(): void {
    this.start = performance.now();
  }

  /** Leaves `ms` (spent on something else) out of the time per step. */
  exclude(ms: number): void {
    this.start += ms;
  }

  /** Records step `step`; true when it completes a window (step + 1 is a multiple of `every`). */
  record(step: number, loss: number, gradNorm: number, skipped: boolean): boolean {
    if (!this.losses.length) this.first = step;
    this.losses.push(loss);
    this.gradNorms.push(gradNorm);
    this.skipped.push(skipped ? 1 : 0);
    return (step + 1) % this.every === 0;
  }

  /** The metrics of the steps recorded since the last take (null if none); `tokens` per step. */
  take(tokens: number): Extract<FromWorker, { type: 'metrics' }> | null {
    const n = this.losses.length;
    if (!n) return null;
    const now = performance.now();
    const msPerStep = Math.max(1e-3, (now - this.start) / n);
    const msg = {
      type: 'metrics' as const,
      firstStep: this.first,
      losses: Float32Array.from(this.losses),
      gradNorms: Float32Array.from(this.gradNorms),
      skipped: Uint8Array.from(this.skipped),
      msPerStep,
      tokensPerSec: (tokens * 1000) / msPerStep,
    };
    this.reset();
    this.start = now;
    return msg;
  }
}
