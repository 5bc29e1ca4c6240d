// Every cell on the GPU against the float64 reference (PyTorch semantics): loss, logits, every
// layer's hidden states (and LSTM cell states) and every gradient, within 1e-4 of each tensor's
// max |value|, for cells × layers {1, 2} × token and real inputs, on ragged-size shapes.
import { describe, it, expect } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { RecurrentTrainer } from './trainer.ts';
import { readBuffer } from '../core/readBuffer.ts';
import { RecurrentReference } from './reference.ts';
import { parseModelConfig, type Cell } from './config.ts';
import { initParams, paramLayout } from './params.ts';
import { randomBatch } from '../testing/randomBatch.ts';
import { expectClose } from '../testing/compare.ts';
import { expectMatchesReference } from '../testing/recurrentCheck.ts';
import { Rng } from '../core/rng.ts';

const gpu = useGpu();
const TOL = 1e-4;

const cells: { cell: Cell; nonlinearity?: 'relu' }[] = [{ cell: 'rnn' }, { cell: 'rnn', nonlinearity: 'relu' }, { cell: 'gru' }, { cell: 'lstm' }];

describe('stacked cells on the GPU vs the float64 reference', () => {
  const rng = new Rng(31);
  const Hs = [1, 6, 8, 33, 64];
  let n = 0;
  for (const c of cells)
    for (const layers of [1, 2])
      for (const kind of ['tokens', 'real'] as const) {
        const H = Hs[n++ % Hs.length];
        const T = 1 + rng.int(12);
        const B = 1 + rng.int(9);
        const V = 3 + rng.int(30);
        const cfg = parseModelConfig({
          ...c,
          layers,
          hidden: H,
          input: kind === 'tokens' ? { kind, vocab: V } : { kind, features: 1 + rng.int(9) },
          output: kind === 'real' ? 2 + rng.int(9) : undefined,
        });
        const seed = n;
        it(`${c.cell}${c.nonlinearity ? `/${c.nonlinearity}` : ''} layers=${layers} ${kind} H=${H} T=${T} B=${B}`, async () => {
          const ctx = gpu();
          // Weights ×2 so gates leave their linear range and a sign error cannot hide.
          const params = initParams(cfg, 100 + seed).map((x) => 2 * x);
          const batch = randomBatch(cfg, T, B, 200 + seed);
          const trainer = new RecurrentTrainer(ctx, { model: cfg, T, B, params });
          trainer.computeGradients(batch);
          const ref = new RecurrentReference(cfg).lossAndGrad(Float64Array.from(params), batch);
          expectClose('logits', await readBuffer(ctx, trainer.model.buffers.logits, T * B * cfg.output), ref.fwd.logits, TOL);
          await expectMatchesReference(trainer, ref, TOL);
          trainer.destroy();
        });
      }
});

