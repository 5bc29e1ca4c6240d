// The float64 encoder–decoder reference: gradients against central finite differences over a
// covering set of cells × attention kinds × directions (ragged sources and targets, a mask with
// zeros), the attention weights' support, padding never read, a hand-checked tiny model, and
// greedy decoding vs beam search.
import { describe, expect, it } from 'vitest';
import { parseSeq2SeqConfig, type Seq2SeqConfig } from './config.ts';
import { initParams, paramLayout } from './params.ts';
import { Seq2SeqReference } from './reference.ts';
import { beamSearch, greedyDecode } from './decode.ts';
import { EOS, type PairBatch } from './pairs.ts';
import { JUNK, pairBatch } from '../testing/pairBatch.ts';

const CELLS = [{ cell: 'rnn', nonlinearity: 'tanh' }, { cell: 'rnn', nonlinearity: 'relu' }, { cell: 'gru' }, { cell: 'lstm' }] as const;
const ATTENTIONS = ['none', 'dot', 'general', 'additive'] as const;
const randomParams = (cfg: Seq2SeqConfig, seed: number, scale = 2) => Float64Array.from(initParams(cfg, seed), (x) => x * scale);

describe('config and parameter layout', () => {
  it('defaults, and errors that name the field', () => {
    expect(parseSeq2SeqConfig({ hidden: 8, vocab: 10 })).toEqual({ cell: 'rnn', nonlinearity: 'tanh', layers: 1, hidden: 8, vocab: 10, attention: 'none' });
    expect(parseSeq2SeqConfig({ hidden: 8, vocab: 10, attention: 'additive' }).attentionSize).toBe(8);
    expect(parseSeq2SeqConfig({ hidden: 8, vocab: 10, bidirectional: false })).not.toHaveProperty('bidirectional');
    expect(() => parseSeq2SeqConfig({ hidden: 8, vocab: 3 })).toThrow(/^vocab: must be between 4/);
    expect(() => parseSeq2SeqConfig({ hidden: 8, vocab: 9, layers: 5 })).toThrow(/^layers:/);
    expect(() => parseSeq2SeqConfig({ hidden: 8, vocab: 9, attention: 'dot', attentionSize: 4 })).toThrow(
      /^attentionSize: applies to attention "additive" only/,
    );
    expect(() => parseSeq2SeqConfig({ hidden: 8, vocab: 9, attention: 'luong' })).toThrow(/^attention: must be one of/);
    expect(() => parseSeq2SeqConfig({ cell: 'gru', nonlinearity: 'relu', hidden: 8, vocab: 9 })).toThrow(/^nonlinearity:/);
    expect(() => parseSeq2SeqConfig({ hidden: 8, vocab: 9, bidirectional: 1 }, 'model')).toThrow(/^model\.bidirectional:/);
  });

  it('names and shapes in the PyTorch module’s state_dict order', () => {
    const cfg = parseSeq2SeqConfig({ cell: 'gru', hidden: 3, layers: 2, vocab: 7, bidirectional: true, attention: 'additive', attentionSize: 5 });
    const enc = ['_l0', '_l0_reverse', '_l1', '_l1_reverse'].flatMap((s) => [
      `encoder.weight_ih${s} [9,${s.startsWith('_l0') ? 7 : 6}]`,
      `encoder.weight_hh${s} [9,3]`,
      `encoder.bias_ih${s} [9]`,
      `encoder.bias_hh${s} [9]`,
    ]);
    const dec = ['_l0', '_l1'].flatMap((s) => [
      `decoder.weight_ih${s} [18,${s === '_l0' ? 7 : 6}]`,
      `decoder.weight_hh${s} [18,6]`,
      `decoder.bias_ih${s} [18]`,
      `decoder.bias_hh${s} [18]`,
    ]);
    const rest = [
      'attention.query.weight [5,6]',
      'attention.key.weight [5,6]',
      'attention.v.weight [1,5]',
      'combine.weight [6,12]',
      'combine.bias [6]',
      'out.weight [7,6]',
      'out.bias [7]',
    ];
    expect(paramLayout(cfg).specs.map((s) => `${s.name} [${s.shape}]`)).toEqual([...enc, ...dec, ...rest]);
    const names = (attention: string) => paramLayout(parseSeq2SeqConfig({ hidden: 2, vocab: 4, attention })).specs.map((s) => s.name);
    expect(names('none').slice(-2)).toEqual(['out.weight', 'out.bias']);
    expect(names('none')).not.toContain('combine.weight');
    expect(names('dot').slice(-4)).toEqual(['combine.weight', 'combine.bias', 'out.weight', 'out.bias']);
    expect(names('general')).toContain('attention.weight');
  });
});

