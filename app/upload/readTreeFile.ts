// An uploaded file of labelled trees → its text and tree count, or why not. The size is checked before
// the file is read; decoding and parsing run in a worker (treeFileWorker.ts), so a big file never
// stalls the page.

import { TREE_FILE_LIMITS } from '../../gpu/tree/fileTask.ts';
import { formatBytes } from './validateText.ts';
import type { TreeFileCheck } from './treeFileWorker.ts';

export async function readTreeFile(file: File): Promise<TreeFileCheck> {
  if (file.size > TREE_FILE_LIMITS.bytes) return { ok: false, error: `“${file.name}” is ${formatBytes(file.size)}; the limit is 5 MB.` };
  const bytes = await file.arrayBuffer();
  const worker = new Worker(new URL('./treeFileWorker.ts', import.meta.url), { type: 'module', name: 'rnnlab-trees' });
  try {
    const check = await new Promise<TreeFileCheck>((resolve) => {
      worker.onmessage = (e: MessageEvent<TreeFileCheck>) => resolve(e.data);
      worker.onerror = (e) => resolve({ ok: false, error: `could not be read: ${e.message || 'the tree reader failed'}` });
      worker.postMessage(bytes, [bytes]);
    });
    return check.ok ? check : { ok: false, error: `“${file.name}”: ${check.error}.` };
  } finally {
    worker.terminate();
  }
}
