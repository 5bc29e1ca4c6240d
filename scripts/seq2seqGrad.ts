// `node bin/run-ts.js scripts/seq2seqGrad.ts in.json out.json`: the float64 encoder–decoder
// reference's loss and gradients for scripts/seq2seq_parity.py, through JSON (no safetensors needed).
//   in:  { config, params: { name: nested lists or a flat array }, batch: PairBatch's fields as
//          arrays (time-major), mask?: [U*B] of 0/1 }
//   out: { loss, grads: { name: flat array }, params: { name: flat array, as read }, shapes: { name: shape } }
//        (names in layout order: the parity script loads params into its module with strict=True)
import { readFileSync, writeFileSync } from 'node:fs';
import { parseSeq2SeqConfig } from '../gpu/seq2seq/config.ts';
import { Seq2SeqReference } from '../gpu/seq2seq/reference.ts';
import type { PairBatch } from '../gpu/seq2seq/pairs.ts';

type Nested = number | Nested[];
const flatten = (x: Nested): number[] => (Array.isArray(x) ? x.flatMap(flatten) : [x]);

export function main(argv: string[]): number {
  if (argv.length !== 2) {
    console.error('usage: node bin/run-ts.js scripts/seq2seqGrad.ts in.json out.json');
    return 2;
  }
  const input = JSON.parse(readFileSync(argv[0], 'utf8')) as {
    config: unknown;
    params: Record<string, Nested>;
    batch: Record<string, number | number[]>;
    mask?: number[];
  };
  const ref = new Seq2SeqReference(parseSeq2SeqConfig(input.config, 'config'));
  const params = new Float64Array(ref.layout.total);
  const given = new Set(Object.keys(input.params));
  for (const s of ref.layout.specs) {
    if (!given.delete(s.name)) throw new Error(`params: missing ${s.name}`);
    const flat = flatten(input.params[s.name]);
    if (flat.length !== s.size) throw new Error(`params.${s.name}: expected ${s.size} values (shape [${s.shape}]), got ${flat.length}`);
    params.set(flat, s.offset);
  }
  if (given.size) throw new Error(`params: unknown tensors ${[...given].join(', ')}`);
  const b = input.batch;
  const ids = (k: string) => Uint32Array.from(b[k] as number[]);
  const batch: PairBatch = {
    B: b.B as number,
    S: b.S as number,
    U: b.U as number,
    source: ids('source'),
    sourceLengths: ids('sourceLengths'),
    target: ids('target'),
    targetLengths: ids('targetLengths'),
  };
  const { loss, grads } = ref.lossAndGrad(params, batch, input.mask ? Uint8Array.from(input.mask) : undefined);
  const byName = (f: (s: (typeof ref.layout.specs)[number]) => unknown) => Object.fromEntries(ref.layout.specs.map((s) => [s.name, f(s)]));
  const out = {
    loss,
    grads: byName((s) => Array.from(ref.view(grads, s.name))),
    params: byName((s) => Array.from(ref.view(params, s.name))),
    shapes: byName((s) => s.shape),
  };
  writeFileSync(argv[1], JSON.stringify(out));
  return 0;
}
