// The stacked RNN/GRU/LSTM reference: analytic gradients against central finite differences (float64),
// agreement with the single-layer Elman reference, and hand-computed steps pinning PyTorch's gate order.
import { describe, it, expect } from 'vitest';
import { RecurrentReference, type RecurrentInit } from './reference.ts';
import { parseModelConfig, type ModelConfig } from './config.ts';
import { initParams, paramLayout } from './params.ts';
import { randomBatch } from '../testing/randomBatch.ts';
import { checkFd, randomState } from '../testing/finiteDifferences.ts';
import { Rng } from '../core/rng.ts';
import type { Batch } from '../data/batch.ts';

const cells = [
  { cell: 'rnn', nonlinearity: 'tanh' },
  { cell: 'rnn', nonlinearity: 'relu' },
  { cell: 'gru', nonlinearity: 'tanh' },
  { cell: 'lstm', nonlinearity: 'tanh' },
] as const;
const inputs = [
  { input: { kind: 'tokens', vocab: 5 }, hidden: 4, T: 4, B: 3 },
  { input: { kind: 'real', features: 3 }, output: 4, hidden: 3, T: 5, B: 2 },
] as const;

describe('recurrent reference gradients vs central finite differences', () => {
  for (const c of cells)
    for (const layers of [1, 2])
      for (const inp of inputs) {
        it(`${c.cell} ${c.nonlinearity}, ${layers} layer(s), ${inp.input.kind} inputs`, () => {
          const { T, B, ...rest } = inp;
          const cfg = parseModelConfig({ ...c, ...rest, layers });
          const ref = new RecurrentReference(cfg);
          // Larger than the default init so gates spread away from 0.5, tanh saturates a little, relu units cross zero.
          const params = Float64Array.from(initParams(cfg, 7 + layers), (x) => x * 2.5);
          const batch = randomBatch(cfg, T, B, 11);
          const n = layers * B * cfg.hidden;
          const init: RecurrentInit = { h0: randomState(n, 3) };
          if (cfg.cell === 'lstm') init.c0 = randomState(n, 4);
          const { grads, dh0, dc0, loss } = ref.lossAndGrad(params, batch, init);
          expect(loss).toBeCloseTo(ref.forward(params, batch, init).loss, 14);
          const fdLoss = () => ref.forward(params, batch, init).loss;

          let checked = 0;
          // eps is small enough that no relu pre-activation here crosses zero between up and down.
          for (const spec of ref.layout.specs) checked += checkFd(spec.name, params, grads, fdLoss, spec.offset, spec.size);
          expect(checked).toBe(paramLayout(cfg).specs.reduce((a, s) => a + s.size, 0));

          expect(checkFd('h0', init.h0!, dh0, fdLoss)).toBe(n);
          if (cfg.cell === 'lstm') expect(checkFd('c0', init.c0!, dc0!, fdLoss)).toBe(n);
          else expect(dc0).toBeNull();
          // padding between tensors gets no gradient
          const inTensor = new Set(ref.layout.specs.flatMap((s) => Array.from({ length: s.size }, (_, k) => s.offset + k)));
          grads.forEach((v, i) => {
            if (!inTensor.has(i)) expect(v).toBe(0);
          });
        });
      }
});

