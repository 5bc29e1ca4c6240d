// The stacked RNN/GRU/LSTM reference: analytic gradients against central finite differences (float64),
// agreement with the single-layer Elman reference, and hand-computed steps pinning PyTorch's gate order.
import { describe, it, expect } from 'vitest';
import { RecurrentReference, type RecurrentInit } from './recurrent.ts';
import { ElmanReference } from './elman.ts';
import { parseModelConfig, type ModelConfig } from '../model/config.ts';
import { initParams, paramLayout } from '../model/params.ts';
import { randomBatch } from '../testing/randomBatch.ts';
import { Rng } from '../rng.ts';
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

const randomState = (n: number, seed: number) => {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => rng.uniform() * 2 - 1);
};

/** Central differences of the loss w.r.t. every element of `x`, checked against `analytic`; returns the count. */
function checkFd(name: string, x: Float64Array, analytic: Float64Array, loss: () => number, from = 0, size = x.length): number {
  const eps = 1e-6;
  for (let k = 0; k < size; k++) {
    const i = from + k;
    const keep = x[i];
    x[i] = keep + eps;
    const up = loss();
    x[i] = keep - eps;
    const down = loss();
    x[i] = keep;
    const numeric = (up - down) / (2 * eps);
    if (!(Math.abs(numeric - analytic[i]) <= 1e-6 + 1e-5 * Math.abs(numeric)))
      throw new Error(`${name}[${k}]: analytic ${analytic[i]} numeric ${numeric}`);
  }
  return size;
}

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

describe('single-layer rnn matches ElmanReference', () => {
  for (const nonlinearity of ['tanh', 'relu'] as const)
    for (const inp of inputs) {
      it(`${nonlinearity}, ${inp.input.kind} inputs`, () => {
        const { T, B, ...rest } = inp;
        const cfg = parseModelConfig({ cell: 'rnn', nonlinearity, ...rest });
        const params = Float64Array.from(initParams(cfg, 5), (x) => x * 3);
        const batch = randomBatch(cfg, T, B, 6);
        const h0 = randomState(B * cfg.hidden, 8);
        const a = new RecurrentReference(cfg).lossAndGrad(params, batch, { h0 });
        const b = new ElmanReference(cfg).lossAndGrad(params, batch, h0);
        expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-12);
        expect(a.grads.length).toBe(b.grads.length);
        a.grads.forEach((v, i) => {
          if (Math.abs(v - b.grads[i]) > 1e-12) throw new Error(`grad ${i}: recurrent ${v} elman ${b.grads[i]}`);
        });
        a.fwd.hs[0].forEach((v, i) => expect(Math.abs(v - b.fwd.hs[i])).toBeLessThan(1e-12));
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
