// Tree weights in safetensors: names and shapes as documented, round trips, strict loading.
import { describe, it, expect } from 'vitest';
import { encodeTreeWeights, decodeTreeWeights } from './weights.ts';
import { initTreeParams, treeParamLayout, type TreeModelConfig } from './config.ts';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../io/safetensors.ts';
import { checkParse, type ParserContract } from '../testing/fuzz.ts';
import { encodeWeights } from '../recurrent/weights.ts';
import { parseModelConfig } from '../recurrent/config.ts';
import { initParams } from '../recurrent/params.ts';

const lstm: TreeModelConfig = { cell: 'lstm', hidden: 4, vocab: 7, classes: 3, heads: 'root' };

describe('tree weights', () => {
  it('names and shapes: embedding [V, 3H], tree.weight [5H, 2H], tree.bias [5H], head (lstm); [V, H], [H, 2H], [H] (rnn)', () => {
    const { tensors, metadata } = decodeSafetensors(encodeTreeWeights(lstm, initTreeParams(lstm, 1), ['a', 'b', 'c', 'd', 'e', 'f', 'g']));
    expect(Object.fromEntries([...tensors].map(([k, t]) => [k, t.shape]))).toEqual({
      'embedding.weight': [7, 12],
      'tree.weight': [20, 8],
      'tree.bias': [20],
      'head.weight': [3, 4],
      'head.bias': [3],
    });
    expect(JSON.parse(metadata['rnnlab.config'])).toEqual({ kind: 'tree', ...lstm });
    expect(JSON.parse(metadata['rnnlab.vocab'])).toHaveLength(7);
    const rnn = treeParamLayout({ ...lstm, cell: 'rnn' });
    expect(rnn.specs.map((s) => s.shape)).toEqual([[7, 4], [4, 8], [4], [3, 4], [3]]);
  });

  it('round-trips bit for bit, with the config and vocabulary', () => {
    const p = initTreeParams(lstm, 2);
    const back = decodeTreeWeights(encodeTreeWeights(lstm, p, ['x', 'y']));
    expect(back.params).toEqual(p);
    expect(back.cfg).toEqual(lstm);
    expect(back.tokens).toEqual(['x', 'y']);
  });

  const big: TreeModelConfig = { cell: 'rnn', hidden: 16, vocab: 500, classes: 3, heads: 'all' };

  it('initialises from the seed alone', () => {
    expect(initTreeParams(big, 3)).toEqual(initTreeParams(big, 3));
    expect(initTreeParams(big, 3)).not.toEqual(initTreeParams(big, 4));
  });

  it('initialises embeddings ~ N(0, 1) and the rest ~ U(−1/√H, 1/√H)', () => {
    const cfg = big;
    const layout = treeParamLayout(cfg);
    const p = initTreeParams(cfg, 3);
    const e = layout.byName.get('embedding.weight')!;
    const emb = Array.from(p.subarray(e.offset, e.offset + e.size));
    const mean = emb.reduce((a, b) => a + b, 0) / emb.length;
    const sd = Math.sqrt(emb.reduce((a, b) => a + (b - mean) ** 2, 0) / emb.length);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(sd - 1)).toBeLessThan(0.05);
    const w = layout.byName.get('tree.weight')!;
    expect(Math.max(...Array.from(p.subarray(w.offset, w.offset + w.size), Math.abs))).toBeLessThanOrEqual(0.25);
  });

  it('refuses what does not fit, naming the tensor', () => {
    const p = initTreeParams(lstm, 1);
    const good = decodeSafetensors(encodeTreeWeights(lstm, p));
    const without = (name: string) =>
      encodeSafetensors(
        [...good.tensors].filter(([k]) => k !== name).map(([k, t]) => [k, { shape: t.shape, data: t.data }]),
        good.metadata,
      );
    expect(() => decodeTreeWeights(without('tree.bias'))).toThrow(/missing tensor tree\.bias/);
    expect(() => decodeTreeWeights(encodeTreeWeights(lstm, p), { ...lstm, hidden: 5 })).toThrow(
      /tensor "embedding\.weight" has shape \[7,12\], the model needs \[7,15\]/,
    );
    expect(() => decodeTreeWeights(encodeTreeWeights(lstm, p), { ...lstm, cell: 'rnn' })).toThrow(/saved for cell "lstm", the model here has "rnn"/);
    const nan = p.slice();
    nan[treeParamLayout(lstm).byName.get('head.bias')!.offset + 1] = NaN;
    expect(() => decodeTreeWeights(encodeTreeWeights(lstm, nan))).toThrow(/tensor "head\.bias" holds NaN at element 1/);
    const rcfg = parseModelConfig({ hidden: 4, input: { kind: 'tokens', vocab: 5 } });
    expect(() => decodeTreeWeights(encodeWeights(rcfg, initParams(rcfg, 1)))).toThrow(/not a tree model's config/);
    expect(() => decodeTreeWeights(encodeSafetensors([['x', { shape: [1], data: new Float32Array(1) }]]))).toThrow(/model config must be given/);
  });

  it('a small file whose stored config names a huge tree model is refused without allocating that model', () => {
    const big = { kind: 'tree', cell: 'lstm', hidden: 1024, vocab: 65535, classes: 65535, heads: 'all' };
    const file = encodeSafetensors([['head.bias', { shape: [1], data: new Float32Array(1) }]], { 'rnnlab.config': JSON.stringify(big) });
    const contract: ParserContract<Uint8Array, unknown> = {
      name: 'decodeTreeWeights',
      parse: (b) => decodeTreeWeights(b),
      throws: [SafetensorsError],
      // The file's size in floats and a margin: the ~1.1 GB the config names must not be allocated.
      maxAllocated: (b) => 64 * b.length + (1 << 20),
    };
    expect(() => decodeTreeWeights(file)).toThrow(/missing tensors embedding\.weight, tree\.weight, tree\.bias, head\.weight/);
    expect(checkParse(contract, file)).toBeUndefined();
  });
});