describe('one hand-computed step pins the gate order', () => {
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const x = 0.7;
  const h = 0.3;
  const c = -0.4;
  // H=1, one real feature, one step, one row: every weight_ih/weight_hh/bias entry distinct, so a swapped gate shows.
  const wi = [0.5, -0.8, 1.2, 0.9];
  const wh = [-0.6, 0.4, 0.7, -1.1];
  const bi = [0.1, 0.2, -0.3, 0.25];
  const bh = [-0.15, 0.35, 0.45, -0.05];
  const batch: Batch = { T: 1, B: 1, inputs: new Float32Array([x]), targets: new Uint32Array([0]) };

  function setup(cell: 'gru' | 'lstm'): { cfg: ModelConfig; ref: RecurrentReference; params: Float64Array } {
    const cfg = parseModelConfig({ cell, hidden: 1, input: { kind: 'real', features: 1 }, output: 2 });
    const ref = new RecurrentReference(cfg);
    const params = new Float64Array(ref.layout.total);
    const G = cell === 'gru' ? 3 : 4;
    ref.view(params, 'rnn.weight_ih_l0').set(wi.slice(0, G));
    ref.view(params, 'rnn.weight_hh_l0').set(wh.slice(0, G));
    ref.view(params, 'rnn.bias_ih_l0').set(bi.slice(0, G));
    ref.view(params, 'rnn.bias_hh_l0').set(bh.slice(0, G));
    return { cfg, ref, params };
  }

  it('GRU [r, z, n], with r applied to (W_hn h + b_hn)', () => {
    const { ref, params } = setup('gru');
    // x = 0.7 is exactly the float32 input, as the batch holds it
    const xf = Math.fround(x);
    const r = sig(wi[0] * xf + bi[0] + wh[0] * h + bh[0]);
    const z = sig(wi[1] * xf + bi[1] + wh[1] * h + bh[1]);
    const n = Math.tanh(wi[2] * xf + bi[2] + r * (wh[2] * h + bh[2]));
    const expected = (1 - z) * n + z * h;
    const fwd = ref.forward(params, batch, { h0: new Float64Array([h]) });
    expect(fwd.hs[0][0]).toBe(h);
    expect(fwd.hs[0][1]).toBeCloseTo(expected, 14);
    expect(fwd.cs).toEqual([]);
  });

  it('LSTM [i, f, g, o]', () => {
    const { ref, params } = setup('lstm');
    const xf = Math.fround(x);
    const a = (k: number) => wi[k] * xf + bi[k] + wh[k] * h + bh[k];
    const [i, f, g, o] = [sig(a(0)), sig(a(1)), Math.tanh(a(2)), sig(a(3))];
    const c1 = f * c + i * g;
    const h1 = o * Math.tanh(c1);
    const fwd = ref.forward(params, batch, { h0: new Float64Array([h]), c0: new Float64Array([c]) });
    expect(fwd.cs[0][0]).toBe(c);
    expect(fwd.cs[0][1]).toBeCloseTo(c1, 14);
    expect(fwd.hs[0][1]).toBeCloseTo(h1, 14);
  });

  it('head and loss: logits = W h + b, loss = logsumexp − logit[target]', () => {
    const { ref, params } = setup('gru');
    ref.view(params, 'head.weight').set([2, -1]);
    ref.view(params, 'head.bias').set([0.5, 0.25]);
    const fwd = ref.forward(params, batch, { h0: new Float64Array([h]) });
    const h1 = fwd.hs[0][1];
    const [l0, l1] = [2 * h1 + 0.5, -h1 + 0.25];
    expect(fwd.logits[0]).toBeCloseTo(l0, 14);
    expect(fwd.logits[1]).toBeCloseTo(l1, 14);
    expect(fwd.loss).toBeCloseTo(Math.log(Math.exp(l0) + Math.exp(l1)) - l0, 14);
  });
});

// ---- Ragged batches (packed sequences), the three losses, final states for truncated BPTT ----

const lossInputs = {
  tokens: { input: { kind: 'tokens', vocab: 5 }, output: 4, hidden: 3 },
  real: { input: { kind: 'real', features: 3 }, output: 3, hidden: 3 },
} as const;
type Kind = keyof typeof lossInputs;
type LossName = 'ce' | 'mse' | 'class' | 'regress';

function lossCfg(cell: (typeof cells)[number], kind: Kind, loss: LossName, layers: number): ModelConfig {
  return parseModelConfig({ ...cell, ...lossInputs[kind], loss, layers });
}

/** A random batch with the targets cfg.loss needs, and `lengths` if given. */
function lossBatch(cfg: ModelConfig, T: number, B: number, lengths: number[] | null, seed: number): Batch {
  const batch = randomBatch(cfg, T, B, seed);
  const rng = new Rng(seed + 100);
  if (cfg.loss === 'class') batch.targets = Uint32Array.from({ length: B }, () => rng.int(cfg.output));
  if (cfg.loss === 'mse' || cfg.loss === 'regress') {
    delete batch.targets;
    const rows = cfg.loss === 'regress' ? B : T * B;
    batch.targetValues = Float32Array.from({ length: rows * cfg.output }, () => rng.uniform() * 2 - 1);
  }
  if (lengths) batch.lengths = Uint32Array.from(lengths);
  return batch;
}

/** The same batch with every padded step's inputs and per-step targets poisoned: NaN, or ids far out of range. */
function poisonPadding(cfg: ModelConfig, batch: Batch): Batch {
  const { T, B } = batch;
  const out: Batch = { ...batch };
  const tokens = (out.tokens = batch.tokens?.slice());
  const inputs = (out.inputs = batch.inputs?.slice());
  const targets = (out.targets = batch.targets?.slice());
  const values = (out.targetValues = batch.targetValues?.slice());
  const [F, O] = [cfg.input.kind === 'real' ? cfg.input.features : 0, cfg.output];
  for (let t = 0; t < T; t++)
    for (let b = 0; b < B; b++) {
      const r = t * B + b;
      if (t < batch.lengths![b]) continue;
      if (tokens) tokens[r] = 999999;
      inputs?.fill(NaN, r * F, (r + 1) * F);
      if (targets && cfg.loss === 'ce') targets[r] = 999999;
      values?.fill(NaN, r * O, (r + 1) * O);
    }
  return out;
}

