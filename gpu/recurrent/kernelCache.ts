// The tuner's cache in a browser (the training worker): choices by key in IndexedDB, so a page that
// reloads on the same GPU starts with the kernels it measured. Without IndexedDB (a private window
// that refuses it, Node) nothing is kept and each run measures again.
import type { CachedChoice, KernelCache } from './tuner.ts';

const DATABASE = 'rnnlab-step-kernels';
const STORE = 'choices';

function request<T>(mode: IDBTransactionMode, body: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const open = indexedDB.open(DATABASE, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction(STORE, mode);
      const req = body(tx.objectStore(STORE));
      tx.oncomplete = () => {
        db.close();
        resolve(req.result);
      };
      tx.onerror = tx.onabort = () => {
        db.close();
        reject(tx.error);
      };
    };
  });
}

export function indexedDbKernelCache(): KernelCache | undefined {
  if (typeof indexedDB === 'undefined') return undefined;
  return {
    get: (key) => request('readonly', (s) => s.get(key) as IDBRequest<CachedChoice | undefined>),
    set: async (key, choice) => void (await request('readwrite', (s) => s.put(choice, key))),
  };
}
