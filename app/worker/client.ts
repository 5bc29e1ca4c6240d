// The page's side of the training worker: owns the Worker, sends typed messages and routes every
// reply — state the page renders goes to the store, per-step data to the metrics buffers (outside
// React). Handling a message is a few assignments, so the main thread stays free while training.

import type { FromWorker, ToWorker } from '../../gpu/session/protocol.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { useStore } from '../store/index.ts';

export interface ClientEvents {
  /** Every message, after the client routed it (for the session's own bookkeeping). */
  onMessage(message: FromWorker): void;
}

export class WorkerClient {
  private worker: Worker;

  constructor(
    private metrics: Metrics,
    private events: ClientEvents,
    createWorker: () => Worker = defaultWorker,
  ) {
    this.worker = createWorker();
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
    this.worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      // Its state is unknown: it is stopped (no more steps, no more messages) and replaced on Reset.
      this.terminate();
      this.fail(
        `The training worker failed to start or crashed: ${e.message || 'no details (see the browser console)'}. ` +
          'Reset starts a new worker with fresh weights; your last autosave stays stored, and reloading the page brings it back.',
      );
    };
    this.worker.onmessageerror = () => this.fail('A message from the training worker could not be read.');
    // First: where the worker fetches the bundled corpora from (it lives under assets/).
    this.send({ type: 'init', baseUrl: document.baseURI });
  }

  /** The worker threw at its top level or failed to load: its state is unknown, so it is replaced, not reused. */
  crashed = false;

  send(message: ToWorker, transfer: Transferable[] = []): void {
    if (!this.crashed) this.worker.postMessage(message, transfer);
  }

  /** Stops the worker; nothing arrives afterwards. */
  terminate(): void {
    this.crashed = true;
    this.worker.onmessage = this.worker.onerror = this.worker.onmessageerror = null;
    this.worker.terminate();
  }

  private receive(m: FromWorker): void {
    const set = useStore.getState().setSession;
    this.metrics.receive(m);
    switch (m.type) {
      case 'device':
        // After a deviceError this is the worker's fallback (the CPU): the error still explains why.
        set({ device: { adapter: m.adapter, backend: m.backend, limits: m.limits } });
        break;
      case 'deviceError':
        // The phase is left alone: a device may still follow (a fallback), else a fatal error does.
        set({ deviceError: m.message });
        break;
      case 'configured':
        set({
          model: { config: m.model, paramCount: m.paramCount, vocabulary: m.vocabulary, stepLabels: m.stepLabels, baseline: m.baseline },
          treeModel: null,
        });
        break;
      case 'treeConfigured':
        set({ model: null, treeModel: { classes: m.classes, hidden: m.hidden, paramCount: m.paramCount, majorityAccuracy: m.majorityAccuracy } });
        break;
      case 'status': {
        const { phase } = useStore.getState();
        // While configuring, the old session's status is stale; 'configured' ends that phase.
        set(phase === 'configuring' || phase === 'failed' ? { steps: m.steps } : { phase: m.status, steps: m.steps });
        break;
      }
      case 'metrics': {
        // Status comes at validations only; the windows (every 10 steps) keep the count current.
        const end = m.firstStep + m.losses.length;
        if (end > useStore.getState().steps) set({ steps: end });
        break;
      }
      case 'sample':
        useStore.getState().addSample({ step: m.step, prompt: m.prompt, text: m.text });
        break;
      case 'weights':
        break; // the session saves the file (it knows the name)
      case 'recovered':
        set({ steps: m.step, notice: m.message });
        break;
      case 'error':
        set({ error: { message: m.message, fatal: m.fatal }, ...(m.fatal ? { phase: 'failed' as const } : {}) });
        break;
    }
    this.events.onMessage(m);
  }

  private fail(message: string): void {
    useStore.getState().setSession({ error: { message, fatal: true }, phase: 'failed' });
  }
}

function defaultWorker(): Worker {
  return new Worker(new URL('../../gpu/session/trainWorker.ts', import.meta.url), { type: 'module', name: 'rnnlab-train' });
}
