// The training worker and the sessions on it (the trainer page's one, a notebook's cells): each
// session talks through a channel that tags its messages with the session's id, and gets back only
// the replies tagged with it. Device messages (the adapter, or why there is none) concern every
// session and reach all of them, including sessions opened later. One worker means one GPUDevice
// for the whole page. A worker that crashed is stopped (its state is unknown) until revive().

import type { FromWorker, KernelTuning, ToWorker } from '../../gpu/session/protocol.ts';

type DeviceMessage = Extract<FromWorker, { type: 'device' | 'deviceError' }>;
type Handler = (message: FromWorker) => void;

export interface SessionChannel {
  readonly id: string;
  send(message: ToWorker, transfer?: Transferable[]): void;
  /** Frees the session's GPU buffers in the worker; nothing arrives afterwards. */
  close(): void;
}

export interface HubOptions {
  createWorker?: () => Worker;
  /** What Reset does after a crash on this page: the sentence that ends the crash message. */
  afterCrash?: string;
  /** Where the worker fetches the bundled corpora from (they live next to the page, not under assets/). */
  baseUrl?: string;
  /** When the worker measures step kernels; default: the page's `?kernels=tune` ('always', even on a CPU adapter), else 'auto'. */
  kernelTuning?: KernelTuning;
}

export class WorkerHub {
  private worker!: Worker;
  private handlers = new Map<string, Handler>();
  /** Device messages so far, replayed to sessions opened after them. */
  private device: DeviceMessage[] = [];
  private crashed: string | null = null;
  private nextId = 0;
  /** Counts the workers started: a session configured on an earlier one no longer exists. */
  generation = 0;

  private readonly createWorker: () => Worker;
  private readonly afterCrash: string;
  private readonly baseUrl: string;
  private readonly kernelTuning: KernelTuning;

  constructor(options: HubOptions = {}) {
    this.createWorker = options.createWorker ?? defaultWorker;
    this.afterCrash = options.afterCrash ?? 'Reset starts a new worker; each cell trains again from fresh weights.';
    this.baseUrl = options.baseUrl ?? document.baseURI;
    this.kernelTuning = options.kernelTuning ?? (new URLSearchParams(globalThis.location?.search).get('kernels') === 'tune' ? 'always' : 'auto');
    this.start();
  }

  /** Why the worker is gone (it crashed or failed to start), or null while it runs. */
  get lost(): string | null {
    return this.crashed;
  }

  /**
   * After a crash, a new worker (with a new device): every session must configure again. Returns
   * whether a worker was started; a running worker is kept.
   */
  revive(): boolean {
    if (!this.crashed) return false;
    this.worker.terminate();
    this.start();
    return true;
  }

  private start(): void {
    this.crashed = null;
    this.device = [];
    this.generation++;
    const worker = this.createWorker();
    this.worker = worker;
    const current = () => worker === this.worker && !this.crashed;
    worker.onmessage = (e: MessageEvent<FromWorker & { session?: string }>) => {
      if (current()) this.receive(e.data);
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      if (!current()) return;
      // Its state is unknown: it is stopped (no more steps, no more messages) and replaced by revive().
      worker.terminate();
      this.crashed = `The training worker failed to start or crashed: ${e.message || 'no details (see the browser console)'}. ${this.afterCrash}`;
      this.toAll({ type: 'error', message: this.crashed, fatal: true });
    };
    worker.onmessageerror = () => {
      if (current()) this.toAll({ type: 'error', message: 'A message from the training worker could not be read.', fatal: true });
    };
    worker.postMessage({ type: 'init', baseUrl: this.baseUrl, kernelTuning: this.kernelTuning } satisfies ToWorker);
  }

  open(onMessage: Handler, prefix = 'cell'): SessionChannel {
    const id = `${prefix}-${this.nextId++}`;
    this.handlers.set(id, onMessage);
    for (const m of this.device) onMessage(m);
    if (this.crashed) onMessage({ type: 'error', message: this.crashed, fatal: true });
    return {
      id,
      send: (message, transfer = []) => {
        if (!this.crashed) this.worker.postMessage({ ...message, session: id }, transfer);
      },
      close: () => {
        this.handlers.delete(id);
        this.worker.postMessage({ type: 'close', session: id } satisfies ToWorker & { session: string });
      },
    };
  }

  terminate(): void {
    this.worker.terminate();
    this.handlers.clear();
  }

  private receive(m: FromWorker & { session?: string }): void {
    if (m.session === undefined) {
      if (m.type === 'device' || m.type === 'deviceError') this.device.push(m);
      return this.toAll(m);
    }
    this.handlers.get(m.session)?.(m);
  }

  private toAll(m: FromWorker): void {
    for (const h of this.handlers.values()) h(m);
  }
}

function defaultWorker(): Worker {
  return new Worker(new URL('../../gpu/session/trainWorker.ts', import.meta.url), { type: 'module', name: 'rnnlab-train' });
}
