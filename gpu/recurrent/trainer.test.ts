// The GPU training step held to the float64 reference: loss, activations and every gradient
// within 1e-4 of each tensor's max |value|, over shapes that are not multiples of the workgroup size.
import { describe, it, expect } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { RecurrentTrainer } from './trainer.ts';
import { readBuffer } from '../core/readBuffer.ts';
import { RecurrentReference } from './reference.ts';
import { parseModelConfig, type ModelConfig } from './config.ts';
import { initParams, paramLayout } from './params.ts';
import { randomBatch } from '../testing/randomBatch.ts';
import { expectClose } from '../testing/compare.ts';
import { Rng } from '../core/rng.ts';
import type { GpuContext } from '../core/context.ts';

const gpu = useGpu();
const TOL = 1e-4;

interface Case {
  cfg: ModelConfig;
  T: number;
  B: number;
}

/** Seeded random shapes: H from the issue's list, V in [3, 97], T in [1, 40], B in [1, 17]. */
function randomCases(n: number, seed: number): Case[] {
  const rng = new Rng(seed);
  // H % 4 == 0 takes the vec4 step kernels, any other H the scalar ones.
  const Hs = [1, 5, 8, 33, 64, 130];
  return Array.from({ length: n }, (_, i) => {
    const real = i % 3 === 2;
    const V = 3 + rng.int(95);
    const cfg = parseModelConfig({
      hidden: Hs[i % Hs.length],
      nonlinearity: rng.int(2) ? 'relu' : 'tanh',
      input: real ? { kind: 'real', features: 1 + rng.int(20) } : { kind: 'tokens', vocab: V },
      output: real ? 2 + rng.int(40) : undefined,
    });
    return { cfg, T: 1 + rng.int(40), B: 1 + rng.int(17) };
  });
}

async function gpuGradients(ctx: GpuContext, { cfg, T, B }: Case, params: Float32Array, seed: number) {
  const batch = randomBatch(cfg, T, B, seed);
  const trainer = new RecurrentTrainer(ctx, { model: cfg, T, B, params });
  trainer.computeGradients(batch);
  const b = { ...trainer.model.buffers, ...trainer.model.layers[0].buffers };
  const H = cfg.hidden;
  return {
    batch,
    loss: (await readBuffer(ctx, b.metrics, 1))[0],
    hs: await readBuffer(ctx, b.hs, (T + 1) * B * H),
    logits: await readBuffer(ctx, b.logits, T * B * cfg.output),
    grads: await trainer.readGrads(),
  };
}

describe('GPU training step vs float64 reference', () => {
  const cases = [
    // Edge shapes first: one unit, one step, one sequence; then seeded random shapes.
    { cfg: parseModelConfig({ hidden: 1, input: { kind: 'tokens', vocab: 3 } }), T: 1, B: 1 },
    { cfg: parseModelConfig({ hidden: 65, nonlinearity: 'relu', input: { kind: 'tokens', vocab: 97 } }), T: 7, B: 5 },
    ...randomCases(12, 2026),
  ];
  for (const [i, c] of cases.entries()) {
    const desc = `${c.cfg.nonlinearity} ${c.cfg.input.kind === 'tokens' ? `V=${c.cfg.input.vocab}` : `F=${c.cfg.input.features} O=${c.cfg.output}`} H=${c.cfg.hidden} T=${c.T} B=${c.B}`;
    it(desc, async () => {
      const params = initParams(c.cfg, 100 + i);
      const got = await gpuGradients(gpu(), c, params, 200 + i);
      const ref = new RecurrentReference(c.cfg).lossAndGrad(Float64Array.from(params), got.batch);
      expect(Math.abs(got.loss - ref.loss) / Math.max(1, ref.loss)).toBeLessThan(TOL);
      expectClose('hs', got.hs, ref.fwd.hs[0], TOL);
      expectClose('logits', got.logits, ref.fwd.logits, TOL);
      for (const s of paramLayout(c.cfg).specs)
        expectClose(s.name, got.grads.subarray(s.offset, s.offset + s.size), ref.grads.subarray(s.offset, s.offset + s.size), TOL);
    });
  }
});