function randomInit(cfg: ModelConfig, B: number, seed: number): RecurrentInit {
  const n = cfg.layers * B * cfg.hidden;
  return cfg.cell === 'lstm' ? { h0: randomState(n, seed), c0: randomState(n, seed + 1) } : { h0: randomState(n, seed) };
}

describe('ragged batches × losses: gradients vs central finite differences', () => {
  const cases: { cell: (typeof cells)[number]; loss: LossName; kind: Kind }[] = [];
  for (const cell of [cells[0], cells[2], cells[3]])
    for (const loss of ['ce', 'mse', 'class'] as const) for (const kind of ['tokens', 'real'] as const) cases.push({ cell, loss, kind });
  cases.push({ cell: cells[1], loss: 'mse', kind: 'tokens' }, { cell: cells[1], loss: 'mse', kind: 'real' }); // rnn relu
  for (const cell of [cells[0], cells[3]]) cases.push({ cell, loss: 'regress', kind: 'real' }); // regression on the final state
  cases.forEach(({ cell, loss, kind }, idx) => {
    const layers = idx % 2 === 0 ? 2 : 1;
    const lengths = idx % 3 === 0 ? [1, 5, 3] : [5, 2, 3];
    it(`${cell.cell} ${cell.nonlinearity}, loss ${loss}, ${kind}, ${layers} layer(s), lengths [${lengths}]`, () => {
      const cfg = lossCfg(cell, kind, loss, layers);
      const ref = new RecurrentReference(cfg);
      const params = Float64Array.from(initParams(cfg, 20 + idx), (x) => x * 2.5);
      const batch = lossBatch(cfg, 5, 3, lengths, 30 + idx);
      const init = randomInit(cfg, 3, 40 + idx);
      const { grads, dh0, dc0, loss: l } = ref.lossAndGrad(params, batch, init);
      expect(l).toBe(ref.forward(params, batch, init).loss);
      const fdLoss = () => ref.forward(params, batch, init).loss;
      let checked = 0;
      for (const spec of ref.layout.specs) checked += checkFd(spec.name, params, grads, fdLoss, spec.offset, spec.size);
      expect(checked).toBe(paramLayout(cfg).specs.reduce((a, s) => a + s.size, 0));
      const n = layers * 3 * cfg.hidden;
      expect(checkFd('h0', init.h0!, dh0, fdLoss)).toBe(n);
      if (cfg.cell === 'lstm') expect(checkFd('c0', init.c0!, dc0!, fdLoss)).toBe(n);
    });
  });
});

describe('ragged batches: padding', () => {
  for (const loss of ['ce', 'mse', 'class'] as const)
    for (const kind of ['tokens', 'real'] as const)
      it(`is never read (loss ${loss}, ${kind})`, () => {
        const cell = cells[loss === 'ce' ? 3 : loss === 'mse' ? 2 : 0];
        const cfg = lossCfg(cell, kind, loss, 2);
        const ref = new RecurrentReference(cfg);
        const params = Float64Array.from(initParams(cfg, 3), (x) => x * 2);
        const batch = lossBatch(cfg, 5, 3, [5, 2, 1], 4);
        const init = randomInit(cfg, 3, 5);
        const a = ref.lossAndGrad(params, batch, init);
        const b = ref.lossAndGrad(params, poisonPadding(cfg, batch), init);
        expect(Number.isFinite(b.loss) && b.grads.every(Number.isFinite) && b.dh0.every(Number.isFinite)).toBe(true);
        expect(b.loss).toBe(a.loss);
        expect(b.grads).toEqual(a.grads);
        expect([b.dh0, b.dc0, b.fwd.logits, b.fwd.rowLoss, b.fwd.hT, b.fwd.cT]).toEqual([a.dh0, a.dc0, a.fwd.logits, a.fwd.rowLoss, a.fwd.hT, a.fwd.cT]);
        expect([b.fwd.hs, b.fwd.cs]).toEqual([a.fwd.hs, a.fwd.cs]);
      });

  for (const loss of ['ce', 'mse', 'class'] as const)
    it(`all lengths = T is exactly no lengths (loss ${loss})`, () => {
      const cfg = lossCfg(cells[3], 'real', loss, 2);
      const ref = new RecurrentReference(cfg);
      const params = Float64Array.from(initParams(cfg, 8), (x) => x * 2);
      const batch = lossBatch(cfg, 4, 3, null, 9);
      const init = randomInit(cfg, 3, 10);
      const a = ref.lossAndGrad(params, batch, init);
      const b = ref.lossAndGrad(params, { ...batch, lengths: new Uint32Array([4, 4, 4]) }, init);
      expect(b).toEqual(a);
    });

  it('rejects lengths outside 1..T, naming the entry', () => {
    const cfg = lossCfg(cells[0], 'tokens', 'ce', 1);
    const ref = new RecurrentReference(cfg);
    const params = Float64Array.from(initParams(cfg, 1));
    const batch = lossBatch(cfg, 4, 3, null, 2);
    expect(() => ref.forward(params, { ...batch, lengths: new Uint32Array([4, 0, 2]) })).toThrow(/lengths\[1\]/);
    expect(() => ref.forward(params, { ...batch, lengths: new Uint32Array([4, 2, 5]) })).toThrow(/lengths\[2\]/);
    expect(() => ref.forward(params, { ...batch, lengths: new Uint32Array([4, 2]) })).toThrow(/lengths/);
  });
});