describe('ragged batches: every cell × loss × layers {1, 2} × input kind on the GPU vs the reference', () => {
  // Padding holds junk (out-of-range ids, NaN) that must never be read.
  const rng = new Rng(77);
  const losses = ['ce', 'mse', 'class', 'regress'] as const;
  let n = 0;
  for (const c of cells)
    for (const loss of losses)
      for (const layers of [1, 2])
        for (const kind of ['tokens', 'real'] as const) {
          const H = [3, 8, 17][n % 3];
          const T = 2 + rng.int(9);
          const B = 2 + rng.int(7);
          n++;
          const cfg = parseModelConfig({
            ...c,
            layers,
            hidden: H,
            loss,
            input: kind === 'tokens' ? { kind, vocab: 4 + rng.int(20) } : { kind, features: 1 + rng.int(6) },
            output: 2 + rng.int(6),
          });
          const seed = n;
          it(`${c.cell}${c.nonlinearity ? `/${c.nonlinearity}` : ''} loss=${loss} layers=${layers} ${kind} H=${H} T=${T} B=${B}`, async () => {
            const ctx = gpu();
            const params = initParams(cfg, 300 + seed).map((x) => 2 * x);
            const batch = randomBatch(cfg, T, B, 400 + seed, true);
            const h0 = Float32Array.from({ length: layers * B * H }, (_, i) => Math.sin(i + seed));
            const c0 = cfg.cell === 'lstm' ? Float32Array.from({ length: layers * B * H }, (_, i) => Math.cos(i * 0.7 + seed)) : undefined;
            const trainer = new RecurrentTrainer(ctx, { model: cfg, T, B, params });
            trainer.computeGradients(batch, { h0, c0 });
            const ref = new RecurrentReference(cfg).lossAndGrad(Float64Array.from(params), batch, {
              h0: Float64Array.from(h0),
              c0: c0 && Float64Array.from(c0),
            });
            const gpuLoss = (await readBuffer(ctx, trainer.model.buffers.metrics, 1))[0];
            expect(Number.isFinite(gpuLoss)).toBe(true);
            expect(Math.abs(gpuLoss - ref.loss) / Math.max(1, ref.loss)).toBeLessThan(TOL);
            const perStep = cfg.loss === 'ce' || cfg.loss === 'mse';
            const logits = await readBuffer(ctx, trainer.model.buffers.logits, (perStep ? T * B : B) * cfg.output);
            // Outputs at padded steps are unspecified (the reference leaves 0): compare the real rows.
            const real = (r: number) => !perStep || Math.floor(r / B) < batch.lengths![r % B];
            expectClose(
              'logits',
              logits.map((v, k) => (real(Math.floor(k / cfg.output)) ? v : 0)),
              ref.fwd.logits,
              TOL,
            );
            for (const [l, layer] of trainer.model.layers.entries())
              expectClose(`hs_l${l}`, await readBuffer(ctx, layer.buffers.hs, (T + 1) * B * H), ref.fwd.hs[l], TOL);
            const grads = await trainer.readGrads();
            for (const s of paramLayout(cfg).specs)
              expectClose(s.name, grads.subarray(s.offset, s.offset + s.size), ref.grads.subarray(s.offset, s.offset + s.size), TOL);
            trainer.destroy();
          });
        }
});

describe('saturated units stay finite (tanh of a large argument)', () => {
  // SwiftShader's tanh overflows to NaN past |x| ≈ 44; PyTorch (and the reference) give ±1 there.
  for (const cell of ['rnn', 'gru', 'lstm'] as const)
    it(`${cell}: weights ×200 give the reference's loss and states, and finite gradients`, async () => {
      const cfg = parseModelConfig({ cell, hidden: 8, input: { kind: 'real', features: 3 }, output: 2, loss: 'mse' });
      const params = initParams(cfg, 1).map((x) => 200 * x);
      const batch = randomBatch(cfg, 4, 2, 3);
      const ctx = gpu();
      const trainer = new RecurrentTrainer(ctx, { model: cfg, T: 4, B: 2, params });
      trainer.computeGradients(batch);
      const ref = new RecurrentReference(cfg).lossAndGrad(Float64Array.from(params), batch);
      const loss = (await readBuffer(ctx, trainer.model.buffers.metrics, 1))[0];
      expect(Math.abs(loss - ref.loss) / ref.loss).toBeLessThan(TOL);
      expectClose('hs', await readBuffer(ctx, trainer.model.layers[0].buffers.hs, 5 * 2 * 8), ref.fwd.hs[0], TOL);
      // Saturated units pass (almost) no gradient: in float32 1 − tanh² is 0 where float64 keeps ~1e−8,
      // so gradients are compared absolutely, against the head's, which are O(1).
      const grads = await trainer.readGrads();
      expect(grads.every(Number.isFinite)).toBe(true);
      expect(Math.max(...grads.map((g, i) => Math.abs(g - ref.grads[i])))).toBeLessThan(1e-3);
      trainer.destroy();
    });
});