/** Central differences of loss w.r.t. every parameter, against the analytic gradient; returns the count checked. */
function checkGrads(ref: Seq2SeqReference, params: Float64Array, batch: PairBatch, mask: Uint8Array): number {
  const { grads, loss } = ref.lossAndGrad(params, batch, mask);
  expect(loss).toBe(ref.forward(params, batch, mask).loss);
  const eps = 1e-6;
  let n = 0;
  for (const s of ref.layout.specs)
    for (let i = s.offset; i < s.offset + s.size; i++, n++) {
      const keep = params[i];
      params[i] = keep + eps;
      const up = ref.forward(params, batch, mask).loss;
      params[i] = keep - eps;
      const down = ref.forward(params, batch, mask).loss;
      params[i] = keep;
      const numeric = (up - down) / (2 * eps);
      if (!(Math.abs(numeric - grads[i]) <= 1e-6 + 1e-5 * Math.abs(numeric)))
        throw new Error(`${s.name}[${i - s.offset}]: analytic ${grads[i]} numeric ${numeric}`);
    }
  return n;
}

const sameIds = (a: Uint32Array, b: Uint32Array) => a.every((v, i) => v === b[i]);

describe('gradients vs central finite differences (ragged sources and targets, mask with zeros)', () => {
  // Every cell × attention kind × direction; 1 or 2 layers in turn (each combination of the three
  // others meets both layer counts across its two directions).
  CELLS.forEach((cell, c) =>
    ATTENTIONS.forEach((attention, a) =>
      [false, true].forEach((bidirectional, d) => {
        const idx = (c * 4 + a) * 2 + d;
        const layers = 1 + ((c + a + d) % 2);
        const name = `${cell.cell}${cell.cell === 'rnn' ? ' ' + cell.nonlinearity : ''}, attention ${attention}, ${bidirectional ? 'bidirectional' : 'unidirectional'}, ${layers} layer(s)`;
        it(name, () => {
          const cfg = parseSeq2SeqConfig({
            ...cell,
            attention,
            bidirectional,
            layers,
            hidden: 2,
            vocab: 6,
            ...(attention === 'additive' ? { attentionSize: 3 } : {}),
          });
          const ref = new Seq2SeqReference(cfg);
          const batch = pairBatch(6, 4, 4, [4, 2, 3], [4, 1, 3], 100 + idx);
          const mask = Uint8Array.from({ length: 12 }, (_, r) => (r % 4 === 1 ? 0 : 1)); // rows 1, 5, 9: own argmax
          // Parameters under which the mask matters (an own prediction replaces a target somewhere).
          const params = [0, 1, 2, 3, 4]
            .map((k) => randomParams(cfg, idx + 100 * k))
            .find((p) => !sameIds(ref.forward(p, batch, mask).inputs, ref.forward(p, batch).inputs))!;
          expect(params).toBeDefined();
          expect(checkGrads(ref, params, batch, mask)).toBe(ref.layout.specs.reduce((s, t) => s + t.size, 0));
        });
      }),
    ),
  );
});

describe('attention weights', () => {
  for (const attention of ['dot', 'general', 'additive'] as const)
    it(`${attention}: each real row sums to 1 over the real source steps and is 0 on padded ones and on padded rows`, () => {
      const cfg = parseSeq2SeqConfig({ cell: 'lstm', hidden: 3, vocab: 7, attention, bidirectional: true });
      const ref = new Seq2SeqReference(cfg);
      const [S, U] = [5, 4];
      const batch = pairBatch(7, S, U, [5, 1, 3, 2], [2, 4, 1, 3], 7);
      const { attention: alpha } = ref.forward(randomParams(cfg, 3, 3), batch);
      for (let r = 0; r < U * 4; r++) {
        const [u, b] = [Math.floor(r / 4), r % 4];
        const row = Array.from(alpha.subarray(r * S, (r + 1) * S));
        if (u >= batch.targetLengths[b]) expect(row.every((x) => x === 0)).toBe(true);
        else {
          expect(row.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 14);
          row.forEach((x, j) => (j < batch.sourceLengths[b] ? expect(x).toBeGreaterThan(0) : expect(x).toBe(0)));
        }
      }
    });
});

