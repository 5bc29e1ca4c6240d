// The autosaved session in IndexedDB: one record, replaced in a single transaction with strict
// durability, so a failed or interrupted write leaves the previous save intact (IndexedDB commits a
// transaction whole or not at all). A quota error is reported as such, so the page can offer a download.

import type { SavedSession } from '../../gpu/worker/protocol.ts';

const DB = 'rnnlab';
const STORE = 'sessions';
const KEY = 'current';
const VERSION = 1;

/** What the page restores after a reload: the worker's checkpoint and the curves drawn so far. */
export interface StoredSession {
  checkpoint: SavedSession;
  /** Every step's training loss so far (index = step). */
  losses: Float32Array;
  validation: { step: number; loss: number }[];
  savedAt: number;
}

export class QuotaExceededError extends Error {
  constructor() {
    super('The browser refused to store the session: its storage quota for this site is full.');
    this.name = 'QuotaExceededError';
  }
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, VERSION);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
  });
}

async function run<T>(mode: IDBTransactionMode, body: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode, { durability: 'strict' });
      const req = body(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      const fail = () => {
        const e = tx.error ?? req.error;
        reject(e?.name === 'QuotaExceededError' ? new QuotaExceededError() : (e ?? new Error('IndexedDB transaction failed')));
      };
      tx.onerror = fail;
      tx.onabort = fail;
    });
  } finally {
    db.close();
  }
}

export function saveSession(s: StoredSession): Promise<IDBValidKey> {
  return run('readwrite', (store) => store.put(s, KEY));
}

/** The saved session, or null; a record that is not one (an old format, a damaged store) reads as none. */
export async function loadSession(): Promise<StoredSession | null> {
  const value = (await run('readonly', (store) => store.get(KEY))) as Partial<StoredSession> | undefined;
  const c = value?.checkpoint;
  const valid = c && typeof c.step === 'number' && c.weights instanceof ArrayBuffer && c.optimizer instanceof ArrayBuffer && c.config && value.losses instanceof Float32Array;
  return valid ? (value as StoredSession) : null;
}

export function clearSession(): Promise<undefined> {
  return run('readwrite', (store) => store.delete(KEY));
}
