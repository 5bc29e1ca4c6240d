/// <reference lib="webworker" />
// Checks an uploaded file of trees off the page's thread: decoding and parsing 5 MB of trees takes a
// third of a second or more. One worker per file; it answers once with the text and its tree count,
// or the reason (the parser's line and column).

import { parseTreeFile } from '../../gpu/tree/fileTask.ts';

declare const self: DedicatedWorkerGlobalScope;

export type TreeFileCheck = { ok: true; text: string; trees: number } | { ok: false; error: string };

self.onmessage = (e: MessageEvent<ArrayBuffer>) => {
  let result: TreeFileCheck;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(e.data);
    result = { ok: true, text, trees: parseTreeFile(text).length };
  } catch (err) {
    result = { ok: false, error: err instanceof TypeError ? 'not UTF-8 text' : err instanceof Error ? err.message : String(err) };
  }
  self.postMessage(result);
};
