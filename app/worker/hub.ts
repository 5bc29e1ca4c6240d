// One training worker shared by several sessions (a notebook's cells): each session talks through a
// channel that tags its messages with the session's id, and gets back only the replies tagged with
// it. Device messages (the adapter, or why there is none) concern every session and reach all of
// them, including sessions opened later. One worker means one GPUDevice for the whole page.

import type { FromWorker, ToWorker } from '../../gpu/worker/protocol.ts';

type DeviceMessage = Extract<FromWorker, { type: 'device' | 'deviceError' }>;
type Handler = (message: FromWorker) => void;

export interface SessionChannel {
  readonly id: string;
  send(message: ToWorker, transfer?: Transferable[]): void;
  /** Frees the session's GPU buffers in the worker; nothing arrives afterwards. */
  close(): void;
}

export class WorkerHub {
  private worker: Worker;
  private handlers = new Map<string, Handler>();
  /** Device messages so far, replayed to sessions opened after them. */
  private device: DeviceMessage[] = [];
  private crashed: string | null = null;
  private nextId = 0;

  constructor(createWorker: () => Worker = defaultWorker, baseUrl = document.baseURI) {
    this.worker = createWorker();
    this.worker.onmessage = (e: MessageEvent<FromWorker & { session?: string }>) => this.receive(e.data);
    this.worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.crashed = `The training worker failed to start or crashed: ${e.message || 'no details (see the browser console)'}.`;
      for (const h of this.handlers.values()) h({ type: 'error', message: this.crashed, fatal: true });
    };
    this.worker.postMessage({ type: 'init', baseUrl } satisfies ToWorker);
  }

  open(onMessage: Handler, prefix = 'cell'): SessionChannel {
    const id = `${prefix}-${this.nextId++}`;
    this.handlers.set(id, onMessage);
    for (const m of this.device) onMessage(m);
    if (this.crashed) onMessage({ type: 'error', message: this.crashed, fatal: true });
    return {
      id,
      send: (message, transfer = []) => this.worker.postMessage({ ...message, session: id }, transfer),
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
      for (const h of this.handlers.values()) h(m);
      return;
    }
    this.handlers.get(m.session)?.(m);
  }
}

function defaultWorker(): Worker {
  return new Worker(new URL('../../gpu/worker/trainWorker.ts', import.meta.url), { type: 'module', name: 'rnnlab-notebook' });
}