describe('determinism', () => {
  const cfg = parseModelConfig({ hidden: 33, input: { kind: 'tokens', vocab: 11 } });
  const T = 6;
  const B = 5;

  it('the same seed gives the same weights and the same loss sequence, bit for bit', async () => {
    const ctx = gpu();
    expect(initParams(cfg, 42)).toEqual(initParams(cfg, 42));
    expect(initParams(cfg, 42)).not.toEqual(initParams(cfg, 43));
    const run = async () => {
      const losses: number[] = [];
      const trainer = new RecurrentTrainer(ctx, { model: cfg, T, B, seed: 42, metricsEvery: 4, onMetrics: (w) => losses.push(...w.losses) });
      for (let s = 0; s < 10; s++) trainer.step(randomBatch(cfg, T, B, 1000 + s));
      await trainer.flushMetrics();
      return { losses, params: await trainer.readParams() };
    };
    const a = await run();
    const b = await run();
    expect(a.losses).toHaveLength(10);
    expect(new Float32Array(a.losses)).toEqual(new Float32Array(b.losses));
    expect(a.params).toEqual(b.params);
    expect(a.losses[9]).toBeLessThan(a.losses[0]);
  });
});

describe('metrics readback', () => {
  it('flushes read each step once: a repeated flush reads nothing and the window end carries only the steps after it', async () => {
    const ctx = gpu();
    const cfg = parseModelConfig({ hidden: 8, input: { kind: 'tokens', vocab: 5 } });
    const run = async (flushAt: number[]) => {
      const windows: [number, number][] = [];
      const losses: number[] = [];
      const trainer = new RecurrentTrainer(ctx, {
        model: cfg,
        T: 4,
        B: 2,
        seed: 3,
        metricsEvery: 4,
        onMetrics: (w) => {
          windows.push([w.firstStep, w.losses.length]);
          losses.push(...w.losses);
        },
      });
      for (let s = 0; s < 11; s++) {
        trainer.step(randomBatch(cfg, 4, 2, s));
        if (flushAt.includes(s)) {
          await trainer.flushMetrics();
          await trainer.flushMetrics();
        }
      }
      await trainer.flushMetrics();
      await trainer.flushMetrics();
      trainer.destroy();
      return { windows, losses };
    };
    const plain = await run([]);
    const flushed = await run([5, 6]);
    expect(plain.windows).toEqual([
      [0, 4],
      [4, 4],
      [8, 3],
    ]);
    expect(flushed.windows).toEqual([
      [0, 4],
      [4, 2],
      [6, 1],
      [7, 1],
      [8, 3],
    ]);
    expect(new Float32Array(flushed.losses)).toEqual(new Float32Array(plain.losses));
  });
});

describe('buffers', () => {
  it('a training step allocates nothing, and destroy frees everything the trainer made', async () => {
    const ctx = gpu();
    const cfg = parseModelConfig({ hidden: 8, input: { kind: 'tokens', vocab: 5 } });
    const before = { buffers: ctx.buffers, bytes: ctx.bytes };
    const trainer = new RecurrentTrainer(ctx, { model: cfg, T: 4, B: 2, metricsEvery: 2 });
    const built = ctx.buffers;
    for (let s = 0; s < 5; s++) trainer.step(randomBatch(cfg, 4, 2, s));
    await trainer.flushMetrics();
    expect(ctx.buffers).toBe(built);
    trainer.destroy();
    expect({ buffers: ctx.buffers, bytes: ctx.bytes }).toEqual(before);
  });
});

describe('adapter limits', () => {
  it('refuses a model whose buffers exceed the device limits before creating anything, naming the limit', () => {
    const ctx = gpu();
    const before = { buffers: ctx.buffers, bytes: ctx.bytes };
    // Logits of T·B·O floats sized just over the device's storage-binding limit.
    const cfg = parseModelConfig({ hidden: 4, input: { kind: 'tokens', vocab: 600 } });
    const limit = ctx.device.limits.maxStorageBufferBindingSize;
    const T = 256;
    const B = Math.ceil(limit / (T * 600 * 4)) + 1;
    expect(() => new RecurrentTrainer(ctx, { model: cfg, T, B })).toThrow(
      /logits needs [0-9.]+ MiB, more than this GPU's (maxStorageBufferBindingSize|maxBufferSize)/,
    );
    expect({ buffers: ctx.buffers, bytes: ctx.bytes }).toEqual(before);
  });
});