describe('padding is never read', () => {
  for (const attention of ATTENTIONS)
    it(`${attention}: junk in padded source and target steps, and in the mask where it is not read, changes nothing`, () => {
      const cfg = parseSeq2SeqConfig({ cell: 'gru', hidden: 3, layers: 2, vocab: 6, attention, bidirectional: attention !== 'dot' });
      const ref = new Seq2SeqReference(cfg);
      const params = randomParams(cfg, 5);
      const batch = pairBatch(6, 4, 5, [4, 1, 2], [3, 5, 1], 11);
      const clean: PairBatch = { ...batch, source: batch.source.map((v) => (v === JUNK ? 0 : v)), target: batch.target.map((v) => (v === JUNK ? 0 : v)) };
      const mask = Uint8Array.from({ length: 15 }, (_, r) => (r % 3 === 0 ? 0 : 1));
      // Step 0 always reads <bos>, and padded steps read nothing: flipping the mask there changes nothing.
      const flipped = mask.map((m, r) => (r < 3 || Math.floor(r / 3) >= batch.targetLengths[r % 3] ? 1 - m : m));
      const a = ref.lossAndGrad(params, batch, mask);
      const b = ref.lossAndGrad(params, clean, flipped);
      expect(b.loss).toBe(a.loss);
      expect(b.grads).toEqual(a.grads);
      expect(b.fwd.attention).toEqual(a.fwd.attention);
    });
});

describe('a hand-checked model (relu RNN, H = 1, V = 4, dot attention)', () => {
  it('encodes, attends, combines and scores as the equations say', () => {
    const cfg = parseSeq2SeqConfig({ cell: 'rnn', nonlinearity: 'relu', hidden: 1, vocab: 4, attention: 'dot' });
    const ref = new Seq2SeqReference(cfg);
    const params = new Float64Array(ref.layout.total); // all 0 but:
    const set = (name: string, values: number[]) => ref.view(params, name).set(values);
    set('encoder.weight_ih_l0', [0, 0, 0, 1]); // e_j = relu(W_ih[x_j]) (W_hh = 0): source [3, 2] → e = [1, 0]
    set('decoder.weight_ih_l0', [0, Math.log(3), 0, 0]); // s_0 = relu(W_ih[<bos>]) = ln 3
    set('combine.weight', [1, 0]); // h̃ = tanh(c)
    set('out.weight', [0, 0, 1, 0]); // z = [0, 0, h̃, 0]
    const batch: PairBatch = {
      B: 1,
      S: 2,
      U: 1,
      source: new Uint32Array([3, 2]),
      sourceLengths: new Uint32Array([2]),
      target: new Uint32Array([EOS]),
      targetLengths: new Uint32Array([1]),
    };
    const { loss, grads, fwd } = ref.lossAndGrad(params, batch);
    // scores s·e = [ln 3, 0] → α = [3/4, 1/4]; c = 3/4·1 + 1/4·0; h̃ = tanh(3/4); loss = log(3 + e^h̃) − h̃
    const t = Math.tanh(0.75);
    expect(Array.from(fwd.encoderOutputs)).toEqual([1, 0]);
    expect(fwd.decoderStates[0]).toBeCloseTo(Math.log(3), 15);
    expect(fwd.attention[0]).toBeCloseTo(0.75, 15);
    expect(fwd.attention[1]).toBeCloseTo(0.25, 15);
    Array.from(fwd.logits).forEach((z, o) => expect(z).toBeCloseTo([0, 0, t, 0][o], 15));
    expect(loss).toBeCloseTo(Math.log(3 + Math.exp(t)) - t, 15);
    expect(fwd.predicted[0]).toBe(EOS);
    // ∂L/∂out.bias = softmax(z) − onehot(<eos>); ∂L/∂out.weight[2] = (softmax(z)_2 − 1)·h̃
    const sum = 3 + Math.exp(t);
    const dz = [1 / sum, 1 / sum, Math.exp(t) / sum - 1, 1 / sum];
    Array.from(ref.view(grads, 'out.bias')).forEach((g, o) => expect(g).toBeCloseTo(dz[o], 15));
    expect(ref.view(grads, 'out.weight')[2]).toBeCloseTo(dz[2] * t, 15);
    // ∂L/∂combine.bias = dz_2 · (1 − h̃²) (out.weight reads only h̃ through row 2)
    expect(ref.view(grads, 'combine.bias')[0]).toBeCloseTo(dz[2] * (1 - t * t), 15);
  });
});

