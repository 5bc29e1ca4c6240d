// The optimizer step on the GPU against torch.optim's semantics (float64 reference), clipping,
// the skipped step on a non-finite gradient norm, exact save/resume, and truncated BPTT.
import { beforeAll, describe, it, expect } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { RecurrentTrainer } from '../recurrent/trainer.ts';
import { RecurrentReference } from '../recurrent/reference.ts';
import { clipScale, newOptimizerState, optimizerStep } from './reference.ts';
import { optimizer, type OptimizerConfig } from './config.ts';
import { parseModelConfig, type ModelConfig } from '../recurrent/config.ts';
import { initParams } from '../recurrent/params.ts';
import { randomBatch } from '../testing/randomBatch.ts';
import { expectClose } from '../testing/compare.ts';
import type { Batch } from '../data/batch.ts';
import type { MetricsWindow } from '../training/metrics.ts';

const gpu = useGpu();

const cfg = parseModelConfig({ cell: 'lstm', layers: 2, hidden: 6, input: { kind: 'tokens', vocab: 7 } });
const T = 5;
const B = 3;

/** Runs `steps` training steps on the GPU and returns params and every step's metrics. */
async function trainGpu(model: ModelConfig, o: Partial<OptimizerConfig>, params: Float32Array, batches: Batch[], carry = false) {
  const metrics: MetricsWindow[] = [];
  const trainer = new RecurrentTrainer(gpu(), { model, T: batches[0].T, B, params, optimizer: o, metricsEvery: 2, onMetrics: (w) => metrics.push(w) });
  batches.forEach((b, i) => trainer.step(b, { carryState: carry && i > 0 }));
  await trainer.flushMetrics();
  const out = {
    params: await trainer.readParams(),
    state: await trainer.readOptimizerState(),
    losses: metrics.flatMap((w) => [...w.losses]),
    norms: metrics.flatMap((w) => [...w.gradNorms]),
    skipped: metrics.flatMap((w) => [...w.skipped]),
  };
  trainer.destroy();
  return out;
}

/** The same steps in float64: reference gradients, then torch.optim's update; optionally carrying state. */
function trainReference(model: ModelConfig, o: OptimizerConfig, params: Float32Array, batches: Batch[], carry = false) {
  const ref = new RecurrentReference(model);
  const p = Float64Array.from(params);
  const state = newOptimizerState(p.length);
  const losses: number[] = [];
  const norms: number[] = [];
  let init: { h0: Float64Array; c0?: Float64Array } | undefined;
  for (const batch of batches) {
    const { loss, grads, fwd } = ref.lossAndGrad(p, batch, carry ? init : undefined);
    losses.push(loss);
    norms.push(clipScale(grads, 0).norm);
    optimizerStep(p, grads, state, o);
    init = { h0: fwd.hT, c0: fwd.cT ?? undefined };
  }
  return { params: p, losses, norms, state };
}

const batches = (n: number, seed: number, model = cfg, steps = T, ragged = true) =>
  Array.from({ length: n }, (_, i) => randomBatch(model, steps, B, seed + i, ragged));

describe('optimizers: GPU vs torch.optim semantics', () => {
  const cases: Partial<OptimizerConfig>[] = [
    { kind: 'sgd', lr: 0.1 },
    { kind: 'sgd', lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 },
    { kind: 'sgd', lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.02 },
    { kind: 'adam', lr: 0.01, weightDecay: 0.05 },
    { kind: 'adamw', lr: 0.01, weightDecay: 0.1 },
    { kind: 'adam', lr: 0.01, clip: 0.05 },
  ];
  for (const o of cases)
    it(`${JSON.stringify(o)}: three steps match the float64 reference of torch.optim`, async () => {
      const params = initParams(cfg, 5);
      const data = batches(3, 10);
      const got = await trainGpu(cfg, o, params, data);
      const want = trainReference(cfg, optimizer(o), params, data);
      const delta = (a: ArrayLike<number>) => Float64Array.from(a, (x, i) => x - params[i]);
      expectClose('Δparams', delta(got.params), delta(want.params), 2e-3);
      expectClose('params', got.params, want.params, 1e-4);
      expectClose('losses', got.losses, want.losses, 1e-4);
      expectClose('grad norms', got.norms, want.norms, 1e-4);
      expect(got.state.step).toBe(3);
      expect(got.skipped).toEqual([0, 0, 0]);
    });
});

