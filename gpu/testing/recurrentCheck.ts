// Test helper: a RecurrentTrainer's last computeGradients held to the float64 reference's pass on the
// same batch: the loss, every layer's states (h and, for LSTMs, c; a bidirectional layer's output) and
// every parameter's gradient.
import { expect } from 'vitest';
import { readBuffer } from '../core/readBuffer.ts';
import { paramLayout } from '../recurrent/params.ts';
import type { RecurrentTrainer } from '../recurrent/trainer.ts';
import type { RecurrentReference } from '../recurrent/reference.ts';
import { expectClose } from './compare.ts';

type Pass = ReturnType<RecurrentReference['lossAndGrad']>;

export async function expectMatchesReference(trainer: RecurrentTrainer, ref: Pass, tol: number): Promise<void> {
  const { ctx, model } = trainer;
  const { T, B, cfg } = model;
  const H = cfg.hidden;
  const loss = (await readBuffer(ctx, model.buffers.metrics, 1))[0];
  expect(Math.abs(loss - ref.loss) / Math.max(1, ref.loss)).toBeLessThan(tol);
  if (cfg.bidirectional)
    // The reverse direction's states are in mirrored order on the GPU: compare each layer's [forward; reverse] output in step order.
    for (let l = 0; l < cfg.layers; l++) expectClose(`out_l${l}`, await readBuffer(ctx, model.jointOutput(l)!, T * B * 2 * H), ref.fwd.outputs[l], tol);
  else
    for (const [l, layer] of model.layers.entries()) {
      expectClose(`hs_l${l}`, await readBuffer(ctx, layer.buffers.hs, (T + 1) * B * H), ref.fwd.hs[l], tol);
      if (layer.buffers.cs) expectClose(`cs_l${l}`, await readBuffer(ctx, layer.buffers.cs, (T + 1) * B * H), ref.fwd.cs[l], tol);
    }
  const grads = await trainer.readGrads();
  for (const s of paramLayout(cfg).specs)
    expectClose(s.name, grads.subarray(s.offset, s.offset + s.size), ref.grads.subarray(s.offset, s.offset + s.size), tol);
}
