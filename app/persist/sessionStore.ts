// The autosaved session in IndexedDB: one record, replaced in a single transaction with strict
// durability, so a failed or interrupted write leaves the previous save intact (IndexedDB commits a
// transaction whole or not at all). A quota error is reported as such, so the page can offer a download.

import type { SavedCheckpoint } from '../../gpu/session/protocol.ts';
import { objectStore } from './objectStore.ts';

const KEY = 'current';

/** What the page restores after a reload: the worker's checkpoint and the curves drawn so far. */
export interface StoredSession {
  checkpoint: SavedCheckpoint;
  /** Every step's training loss so far (index = step). */
  losses: Float32Array;
  /** The gradient norms of the same steps (absent in a record from before they were kept). */
  gradNorms?: Float32Array;
  validation: { step: number; loss: number }[];
  savedAt: number;
  /** Steps the weights were trained for before the configuration that the checkpoint's step counts from. */
  carriedSteps: number;
}

export class QuotaExceededError extends Error {
  constructor() {
    super('The browser refused to store the session: its storage quota for this site is full.');
    this.name = 'QuotaExceededError';
  }
}

const run = objectStore({
  database: 'rnnlab',
  store: 'sessions',
  version: 1,
  openFailed: (e) => e ?? new Error('IndexedDB could not be opened'),
  failed: (e) => (e?.name === 'QuotaExceededError' ? new QuotaExceededError() : (e ?? new Error('IndexedDB transaction failed'))),
});

export async function saveSession(s: StoredSession): Promise<IDBValidKey> {
  const key = await run('readwrite', (store) => store.put(s, KEY));
  rememberSave({ step: s.checkpoint.step, savedAt: s.savedAt });
  return key;
}

/**
 * Beside the record, in localStorage: that a save was made (its step and time). A store found empty
 * while this says a save was made was cleared or evicted, and the page says so instead of starting
 * fresh without a word.
 */
const MARKER = 'rnnlab.lastSave';
export interface SaveMarker {
  step: number;
  savedAt: number;
}

function rememberSave(m: SaveMarker | null): void {
  try {
    if (m) localStorage.setItem(MARKER, JSON.stringify(m));
    else localStorage.removeItem(MARKER);
  } catch {
    // No localStorage (a sandboxed frame, say): the notice is only a courtesy.
  }
}

/** The save a store found empty should hold, once (the marker is dropped); null when none was made. */
export function forgottenSave(): SaveMarker | null {
  let m: Partial<SaveMarker> | null;
  try {
    m = JSON.parse(localStorage.getItem(MARKER) ?? 'null') as Partial<SaveMarker> | null;
  } catch {
    m = null;
  }
  rememberSave(null);
  return m && typeof m.step === 'number' && typeof m.savedAt === 'number' ? { step: m.step, savedAt: m.savedAt } : null;
}

/** The saved session, or null; a record that is not one (an old format, a damaged store) reads as none. */
export async function loadSession(): Promise<StoredSession | null> {
  const value = (await run('readonly', (store) => store.get(KEY))) as Partial<StoredSession> | undefined;
  const c = value?.checkpoint;
  const valid =
    c &&
    typeof c.step === 'number' &&
    c.weights instanceof ArrayBuffer &&
    c.optimizer instanceof ArrayBuffer &&
    c.config &&
    value.losses instanceof Float32Array;
  if (!valid) return null;
  return { ...(value as StoredSession), validation: Array.isArray(value.validation) ? value.validation : [], carriedSteps: value.carriedSteps ?? 0 };
}

export async function clearSession(): Promise<undefined> {
  const done = await run('readwrite', (store) => store.delete(KEY));
  rememberSave(null);
  return done;
}