describe('clip_grad_norm_ on a gradient built to explode (SGD, max norm 1)', () => {
  const model = parseModelConfig({ cell: 'rnn', hidden: 8, input: { kind: 'real', features: 3 }, output: 4, loss: 'mse' });
  const params = initParams(model, 1).map((x) => x * 8); // large recurrent weights: gradients explode through time
  const o = optimizer({ kind: 'sgd', lr: 0.1, clip: 1 });
  let got: Awaited<ReturnType<typeof trainGpu>>;
  let want: ReturnType<typeof trainReference>;
  beforeAll(async () => {
    const data = batches(1, 3, model, 12).map((b) => ({ ...b, targetValues: b.targetValues!.map((v) => (Number.isNaN(v) ? v : v * 50)) }));
    got = await trainGpu(model, o, params, data);
    want = trainReference(model, o, params, data);
  });

  it('reports the norm before clipping, the reference’s', () => {
    expect(want.norms[0]).toBeGreaterThan(100); // it really explodes
    expect(Math.abs(got.norms[0] - want.norms[0]) / want.norms[0]).toBeLessThan(1e-4);
  });

  it('updates with the clipped gradient: the reference’s weights, moved by lr · max_norm', () => {
    expectClose('params', got.params, want.params, 1e-4);
    // Plain SGD moves the weights by lr · clipped gradient: its norm is lr · max_norm.
    const step = Math.hypot(...Array.from(got.params, (x, i) => x - params[i]));
    expect(step).toBeCloseTo(0.1 * 1, 4);
  });
});

describe('a step whose gradient norm is not finite (a NaN input), then a good one (Adam)', () => {
  const model = parseModelConfig({ cell: 'gru', hidden: 5, input: { kind: 'real', features: 2 }, output: 3 });
  const params = initParams(model, 2);
  const [good, next] = batches(2, 7, model);
  const o = optimizer({ kind: 'adam', lr: 0.01 });
  let got: Awaited<ReturnType<typeof trainGpu>>;
  beforeAll(async () => {
    const bad = { ...good, inputs: good.inputs!.map((v, k) => (k === 0 ? NaN : v)) }; // step 0 of sequence 0 is real
    got = await trainGpu(model, o, params, [bad, next]);
  });

  it('is reported skipped, with its NaN norm', () => {
    expect(got.skipped).toEqual([1, 0]);
    expect(Number.isNaN(got.norms[0])).toBe(true);
  });

  it('is skipped: only the good step happened, as Adam’s first', () => {
    expect(got.state.step).toBe(1);
    const want = trainReference(model, o, params, [next]);
    expectClose('params', got.params, want.params, 1e-4);
  });
});

describe('checkpoints', () => {
  for (const kind of ['sgd', 'adam', 'adamw'] as const)
    it(`${kind}: 3 steps, saved and resumed in a new trainer, then 3 more give the weights and moments of 6 uninterrupted steps, bit for bit`, async () => {
      const ctx = gpu();
      const o = optimizer({ kind, lr: 0.02, momentum: kind === 'sgd' ? 0.9 : 0, weightDecay: 0.01, clip: 0.5 });
      const data = batches(6, 20);
      const params = initParams(cfg, 9);
      const straight = await trainGpu(cfg, o, params, data);

      const first = new RecurrentTrainer(ctx, { model: cfg, T, B, params, optimizer: o });
      data.slice(0, 3).forEach((b) => first.step(b));
      const saved = { params: await first.readParams(), state: await first.readOptimizerState() };
      first.destroy();
      const second = new RecurrentTrainer(ctx, { model: cfg, T, B, params: saved.params, optimizer: o });
      second.setOptimizerState(saved.state);
      data.slice(3).forEach((b) => second.step(b));
      const resumed = { params: await second.readParams(), state: await second.readOptimizerState() };
      second.destroy();
      expect(resumed.params).toEqual(straight.params);
      expect(resumed.state.step).toBe(6);
      expect(resumed.state.m).toEqual(straight.state.m);
      expect(resumed.state.v).toEqual(straight.state.v);
    });
});

describe('truncated BPTT', () => {
  for (const cell of ['rnn', 'lstm'] as const)
    it(`${cell}: carries the final states into the next chunk and cuts the gradient there, as h.detach() does`, async () => {
      const model = parseModelConfig({ cell, layers: 2, hidden: 5, input: { kind: 'tokens', vocab: 6 } });
      // One long sequence per row, cut into 3 chunks of 4 steps.
      const chunks = batches(3, 40, model, 4, false);
      const o = optimizer({ kind: 'sgd', lr: 0.5 });
      const params = initParams(model, 4);
      const got = await trainGpu(model, o, params, chunks, true);
      const want = trainReference(model, o, params, chunks, true);
      expectClose(`${cell} chunk losses`, got.losses, want.losses, 1e-4);
      expectClose(`${cell} params`, got.params, want.params, 1e-4);
      // Without carrying, chunk 2 would start from zeros: a different loss.
      const fresh = trainReference(model, o, params, chunks, false);
      expect(Math.abs(fresh.losses[1] - want.losses[1])).toBeGreaterThan(1e-3);
    });
});
