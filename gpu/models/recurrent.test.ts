// Every cell on the GPU against the float64 reference (PyTorch semantics): loss, logits, every
// layer's hidden states (and LSTM cell states) and every gradient, within 1e-4 of each tensor's
// max |value|, for cells × layers {1, 2} × token and real inputs, on ragged-size shapes.
import { describe, it, expect } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { Trainer, readBuffer } from '../trainer.ts';
import { RecurrentReference } from '../reference/recurrent.ts';
import { parseModelConfig, type Cell } from '../model/config.ts';
import { initParams, paramLayout } from '../model/params.ts';
import { randomBatch } from '../testing/randomBatch.ts';
import { relativeError } from '../testing/compare.ts';
import { Rng } from '../rng.ts';

const gpu = useGpu();
const TOL = 1e-4;

function expectClose(name: string, got: ArrayLike<number>, want: ArrayLike<number>) {
  const { error, where } = relativeError(got, want);
  expect(error, `${name}: ${where}`).toBeLessThan(TOL);
}

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
          ...c, layers, hidden: H,
          input: kind === 'tokens' ? { kind, vocab: V } : { kind, features: 1 + rng.int(9) },
          output: kind === 'real' ? 2 + rng.int(9) : undefined,
        });
        const seed = n;
        it(`${c.cell}${c.nonlinearity ? `/${c.nonlinearity}` : ''} layers=${layers} ${kind} H=${H} T=${T} B=${B}`, async () => {
          const ctx = gpu();
          // Weights ×2 so gates leave their linear range and a sign error cannot hide.
          const params = initParams(cfg, 100 + seed).map((x) => 2 * x);
          const batch = randomBatch(cfg, T, B, 200 + seed);
          const trainer = new Trainer(ctx, { model: cfg, T, B, params });
          trainer.computeGradients(batch);
          const ref = new RecurrentReference(cfg).lossAndGrad(Float64Array.from(params), batch);
          const loss = (await readBuffer(ctx, trainer.model.buffers.metrics, 1))[0];
          expect(Math.abs(loss - ref.loss) / Math.max(1, ref.loss)).toBeLessThan(TOL);
          expectClose('logits', await readBuffer(ctx, trainer.model.buffers.logits, T * B * cfg.output), ref.fwd.logits);
          for (const [l, layer] of trainer.model.layers.entries()) {
            expectClose(`hs_l${l}`, await readBuffer(ctx, layer.buffers.hs, (T + 1) * B * H), ref.fwd.hs[l]);
            if (layer.buffers.cs) expectClose(`cs_l${l}`, await readBuffer(ctx, layer.buffers.cs, (T + 1) * B * H), ref.fwd.cs[l]);
          }
          const grads = await trainer.readGrads();
          for (const s of paramLayout(cfg).specs)
            expectClose(s.name, grads.subarray(s.offset, s.offset + s.size), ref.grads.subarray(s.offset, s.offset + s.size));
          trainer.destroy();
        });
      }
});
