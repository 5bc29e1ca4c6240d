// An independent implementation check: TensorFlow.js (pure-JS 'cpu' backend, float32) against the
// float64 RecurrentReference, for the same PyTorch-layout parameters and batch.
//   - Keras layers (tf.layers.simpleRNN / lstm + dense, weights converted to Keras conventions,
//     gradients by tf.variableGrads on the Keras weights): every layer's hidden states, logits,
//     loss and every parameter gradient, for SimpleRNN (tanh, relu) and LSTM.
//   - tf-op cells in PyTorch's parameterisation with TF.js autodiff: the same plus ∂loss/∂h0 (and
//     ∂loss/∂c0), for RNN, LSTM and GRU, including ragged (packed) batches.
// Conventions, the conversion to Keras and why TF.js's Keras GRU cannot be used: tfjsModels.ts.
// Tolerance: |tf − ref| ≤ 1e-4 · max|ref| per tensor (float32 vs float64 over T = 5 steps).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { RecurrentReference, type RecurrentInit } from './reference.ts';
import { kerasLossAndGrad, opsLossAndGrad, type TfInit, type TfResult } from './tfjsModels.ts';
import { parseModelConfig, type ModelConfig } from './config.ts';
import { initParams } from './params.ts';
import { randomBatch } from '../testing/randomBatch.ts';
import { relativeError } from '../testing/compare.ts';
import { Rng } from '../core/rng.ts';
import type { Batch } from '../data/batch.ts';

const TOL = 1e-4;

const cells = [
  { cell: 'rnn', nonlinearity: 'tanh' },
  { cell: 'rnn', nonlinearity: 'relu' },
  { cell: 'lstm', nonlinearity: 'tanh' },
  { cell: 'gru', nonlinearity: 'tanh' }, // tf-op cells only (see tfjsModels.ts)
] as const;
const inputs = [
  { input: { kind: 'tokens', vocab: 6 }, hidden: 5, loss: 'ce' },
  { input: { kind: 'real', features: 3 }, output: 4, hidden: 4, loss: 'ce' },
  { input: { kind: 'real', features: 3 }, output: 2, hidden: 4, loss: 'mse' },
] as const;
const [T, B] = [5, 3];

/** Largest relative error seen per comparison kind, printed at the end. */
const worst = new Map<string, { error: number; what: string }>();

function close(kind: string, what: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  const { error, where } = relativeError(got, want);
  if (!(error <= (worst.get(kind)?.error ?? -1))) worst.set(kind, { error, what });
  expect(error, `${what}: ${where}`).toBeLessThanOrEqual(TOL);
}

/** Uniform in [-1, 1), float32-exact so both sides see the same values. */
const randomState = (n: number, seed: number) => {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
};

interface Case {
  cfg: ModelConfig;
  params32: Float32Array;
  batch: Batch;
  init?: TfInit;
}

function makeCase(c: (typeof cells)[number], inp: (typeof inputs)[number], layers: number, withInit: boolean, ragged = false): Case {
  const cfg = parseModelConfig({ ...c, ...inp, layers });
  // × 2 (exact in float32) so gates spread away from 0.5 and tanh saturates a little.
  const params32 = initParams(cfg, 5 + layers).map((x) => x * 2);
  const batch = randomBatch(cfg, T, B, 17 + layers, ragged);
  if (!withInit) return { cfg, params32, batch };
  const n = layers * B * cfg.hidden;
  return { cfg, params32, batch, init: cfg.cell === 'lstm' ? { h0: randomState(n, 3), c0: randomState(n, 4) } : { h0: randomState(n, 3) } };
}

/** Compares a TF.js result with the reference's forward and gradients. */
function compare(kind: string, { cfg, params32, batch, init }: Case, got: TfResult): void {
  const ref = new RecurrentReference(cfg);
  const refInit: RecurrentInit | undefined = init && { h0: init.h0 && Float64Array.from(init.h0), c0: init.c0 && Float64Array.from(init.c0) };
  const want = ref.lossAndGrad(Float64Array.from(params32), batch, refInit);
  const H = cfg.hidden;
  expect(got.hs.length).toBe(cfg.layers);
  got.hs.forEach((h, l) => close(`${kind} forward`, `hidden states, layer ${l}`, h, want.fwd.hs[l].subarray(B * H)));
  close(`${kind} forward`, 'logits', got.logits, want.fwd.logits);
  close(`${kind} forward`, 'loss', [got.loss], [want.loss]);
  for (const s of ref.layout.specs) {
    const at = (g: ArrayLike<number>) => Array.prototype.slice.call(g, s.offset, s.offset + s.size) as number[];
    close(`${kind} gradients`, `d ${s.name}`, at(got.grads), at(want.grads));
  }
  if (got.dh0) close(`${kind} gradients`, 'd h0', got.dh0, want.dh0);
  if (cfg.cell === 'lstm' && got.dh0) close(`${kind} gradients`, 'd c0', got.dc0!, want.dc0!);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

afterAll(() => {
  const lines = [...worst].map(([kind, { error, what }]) => `  ${kind}: ${error.toExponential(2)} (${what})`);
  console.log(`TF.js vs RecurrentReference, largest relative errors (tolerance ${TOL}):\n${lines.join('\n')}`);
});

describe('TF.js Keras layers vs RecurrentReference', () => {
  for (const c of cells) {
    if (c.cell === 'gru') continue; // no PyTorch-compatible Keras GRU in TF.js (tfjsModels.ts); checked with tf-op cells below
    for (const layers of [1, 2])
      for (const inp of inputs)
        for (const withInit of [false, true])
          it(`${c.cell} ${c.nonlinearity}, ${layers} layer(s), ${inp.input.kind} inputs, ${inp.loss}${withInit ? ', given initial state' : ''}`, () => {
            const k = makeCase(c, inp, layers, withInit);
            const before = tf.memory().numTensors;
            const got = kerasLossAndGrad(k.cfg, k.params32, k.batch, k.init);
            expect(tf.memory().numTensors, 'leaked tensors').toBe(before);
            compare('keras', k, got);
          });
  }

  it('TF.js has no reset_after GRU (why the GRU is checked with tf-op cells only)', () => {
    expect(() => tf.layers.gruCell({ units: 2, resetAfter: true })).toThrow(/reset_after/);
  });
});

describe('TF.js autodiff of tf-op cells vs RecurrentReference', () => {
  for (const c of cells)
    for (const layers of [1, 2])
      for (const inp of inputs)
        for (const variant of ['zero state', 'given initial state', 'ragged'] as const)
          it(`${c.cell} ${c.nonlinearity}, ${layers} layer(s), ${inp.input.kind} inputs, ${inp.loss}, ${variant}`, () => {
            const k = makeCase(c, inp, layers, variant !== 'zero state', variant === 'ragged');
            if (variant === 'ragged')
              expect(
                Array.from(k.batch.lengths!).some((n) => n < T),
                'a sequence shorter than T',
              ).toBe(true);
            const before = tf.memory().numTensors;
            const got = opsLossAndGrad(k.cfg, k.params32, k.batch, k.init);
            expect(tf.memory().numTensors, 'leaked tensors').toBe(before);
            compare('tf-op', k, got);
          });
});