describe('final states (hT, cT) and truncated BPTT', () => {
  const cfg = lossCfg(cells[3], 'tokens', 'ce', 2); // LSTM, 2 layers
  const ref = new RecurrentReference(cfg);
  const params = Float64Array.from(initParams(cfg, 12), (x) => x * 2);
  const H = cfg.hidden;
  const B = 3;
  /** Sequence b's slice of a layer-major [L*B*H] state, as a [L*1*H] state. */
  const pick = (s: Float64Array, b: number) => Float64Array.from({ length: cfg.layers * H }, (_, k) => s[(Math.floor(k / H) * B + b) * H + (k % H)]);

  const lengths = [5, 2, 1];
  /** A ragged batch of 5 steps from random initial states, and its forward pass. */
  const ragged = () => {
    const batch = lossBatch(cfg, 5, B, lengths, 13);
    const init = randomInit(cfg, B, 14);
    return { batch, init, fwd: ref.forward(params, batch, init) };
  };

  it('hT / cT hold each sequence’s state at its last real step (as every step after it does)', () => {
    const { fwd } = ragged();
    for (let l = 0; l < cfg.layers; l++)
      for (let b = 0; b < B; b++)
        for (let t = lengths[b]; t <= 5; t++)
          // blocks from the last real step on all hold the final state
          for (let i = 0; i < H; i++) {
            expect(fwd.hs[l][(t * B + b) * H + i]).toBe(fwd.hT[(l * B + b) * H + i]);
            expect(fwd.cs[l][(t * B + b) * H + i]).toBe(fwd.cT![(l * B + b) * H + i]);
          }
  });

  it('hT / cT of each sequence are those of the sequence run alone', () => {
    const { batch, init, fwd } = ragged();
    for (let b = 0; b < B; b++) {
      const T = lengths[b];
      const tokens = Uint32Array.from({ length: T }, (_, t) => batch.tokens![t * B + b]);
      const targets = Uint32Array.from({ length: T }, (_, t) => batch.targets![t * B + b]);
      const alone = ref.forward(params, { T, B: 1, tokens, targets }, { h0: pick(init.h0!, b), c0: pick(init.c0!, b) });
      expect(alone.hT).toEqual(pick(fwd.hT, b));
      expect(alone.cT).toEqual(pick(fwd.cT!, b));
    }
  });

  /** A batch of 7 steps run whole, and in two chunks (T = 3 + 4) with the state carried. */
  const chunked = () => {
    const full = lossBatch(cfg, 7, B, [7, 5, 4], 15);
    const init = randomInit(cfg, B, 16);
    const chunk = (t0: number, T: number, lengths: number[]): Batch => ({
      T,
      B,
      tokens: full.tokens!.slice(t0 * B, (t0 + T) * B),
      targets: full.targets!.slice(t0 * B, (t0 + T) * B),
      lengths: Uint32Array.from(lengths),
    });
    const a = ref.lossAndGrad(params, full, init);
    const c1 = ref.lossAndGrad(params, chunk(0, 3, [3, 3, 3]), init);
    const c2 = ref.lossAndGrad(params, chunk(3, 4, [4, 2, 1]), { h0: c1.fwd.hT, c0: c1.fwd.cT! });
    return { a, c1, c2 };
  };

  it('two chunks with the state carried give the unchunked states', () => {
    const { a, c1, c2 } = chunked();
    const S = B * H;
    for (let l = 0; l < cfg.layers; l++) {
      expect(c1.fwd.hs[l]).toEqual(a.fwd.hs[l].subarray(0, 4 * S));
      expect(c1.fwd.cs[l]).toEqual(a.fwd.cs[l].subarray(0, 4 * S));
      expect(c2.fwd.hs[l]).toEqual(a.fwd.hs[l].subarray(3 * S));
      expect(c2.fwd.cs[l]).toEqual(a.fwd.cs[l].subarray(3 * S));
    }
    expect([c2.fwd.hT, c2.fwd.cT]).toEqual([a.fwd.hT, a.fwd.cT]);
  });

  it('two chunks’ losses, weighted by their real steps, add up to the unchunked loss, row by row', () => {
    const { a, c1, c2 } = chunked();
    // rowLoss is divided by each run's own N (16 real steps in all, 9 + 7 per chunk): N·loss adds up.
    expect(9 * c1.loss + 7 * c2.loss).toBeCloseTo(16 * a.loss, 12);
    a.fwd.rowLoss.forEach((v, r) => expect(16 * v).toBeCloseTo(r < 3 * B ? 9 * c1.fwd.rowLoss[r] : 7 * c2.fwd.rowLoss[r - 3 * B], 12));
  });

  it('the gradient stops at the chunk boundary: the second chunk returns its dh0', () => {
    const { c2 } = chunked();
    // The gradient stops at the chunk boundary: chunk 2's dh0 (nonzero) is returned, not propagated into chunk 1.
    expect(c2.dh0.some((v) => v !== 0)).toBe(true);
  });
});

