/// <reference lib="webworker" />
// Checks an uploaded file of tab-separated pairs off the page's thread: decoding and splitting 5 MB of
// pairs takes a noticeable moment. One worker per file; it answers once with the text and its pair
// count, or the reason (parsePairFile's errors name the line).

import { parsePairFile } from '../../gpu/seq2seq/pairFile.ts';

declare const self: DedicatedWorkerGlobalScope;

export type PairFileCheck = { ok: true; text: string; pairs: number } | { ok: false; error: string };

self.onmessage = (e: MessageEvent<ArrayBuffer>) => {
  let result: PairFileCheck;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(e.data);
    result = { ok: true, text, pairs: parsePairFile(text).length };
  } catch (err) {
    result = { ok: false, error: err instanceof TypeError ? 'not UTF-8 text' : err instanceof Error ? err.message : String(err) };
  }
  self.postMessage(result);
};
