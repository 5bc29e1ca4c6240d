// The GPU training step held to the float64 reference: loss, activations and every gradient
// within 1e-4 of each tensor's max |value|, over shapes that are not multiples of the workgroup size;
// determinism, the metrics readback, buffers and limits; and a character model that learns.
import { beforeAll, describe, it, expect } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { RecurrentTrainer, type RecurrentTrainerOptions } from './trainer.ts';
import { CharBatcher, CharVocab } from '../data/chars.ts';
import { InFlight } from '../core/throttle.ts';
import { mobyDick } from '../data/corpus.node.ts';
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

/** A trainer that records the metrics windows it reports ([firstStep, steps]) and every loss in them. */
function recording(ctx: GpuContext, opts: Omit<RecurrentTrainerOptions, 'onMetrics'>) {
  const windows: [number, number][] = [];
  const losses: number[] = [];
  const trainer = new RecurrentTrainer(ctx, {
    ...opts,
    onMetrics: (w) => {
      windows.push([w.firstStep, w.losses.length]);
      losses.push(...w.losses);
    },
  });
  return { trainer, windows, losses };
}

describe('determinism', () => {
  const cfg = parseModelConfig({ hidden: 33, input: { kind: 'tokens', vocab: 11 } });
  const T = 6;
  const B = 5;

  it('two runs of the same seed and batches give the same loss sequence and weights, bit for bit', async () => {
    const run = async () => {
      const { trainer, losses } = recording(gpu(), { model: cfg, T, B, seed: 42, metricsEvery: 4 });
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
  it('flushes read each step once: the windows split where they flushed, a repeated flush reads nothing, the losses are the same', async () => {
    const cfg = parseModelConfig({ hidden: 8, input: { kind: 'tokens', vocab: 5 } });
    const run = async (flushAt: number[]) => {
      const { trainer, windows, losses } = recording(gpu(), { model: cfg, T: 4, B: 2, seed: 3, metricsEvery: 4 });
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
  const cfg = parseModelConfig({ hidden: 8, input: { kind: 'tokens', vocab: 5 } });

  it('a training step allocates no buffer', async () => {
    const ctx = gpu();
    const trainer = new RecurrentTrainer(ctx, { model: cfg, T: 4, B: 2, metricsEvery: 2 });
    const built = { buffers: ctx.buffers, bytes: ctx.bytes };
    for (let s = 0; s < 5; s++) trainer.step(randomBatch(cfg, 4, 2, s));
    await trainer.flushMetrics();
    expect({ buffers: ctx.buffers, bytes: ctx.bytes }).toEqual(built);
    trainer.destroy();
  });

  it('destroy frees every buffer the trainer made', async () => {
    const ctx = gpu();
    const before = { buffers: ctx.buffers, bytes: ctx.bytes };
    const trainer = new RecurrentTrainer(ctx, { model: cfg, T: 4, B: 2, metricsEvery: 2 });
    expect(ctx.buffers).toBeGreaterThan(before.buffers);
    for (let s = 0; s < 5; s++) trainer.step(randomBatch(cfg, 4, 2, s));
    await trainer.flushMetrics();
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

// End to end: a tiny character model on the bundled corpus learns (unigram statistics and beyond).
// A uniform guess over the ~75 characters scores ln(75) ≈ 4.3 nats; the character unigram
// distribution of these chapters 3.04; after 150 steps (seeded, so repeatable) the model measured
// 2.45 here and must stay under 2.6.
describe('a character language model on the corpus, 150 steps', () => {
  const text = mobyDick(3);
  const vocab = CharVocab.fromText(text);
  const ids = vocab.encode(text);
  let losses: number[];
  beforeAll(async () => {
    const ctx = gpu();
    const cfg = parseModelConfig({ hidden: 64, input: { kind: 'tokens', vocab: vocab.size } });
    const run = recording(ctx, { model: cfg, T: 16, B: 16, seed: 1, optimizer: { lr: 0.01 }, metricsEvery: 20 });
    const batcher = new CharBatcher(ids, 16, 16, 2);
    const inFlight = new InFlight(ctx.device);
    for (let s = 0; s < 150; s++) {
      run.trainer.step(batcher.next());
      await inFlight.submitted();
    }
    await run.trainer.flushMetrics();
    run.trainer.destroy();
    losses = run.losses;
  });

  it('starts at the uniform guess, ln(vocabulary size), within 0.2', () => {
    expect(losses).toHaveLength(150);
    expect(Math.abs(losses[0] - Math.log(vocab.size))).toBeLessThan(0.2);
  });

  it('trains below the unigram entropy of the text: the last 20 steps’ mean under 2.6', () => {
    const unigram = unigramEntropy(ids, vocab.size);
    const last = losses.slice(-20).reduce((a, b) => a + b, 0) / 20;
    console.log(`unigram entropy ${unigram.toFixed(3)}, first loss ${losses[0].toFixed(3)}, mean of last 20 ${last.toFixed(3)}`);
    expect(unigram).toBeGreaterThan(3);
    expect(last).toBeLessThan(2.6);
  });
});

function unigramEntropy(ids: Uint32Array, V: number): number {
  const counts = new Float64Array(V);
  for (const v of ids) counts[v]++;
  return -counts.reduce((h, c) => (c ? h + (c / ids.length) * Math.log(c / ids.length) : h), 0);
}
