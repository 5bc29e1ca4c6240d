// An uploaded file of tab-separated pairs → its text and pair count, or why not. The size is checked
// before the file is read; decoding and checking run in a worker (pairFileWorker.ts), so a big file
// never stalls the page.

import { PAIR_FILE_LIMITS } from '../../gpu/seq2seq/pairFile.ts';
import { formatBytes } from './validateText.ts';
import type { PairFileCheck } from './pairFileWorker.ts';

/** Bytes a pairs file may have: the engine's character limit (one byte per character of ASCII text). */
export const PAIR_FILE_BYTES = PAIR_FILE_LIMITS.characters;

export async function readPairFile(file: File): Promise<PairFileCheck> {
  if (file.size > PAIR_FILE_BYTES) return { ok: false, error: `“${file.name}” is ${formatBytes(file.size)}; the limit is 5 MB.` };
  if (file.size === 0) return { ok: false, error: `“${file.name}” is empty.` };
  const bytes = await file.arrayBuffer();
  const worker = new Worker(new URL('./pairFileWorker.ts', import.meta.url), { type: 'module', name: 'rnnlab-pairs' });
  try {
    const check = await new Promise<PairFileCheck>((resolve) => {
      worker.onmessage = (e: MessageEvent<PairFileCheck>) => resolve(e.data);
      worker.onerror = (e) => resolve({ ok: false, error: `could not be read: ${e.message || 'the pairs reader failed'}` });
      worker.postMessage(bytes, [bytes]);
    });
    return check.ok ? check : { ok: false, error: `“${file.name}”: ${check.error}.` };
  } finally {
    worker.terminate();
  }
}