describe('losses by hand', () => {
  const lengths = [5, 2, 3];
  const head = (ref: RecurrentReference, params: Float64Array, h: Float64Array, O: number) => {
    const [W, bias] = [ref.view(params, 'head.weight'), ref.view(params, 'head.bias')];
    return Array.from({ length: O }, (_, o) => bias[o] + h.reduce((s, v, i) => s + W[o * h.length + i] * v, 0));
  };

  it("'mse' is the mean over real steps and outputs of (ŷ − y)²", () => {
    const cfg = lossCfg(cells[0], 'real', 'mse', 1);
    const [ref, params] = [new RecurrentReference(cfg), Float64Array.from(initParams(cfg, 17), (x) => x * 2)];
    const [T, B, H, O] = [5, 3, cfg.hidden, cfg.output];
    const batch = lossBatch(cfg, T, B, lengths, 18);
    const fwd = ref.forward(params, batch);
    let [sum, count] = [0, 0];
    for (let t = 0; t < T; t++)
      for (let b = 0; b < B; b++) {
        const r = t * B + b;
        if (t >= lengths[b]) {
          expect(fwd.rowLoss[r]).toBe(0);
          expect(Array.from(fwd.logits.subarray(r * O, (r + 1) * O))).toEqual([0, 0, 0]);
          continue;
        }
        const y = head(ref, params, fwd.hs[0].subarray((r + B) * H, (r + B + 1) * H), O);
        y.forEach((v, o) => {
          expect(fwd.logits[r * O + o]).toBeCloseTo(v, 14);
          sum += (v - batch.targetValues![r * O + o]) ** 2;
          count++;
        });
      }
    expect(count).toBe(10 * O);
    expect(fwd.loss).toBeCloseTo(sum / count, 14);
    expect(fwd.rowLoss.reduce((a, v) => a + v, 0)).toBe(fwd.loss);
  });

  it("'class' applies the head once per sequence, to the top layer's state at its last real step", () => {
    const cfg = lossCfg(cells[2], 'tokens', 'class', 2);
    const [ref, params] = [new RecurrentReference(cfg), Float64Array.from(initParams(cfg, 19), (x) => x * 2)];
    const [B, H, O] = [3, cfg.hidden, cfg.output];
    const batch = lossBatch(cfg, 5, B, lengths, 20);
    const fwd = ref.forward(params, batch);
    expect(fwd.logits.length).toBe(B * O);
    expect(fwd.rowLoss.length).toBe(B);
    let sum = 0;
    for (let b = 0; b < B; b++) {
      const r = (lengths[b] - 1) * B + b; // last real step; its state is hs block lengths[b]
      const z = head(ref, params, fwd.hs[1].subarray((r + B) * H, (r + B + 1) * H), O);
      z.forEach((v, o) => expect(fwd.logits[b * O + o]).toBeCloseTo(v, 14));
      sum += Math.log(z.reduce((s, v) => s + Math.exp(v), 0)) - z[batch.targets![b]];
    }
    // (Padded steps carry the state, so that is also hs block T; the hT test shows it is the state after step lengths[b] − 1.)
    expect(fwd.loss).toBeCloseTo(sum / B, 14);
  });
});