describe('decoding', () => {
  const configs = [
    { cell: 'lstm', attention: 'additive', bidirectional: true, layers: 2 },
    { cell: 'gru', attention: 'general' },
    { cell: 'rnn', attention: 'dot', bidirectional: true },
    { cell: 'rnn', nonlinearity: 'relu', attention: 'none', layers: 2 },
  ];
  const models = configs.flatMap((c, i) =>
    [0, 1, 2].map((k) => {
      const cfg = parseSeq2SeqConfig({ ...c, hidden: 4, vocab: 6 });
      return { name: `${c.cell} ${c.attention} #${k}`, cfg, ref: new Seq2SeqReference(cfg), params: randomParams(cfg, 10 * i + k, 3) };
    }),
  );
  const source = [3, 5, 4, 4];

  it('beam width 1 is greedy decoding, tokens and score exactly', () => {
    for (const { ref, params } of models) {
      const [greedy] = greedyDecode(ref, params, { S: 4, B: 1, source: Uint32Array.from(source), sourceLengths: new Uint32Array([4]) }, 8);
      expect(beamSearch(ref, params, source, { width: 1, maxLength: 8 })).toEqual([greedy]);
    }
  });

  it('beam search’s best total log-probability is at least greedy’s on random models', () => {
    for (const { name, ref, params } of models) {
      const [greedy] = greedyDecode(ref, params, { S: 4, B: 1, source: Uint32Array.from(source), sourceLengths: new Uint32Array([4]) }, 8);
      const beams = beamSearch(ref, params, source, { width: 4, maxLength: 8 });
      expect(beams).toHaveLength(4);
      expect(beams.map((h) => h.logProb)).toEqual([...beams.map((h) => h.logProb)].sort((a, b) => b - a));
      expect(beams[0].logProb, name).toBeGreaterThanOrEqual(greedy.logProb - 1e-12);
      for (const h of beams) expect(h.finished).toBe(h.tokens.at(-1) === EOS);
    }
  });

  it('greedy decoding of a batch is the forward with mask 0 (its own argmax fed back) up to each <eos>', () => {
    const { ref, params } = models[0];
    const batch = pairBatch(6, 4, 6, [4, 2, 3], [6, 6, 6], 3);
    const fwd = ref.forward(params, batch, new Uint8Array(18));
    greedyDecode(ref, params, batch, 6).forEach((h, b) => {
      expect(h.tokens).toEqual(Array.from({ length: h.tokens.length }, (_, u) => fwd.predicted[u * 3 + b]));
      // Its score is the sum of log-softmax of the chosen tokens, one per step.
      const lp = h.tokens.reduce((s, y, u) => {
        const z = fwd.logits.subarray((u * 3 + b) * 6, (u * 3 + b + 1) * 6);
        return s + z[y] - Math.log(z.reduce((a, v) => a + Math.exp(v), 0));
      }, 0);
      expect(h.logProb).toBeCloseTo(lp, 12);
    });
  });
});

describe('batch validation', () => {
  const cfg = parseSeq2SeqConfig({ hidden: 2, vocab: 5, attention: 'dot' });
  const ref = new Seq2SeqReference(cfg);
  const params = randomParams(cfg, 1);
  const batch = pairBatch(5, 3, 3, [3, 1], [2, 3], 1);
  it('refuses lengths out of range, ids outside the vocabulary at real steps, and a mask of the wrong size', () => {
    expect(() => ref.forward(params, { ...batch, sourceLengths: new Uint32Array([0, 1]) })).toThrow(/sourceLengths\[0\] = 0/);
    expect(() => ref.forward(params, { ...batch, targetLengths: new Uint32Array([2, 4]) })).toThrow(/targetLengths\[1\] = 4/);
    expect(() => ref.forward(params, { ...batch, source: batch.source.map((v, r) => (r === 0 ? 5 : v)) })).toThrow(/source\[0\] = 5/);
    expect(() => ref.forward(params, batch, new Uint8Array(5))).toThrow(/mask: expected 6/);
    expect(() => ref.forward(params.subarray(1), batch)).toThrow(/params: expected/);
  });
});
