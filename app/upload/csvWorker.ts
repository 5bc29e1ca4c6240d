/// <reference lib="webworker" />
// Reads an uploaded CSV off the page's thread: decoding and parsing up to 5 MB (200,000 rows) takes
// longer than a frame. One worker per file; it answers once.

import { checkCsvBytes } from './validateCsv.ts';

declare const self: DedicatedWorkerGlobalScope;

export interface CsvRequest {
  name: string;
  bytes: ArrayBuffer;
  seqLen: number;
}

self.onmessage = (e: MessageEvent<CsvRequest>) => {
  const { name, bytes, seqLen } = e.data;
  self.postMessage(checkCsvBytes(name, new Uint8Array(bytes), seqLen));
};
