import { describe, it, expect, beforeAll } from 'vitest';
import { requestNodeDevice } from './device.node.ts';
import type { GpuContext } from './context.ts';
import { Trainer, readBuffer } from './trainer.ts';
import { ElmanReference } from './reference/elman.ts';
import { parseModelConfig } from './model/config.ts';
import { initParams } from './model/params.ts';
import { randomBatch } from './testing/randomBatch.ts';
import { relativeError } from './testing/compare.ts';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await requestNodeDevice();
});

describe('smoke', () => {
  it('gradients match reference', async () => {
    const cfg = parseModelConfig({ hidden: 5, input: { kind: 'tokens', vocab: 7 } });
    const T = 3, B = 2;
    const params = initParams(cfg, 1);
    const batch = randomBatch(cfg, T, B, 2);
    const tr = new Trainer(ctx, { model: cfg, T, B, params });
    tr.computeGradients(batch);
    const grads = await tr.readGrads();
    const loss = (await readBuffer(ctx, tr.model.buffers.loss, 1))[0];
    const ref = new ElmanReference(cfg).lossAndGrad(Float64Array.from(params), batch);
    console.log(loss, ref.loss, relativeError(grads, ref.grads));
    expect(Math.abs(loss - ref.loss)).toBeLessThan(1e-5);
  });
});
import { afterAll } from 'vitest';
afterAll(() => { console.log(ctx.errors); ctx.device.destroy(); });
