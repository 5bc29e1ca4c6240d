// Saved notebooks in IndexedDB (a database of their own, so its schema can change without touching
// the trainer's autosave). Each write is one transaction with strict durability: it lands whole or
// not at all, so a failed save (a full quota) leaves the previous version of the notebook intact.

import { objectStore } from '../persist/objectStore.ts';

export interface SavedNotebook {
  id: string;
  title: string;
  markdown: string;
  /** Where it came from: a gallery id, 'link', 'file' or 'new'. */
  origin: string;
  createdAt: number;
  updatedAt: number;
}

export class NotebookStorageError extends Error {
  constructor(
    message: string,
    readonly quota: boolean,
  ) {
    super(message);
    this.name = 'NotebookStorageError';
  }
}

const run = objectStore({
  database: 'rnnlab-notebooks',
  store: 'notebooks',
  version: 1,
  keyPath: 'id',
  openFailed: (e) => new NotebookStorageError(`Saved notebooks cannot be opened: ${e?.message ?? 'IndexedDB is unavailable'}.`, false),
  blocked: () => new NotebookStorageError('Saved notebooks are locked by another tab of this site; close it and try again.', false),
  failed: storageError,
});

function storageError(e: DOMException | Error | null): NotebookStorageError {
  if (e?.name === 'QuotaExceededError')
    return new NotebookStorageError(
      'The browser’s storage for this site is full, so the notebook was not saved (the previous version is kept). Download it as a .md file.',
      true,
    );
  return new NotebookStorageError(`The notebook was not saved: ${e?.message ?? 'IndexedDB failed'}.`, false);
}

export function saveNotebook(n: SavedNotebook): Promise<IDBValidKey> {
  return run('readwrite', (s) => s.put(n));
}

export async function listNotebooks(): Promise<SavedNotebook[]> {
  const all = (await run('readonly', (s) => s.getAll())) as unknown[];
  return all.filter(isSavedNotebook).sort((a, b) => b.updatedAt - a.updatedAt);
}

export async function loadNotebook(id: string): Promise<SavedNotebook | null> {
  const n = await run('readonly', (s) => s.get(id));
  return isSavedNotebook(n) ? n : null;
}

export function deleteNotebook(id: string): Promise<undefined> {
  return run('readwrite', (s) => s.delete(id));
}

/** A record from an older version or a damaged store reads as absent, never as a crash. */
function isSavedNotebook(v: unknown): v is SavedNotebook {
  const n = v as Partial<SavedNotebook> | null;
  return !!n && typeof n.id === 'string' && typeof n.markdown === 'string' && typeof n.title === 'string' && typeof n.updatedAt === 'number';
}

export function newNotebookId(): string {
  return crypto.randomUUID();
}
