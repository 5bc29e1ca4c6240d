// Encoder–decoder weights in safetensors: names and shapes of params.ts, the config marked as a
// seq2seq model's, round trips, strict loading, files of other families refused, optimizer state.
import { describe, it, expect } from 'vitest';
import { decodeSeq2SeqOptimizerState, decodeSeq2SeqWeights, encodeSeq2SeqOptimizerState, encodeSeq2SeqWeights } from './weights.ts';
import { parseSeq2SeqConfig, type Seq2SeqConfig } from './config.ts';
import { initParams, paramLayout } from './params.ts';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../io/safetensors.ts';
import { checkParse, type ParserContract } from '../testing/fuzz.ts';
import { encodeWeights } from '../recurrent/weights.ts';
import { parseModelConfig } from '../recurrent/config.ts';
import { initParams as initRecurrentParams } from '../recurrent/params.ts';
import { encodeTreeWeights } from '../tree/weights.ts';
import { initTreeParams, type TreeModelConfig } from '../tree/config.ts';
import { parseOptimizerConfig } from '../optimizer/config.ts';

const cfg: Seq2SeqConfig = parseSeq2SeqConfig({ cell: 'gru', hidden: 3, bidirectional: true, vocab: 6, attention: 'general' });
const vocabulary = ['<pad>', '<bos>', '<eos>', 'a', 'b', 'c'];

