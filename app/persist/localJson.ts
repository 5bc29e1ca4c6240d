// Small values kept in localStorage as JSON, written synchronously (what a reload must find even when
// it comes before an IndexedDB write). Without localStorage (a sandboxed frame, a full quota) a write
// does nothing and a read finds nothing: each caller says what it loses then.

/** Stores `value` under `key`; null removes it. */
export function writeLocal(key: string, value: unknown): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // No localStorage, or full: see the caller.
  }
}

/** The value under `key`, parsed; null when there is none or it is not JSON (the caller checks its shape). */
export function readLocal(key: string): unknown {
  try {
    return JSON.parse(localStorage.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}
