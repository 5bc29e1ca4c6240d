// An uploaded CSV file → its numeric columns, or why not. The size is checked before the file is read;
// the rest of the checks run in a worker (csvWorker.ts), so a big file never stalls the page.

import type { CsvRequest } from './csvWorker.ts';
import { csvTooLarge, type CsvCheck } from './validateCsv.ts';

export async function readCsvFile(file: File, seqLen: number): Promise<CsvCheck> {
  const tooLarge = csvTooLarge(file.name, file.size);
  if (tooLarge) return { ok: false, error: tooLarge };
  const bytes = await file.arrayBuffer();
  const worker = new Worker(new URL('./csvWorker.ts', import.meta.url), { type: 'module', name: 'rnnlab-csv' });
  try {
    return await new Promise<CsvCheck>((resolve) => {
      worker.onmessage = (e: MessageEvent<CsvCheck>) => resolve(e.data);
      worker.onerror = (e) => resolve({ ok: false, error: `“${file.name}” could not be read: ${e.message || 'the CSV reader failed'}.` });
      worker.postMessage({ name: file.name, bytes, seqLen } satisfies CsvRequest, [bytes]);
    });
  } finally {
    worker.terminate();
  }
}