describe('seq2seq weights', () => {
  it('are the tensors of params.ts by name and shape, with the config marked "kind": "seq2seq" and the vocabulary', () => {
    const { tensors, metadata } = decodeSafetensors(encodeSeq2SeqWeights(cfg, initParams(cfg, 1), vocabulary));
    expect([...tensors].map(([k, t]) => [k, t.shape])).toEqual(paramLayout(cfg).specs.map((s) => [s.name, s.shape]));
    expect(tensors.get('encoder.weight_ih_l0_reverse')!.shape).toEqual([9, 6]);
    expect(tensors.get('decoder.weight_hh_l0')!.shape).toEqual([18, 6]);
    expect(tensors.get('attention.weight')!.shape).toEqual([6, 6]);
    expect(tensors.get('out.weight')!.shape).toEqual([6, 6]);
    expect(JSON.parse(metadata['rnnlab.config'])).toEqual({ kind: 'seq2seq', ...cfg });
    expect(JSON.parse(metadata['rnnlab.vocab'])).toEqual(vocabulary);
    expect(metadata.format).toBe('pt');
  });

  it('round-trip bit for bit, with the config, the vocabulary and extra metadata', () => {
    const p = initParams(cfg, 2);
    const back = decodeSeq2SeqWeights(encodeSeq2SeqWeights(cfg, p, vocabulary, { 'rnnlab.kind': 'gradients' }));
    expect(back.params).toEqual(p);
    expect(back.cfg).toEqual(cfg);
    expect(back.vocabulary).toEqual(vocabulary);
    expect(back.metadata['rnnlab.kind']).toBe('gradients');
    const additive = parseSeq2SeqConfig({ cell: 'lstm', layers: 2, hidden: 4, vocab: 5, attention: 'additive', attentionSize: 3 });
    const q = initParams(additive, 3);
    const loaded = decodeSeq2SeqWeights(encodeSeq2SeqWeights(additive, q), additive);
    expect(loaded.params).toEqual(q);
    expect(loaded.vocabulary).toBeNull();
  });

  it('refuses another encoder–decoder, listing every difference, and tensors that do not fit, naming them', () => {
    const p = initParams(cfg, 1);
    const file = encodeSeq2SeqWeights(cfg, p);
    expect(() => decodeSeq2SeqWeights(file, { ...cfg, attention: 'dot' })).toThrow(
      /saved for another encoder–decoder: attention "general" \(saved\) → "dot" \(here\)/,
    );
    expect(() => decodeSeq2SeqWeights(file, { ...cfg, cell: 'lstm', hidden: 4 })).toThrow(
      /cell "gru" \(saved\) → "lstm" \(here\); hidden 3 \(saved\) → 4 \(here\)/,
    );
    const good = decodeSafetensors(file);
    const without = (name: string) =>
      encodeSafetensors(
        [...good.tensors].filter(([k]) => k !== name).map(([k, t]) => [k, { shape: t.shape, data: t.data }]),
        good.metadata,
      );
    expect(() => decodeSeq2SeqWeights(without('combine.bias'))).toThrow(/missing tensor combine\.bias/);
    const nan = p.slice();
    nan[paramLayout(cfg).byName.get('out.bias')!.offset + 2] = NaN;
    expect(() => decodeSeq2SeqWeights(encodeSeq2SeqWeights(cfg, nan))).toThrow(/tensor "out\.bias" holds NaN at element 2/);
    // Without a stored config, the caller's decides, shapes checked.
    const bare = encodeSafetensors([...good.tensors].map(([k, t]) => [k, { shape: t.shape, data: t.data }]));
    expect(() => decodeSeq2SeqWeights(bare)).toThrow(/model config must be given/);
    expect(() => decodeSeq2SeqWeights(bare, { ...cfg, vocab: 7 })).toThrow(/tensor "encoder\.weight_ih_l0" has shape \[9,6\], the model needs \[9,7\]/);
    expect(() => decodeSeq2SeqWeights(encodeSeq2SeqWeights(cfg, p, vocabulary), { ...cfg })).not.toThrow();
  });

  it('refuses the files of the other families with a clear message', () => {
    const rcfg = parseModelConfig({ hidden: 4, input: { kind: 'tokens', vocab: 5 } });
    expect(() => decodeSeq2SeqWeights(encodeWeights(rcfg, initRecurrentParams(rcfg, 1)))).toThrow(
      /a sequence model's weights .* not an encoder–decoder's: use them without --seq2seq/,
    );
    const tcfg: TreeModelConfig = { cell: 'rnn', hidden: 4, vocab: 5, classes: 2, heads: 'root' };
    expect(() => decodeSeq2SeqWeights(encodeTreeWeights(tcfg, initTreeParams(tcfg, 1)), cfg)).toThrow(/a tree model's weights .* use them with --tree/);
    const odd = encodeSafetensors([], { 'rnnlab.config': JSON.stringify({ kind: 'seq2seq', ...cfg, heads: 'all' }) });
    expect(() => decodeSeq2SeqWeights(odd)).toThrow(/unknown fields heads/);
    const bad = encodeSafetensors([], { 'rnnlab.config': JSON.stringify({ kind: 'seq2seq', ...cfg, attention: 'luong' }) });
    expect(() => decodeSeq2SeqWeights(bad)).toThrow(/not a valid encoder–decoder config: attention: must be one of/);
    const vocab = encodeSeq2SeqWeights(cfg, initParams(cfg, 1), undefined, { 'rnnlab.vocab': '["a"]' });
    expect(() => decodeSeq2SeqWeights(vocab)).toThrow(/"rnnlab\.vocab" holds 1 symbols; the model's vocab is 6/);
  });

  it('a small file whose stored config names a huge model is refused without allocating that model', () => {
    const big = { kind: 'seq2seq', cell: 'lstm', layers: 4, hidden: 1024, vocab: 65535, attention: 'general' };
    const file = encodeSafetensors([['out.bias', { shape: [1], data: new Float32Array(1) }]], { 'rnnlab.config': JSON.stringify(big) });
    const contract: ParserContract<Uint8Array, unknown> = {
      name: 'decodeSeq2SeqWeights',
      parse: (b) => decodeSeq2SeqWeights(b),
      throws: [SafetensorsError],
      maxAllocated: (b) => 64 * b.length + (1 << 20),
    };
    expect(() => decodeSeq2SeqWeights(file)).toThrow(/missing tensors encoder\.weight_ih_l0/);
    expect(checkParse(contract, file)).toBeUndefined();
  });

  it('optimizer state: torch.optim names, round trip, refused for another optimizer or model', () => {
    const adam = parseOptimizerConfig({ kind: 'adam', lr: 0.01 });
    const n = paramLayout(cfg).total;
    const state = { step: 7, skippedTotal: 1, m: initParams(cfg, 4), v: initParams(cfg, 5).map(Math.abs) };
    const bytes = encodeSeq2SeqOptimizerState(cfg, adam, state);
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(tensors.has('exp_avg.decoder.bias_hh_l0')).toBe(true);
    expect(tensors.has('exp_avg_sq.attention.weight')).toBe(true);
    expect(tensors.size).toBe(2 * paramLayout(cfg).specs.length);
    expect(JSON.parse(metadata['rnnlab.config']).kind).toBe('seq2seq');
    const back = decodeSeq2SeqOptimizerState(bytes, cfg, adam);
    expect(back).toEqual(state);
    expect(back.m).toHaveLength(n);
    expect(() => decodeSeq2SeqOptimizerState(bytes, cfg, parseOptimizerConfig({ kind: 'sgd', lr: 0.1 }))).toThrow(/for "adam", this run uses "sgd"/);
    expect(() => decodeSeq2SeqOptimizerState(bytes, { ...cfg, attention: 'dot' }, adam)).toThrow(/unexpected tensor "exp_avg\.attention\.weight"/);
  });
});
