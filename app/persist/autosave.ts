// When the session is saved: every `everyMs` (10 s) of training or every `everySteps` (500) steps,
// whichever comes first, when training stops, after weights are imported, and when the page is
// hidden (best effort: the page may be gone before the worker answers; what the page holds itself,
// the sampling settings and uploaded files, is stored as it changes, pageLab.ts).
// A failed write leaves the previous save in place (one IndexedDB transaction); the store says why.

import type { SavedCheckpoint } from '../../gpu/session/protocol.ts';
import { useStore, type Store } from '../store/index.ts';
import { SaveScheduler } from './saveScheduler.ts';
import { saveSession, type StoredSession } from './sessionStore.ts';

export interface AutosaveOptions {
  /** Asks the worker for a checkpoint (its answer goes to `received`). */
  ask(): void;
  /** The record to store for a checkpoint (the curves so far). */
  record(checkpoint: SavedCheckpoint): StoredSession;
  /** Stores a record (default: as the single session record); rejects when nothing was written. */
  write?(record: StoredSession): Promise<void>;
  /** Between saves while training. */
  everyMs?: number;
  /** Steps between saves while training (when they come faster than everyMs). */
  everySteps?: number;
}

const EVERY_MS = 10_000;
const EVERY_STEPS = 500;
/** A checkpoint of a large model on a slow device still arrives well within this. */
const ANSWER_TIMEOUT_MS = 60_000;

const state = useStore.getState;

/** A session with trained steps and a worker that can answer; an untrained one is not worth a save. */
export function worthSaving(s: Store): boolean {
  const ready = s.phase === 'idle' || s.phase === 'paused' || s.phase === 'training';
  return ready && s.steps + s.carriedSteps > 0;
}

export class Autosave {
  private readonly scheduler: SaveScheduler<SavedCheckpoint>;

  private readonly store: (record: StoredSession) => Promise<unknown>;

  constructor(options: AutosaveOptions) {
    this.store = options.write ?? saveSession;
    this.scheduler = new SaveScheduler({
      ask: options.ask,
      write: (checkpoint) => this.write(options.record(checkpoint)),
      answerTimeoutMs: ANSWER_TIMEOUT_MS,
    });
    setInterval(() => {
      if (state().phase === 'training') this.inBackground();
    }, options.everyMs ?? EVERY_MS);
    const everySteps = options.everySteps ?? EVERY_STEPS;
    let askedAt = 0; // the run's step at the last save asked for by steps
    useStore.subscribe((s, prev) => {
      if (prev.phase === 'training' && (s.phase === 'paused' || s.phase === 'idle')) this.inBackground();
      const step = s.steps + s.carriedSteps;
      if (step < askedAt) askedAt = step; // a new run counts from 0
      if (s.phase === 'training' && step - askedAt >= everySteps) {
        askedAt = step;
        this.inBackground();
      }
    });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') this.inBackground();
    });
    window.addEventListener('pagehide', () => this.inBackground());
    // A tab hidden for long is frozen (its timers and workers stop), and may be discarded from there.
    document.addEventListener('freeze', () => this.inBackground());
  }

  /** Saves now (after any save in progress); resolves with the saved step, rejects with why not. */
  saveNow(): Promise<number> {
    const saved = this.scheduler.save();
    state().setSave({ saving: true });
    saved.then(
      () => this.settled(null),
      (e: Error) => this.settled(e),
    );
    return saved;
  }

  /** After weights were imported: they are worth keeping even at step 0. */
  afterImport(): void {
    this.saveNow().catch(() => {}); // the store shows the failure
  }

  /** The worker's answer to `ask`. */
  received(checkpoint: SavedCheckpoint): void {
    this.scheduler.received(checkpoint);
  }

  /** Saves now if the session is worth it (worthSaving), not waiting for the answer; a failure shows in the store. */
  inBackground(): void {
    if (worthSaving(state())) this.saveNow().catch(() => {});
  }

  private async write(record: StoredSession): Promise<number> {
    await this.store(record);
    state().setSave({ savedAt: record.savedAt, savedStep: record.checkpoint.step, error: null, errorDismissed: false });
    return record.checkpoint.step;
  }

  private settled(error: Error | null): void {
    const busy = this.scheduler.busy;
    if (error) state().setSave({ saving: busy, error: error.message });
    else state().setSave({ saving: busy });
  }
}
