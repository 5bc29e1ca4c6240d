// The blocked step kernels at every tile height (TB = 4, 8 batch rows per invocation) against
// the float64 reference, on shapes that leave partial tiles in both directions (B = 19 rows = 2·8 + 3,
// H = 37 units = 9·4 + 1 = 2·16 + 5) and ragged lengths, for every cell, two layers (so each layer's
// input gradient passes through), initial states and both step kinds.
import { afterEach, describe, it, expect } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { RecurrentTrainer } from './trainer.ts';
import { readBuffer } from '../core/readBuffer.ts';
import { RecurrentReference } from './reference.ts';
import { parseModelConfig } from './config.ts';
import { initParams } from './params.ts';
import { randomBatch } from '../testing/randomBatch.ts';
import { expectClose } from '../testing/compare.ts';
import { expectMatchesReference } from '../testing/recurrentCheck.ts';
import { sequenceRows, stepTiling, stepTuning } from './stepKernels.ts';

const gpu = useGpu();
const TOL = 1e-4;
const T = 5,
  B = 19,
  H = 37;

describe('step kernels at every tile height vs the float64 reference', () => {
  afterEach(() => {
    stepTuning.rows = 0;
  });
  for (const cell of ['rnn', 'gru', 'lstm'] as const)
    for (const rows of [4, 8])
      it(`${cell} TB=${rows} B=${B} H=${H}`, async () => {
        stepTuning.rows = rows;
        expect(stepTiling(B, H, 16).TB).toBe(rows);
        const ctx = gpu();
        const cfg = parseModelConfig({ cell, layers: 2, hidden: H, input: { kind: 'tokens', vocab: 11 } });
        const params = initParams(cfg, rows).map((x) => 2 * x);
        const batch = randomBatch(cfg, T, B, 50 + rows, true);
        const h0 = Float32Array.from({ length: 2 * B * H }, (_, i) => Math.sin(i));
        const c0 = cell === 'lstm' ? Float32Array.from({ length: 2 * B * H }, (_, i) => Math.cos(i * 0.7)) : undefined;
        const trainer = new RecurrentTrainer(ctx, { model: cfg, T, B, params });
        trainer.computeGradients(batch, { h0, c0 });
        const ref = new RecurrentReference(cfg).lossAndGrad(Float64Array.from(params), batch, { h0: Float64Array.from(h0), c0: c0 && Float64Array.from(c0) });
        await expectMatchesReference(trainer, ref, TOL);
        trainer.destroy();
      });
});

describe('the single-dispatch sequence kernel equals the per-step path', () => {
  afterEach(() => {
    stepTuning.sequence = -1;
    stepTuning.seqRows = 0;
  });
  // H = 32, B = 16: the tiny config it is chosen for; H = 37, B = 19 with 8 rows per workgroup: a
  // partial workgroup of rows and a workgroup wider than H.
  const cases = [
    [32, 16, 0],
    [37, 19, 8],
    [5, 3, 2],
    [6, 9, 5],
    [3, 7, 7],
  ];
  for (const [cell, nonlinearity] of [
    ['rnn', 'tanh'],
    ['rnn', 'relu'],
    ['gru', 'tanh'],
    ['lstm', 'tanh'],
  ] as const)
    for (const [H, B, rows] of cell === 'lstm' ? cases : cases.slice(0, 3))
      it(`${cell}${cell === 'rnn' ? `/${nonlinearity}` : ''} H=${H} B=${B} rows/workgroup=${rows || 'auto'}: states, gates, loss and gradients within 1e-5`, async () => {
        const ctx = gpu();
        const T = 7;
        const cfg = parseModelConfig({ cell, nonlinearity, layers: 2, hidden: H, input: { kind: 'tokens', vocab: 9 } });
        const params = initParams(cfg, H).map((x) => 2 * x);
        const batch = randomBatch(cfg, T, B, H, true);
        const h0 = Float32Array.from({ length: 2 * B * H }, (_, i) => Math.sin(i));
        const c0 = cell === 'lstm' ? Float32Array.from({ length: 2 * B * H }, (_, i) => Math.cos(i * 0.7)) : undefined;
        const run = async (sequence: number) => {
          stepTuning.sequence = sequence;
          stepTuning.seqRows = rows;
          const trainer = new RecurrentTrainer(ctx, { model: cfg, T, B, params });
          expect(trainer.model.layers.every((l) => l.sequence === (sequence === 1))).toBe(true);
          trainer.computeGradients(batch, { h0, c0 });
          const b = trainer.model.layers.map((l) => l.buffers);
          const out: Record<string, Float32Array> = { metrics: await readBuffer(ctx, trainer.model.buffers.metrics, 1), grads: await trainer.readGrads() };
          for (const [l, lb] of b.entries()) {
            out[`hs_l${l}`] = await readBuffer(ctx, lb.hs, (T + 1) * B * H);
            if (lb.cs) out[`cs_l${l}`] = await readBuffer(ctx, lb.cs, (T + 1) * B * H);
            if (lb.gates) out[`gates_l${l}`] = await readBuffer(ctx, lb.gates, T * B * (cell === 'gru' ? 3 : 4) * H);
            if (lb.hn) out[`hn_l${l}`] = await readBuffer(ctx, lb.hn, T * B * H);
          }
          trainer.destroy();
          return out;
        };
        const seq = await run(1);
        const steps = await run(0);
        for (const name of Object.keys(steps)) expectClose(name, seq[name], steps[name], 1e-5);
        const ref = new RecurrentReference(cfg).lossAndGrad(Float64Array.from(params), batch, { h0: Float64Array.from(h0), c0: c0 && Float64Array.from(c0) });
        expectClose('hs_l1 vs reference', seq.hs_l1, ref.fwd.hs[1], TOL);
      });
  it('is chosen automatically for the tiny configs only', () => {
    for (const cell of ['rnn', 'gru', 'lstm'] as const) {
      const shape = (H: number, B: number) => ({ cell, T: 32, B, H, relu: false, whh: 0, bhh: 0 });
      expect(sequenceRows(shape(32, 16))).toBe(4);
      expect(sequenceRows(shape(128, 32))).toBe(0);
    }
  });
});
