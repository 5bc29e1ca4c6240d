// One IndexedDB object store, in a database of its own, used one request at a time: each call opens
// the database, runs one request in a transaction with strict durability, and closes it again.
// IndexedDB commits a transaction whole or not at all, so a write that fails (a full quota) leaves
// the previous record intact. Each caller names its own errors: the page's autosave and the saved
// notebooks say different things when their store fails.

export interface ObjectStoreOptions {
  database: string;
  store: string;
  /** The schema's version: a change to the store's layout raises it. */
  version: number;
  /** Records carry their key in this field; without it, each request names its key. */
  keyPath?: string;
  /** What a failure to open the database rejects with (the request's error). */
  openFailed(error: DOMException | null): Error;
  /** What opening rejects with while another tab holds an older version open; without it, opening waits for that tab. */
  blocked?(): Error;
  /** What a request that threw, or a transaction that failed, rejects with: nothing was written. */
  failed(error: DOMException | Error | null): Error;
}

/** Runs one request on the store in a transaction of its own; resolves with its result once the transaction committed. */
export type StoreRequest = <T>(mode: IDBTransactionMode, body: (store: IDBObjectStore) => IDBRequest<T>) => Promise<T>;

export function objectStore(o: ObjectStoreOptions): StoreRequest {
  const open = () =>
    new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(o.database, o.version);
      req.onupgradeneeded = () => req.result.createObjectStore(o.store, o.keyPath ? { keyPath: o.keyPath } : undefined);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(o.openFailed(req.error));
      if (o.blocked) req.onblocked = () => reject(o.blocked!());
    });
  return async <T>(mode: IDBTransactionMode, body: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const db = await open();
    try {
      return await new Promise<T>((resolve, reject) => {
        const tx = db.transaction(o.store, mode, { durability: 'strict' });
        let req: IDBRequest<T>;
        try {
          req = body(tx.objectStore(o.store));
        } catch (e) {
          // The request itself may throw (a value it cannot clone, a full disk): nothing was written.
          tx.abort();
          return reject(o.failed(e as DOMException));
        }
        tx.oncomplete = () => resolve(req.result);
        tx.onerror = tx.onabort = () => reject(o.failed(tx.error ?? req.error));
      });
    } finally {
      db.close();
    }
  };
}
