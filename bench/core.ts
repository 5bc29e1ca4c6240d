// Times training steps of a one-layer char model (any cell) on one GpuContext. Runs in Node (Dawn) and in a page.
// Steps are submitted back to back with two in flight, as the trainer runs them; the clock stops when
// the GPU has finished the last one. Batch upload is inside the timed loop (it is part of a step).

import type { GpuContext } from '../gpu/core/context.ts';
import { parseModelConfig, type ModelConfig } from '../gpu/recurrent/config.ts';
import { defaultStepKernels, parseStepKernels } from '../gpu/recurrent/stepVariants.ts';
import { chooseStepKernels, unmeasured, type KernelChoice } from '../gpu/recurrent/tuner.ts';
import { RecurrentTrainer } from '../gpu/recurrent/trainer.ts';
import { randomBatch } from '../gpu/testing/randomBatch.ts';
import { InFlight } from '../gpu/core/throttle.ts';
import type { BenchConfig } from './configs.ts';
import { trainingStepFlops } from './flops.ts';

export interface BenchResult {
  config: BenchConfig;
  msPerStep: number;
  steps: number;
  /** The last warm-up step, waited for alone (pipeline compilation is in the first). */
  warmupMs: number;
  tokensPerS: number;
  /** bench/flops.ts's count for one step, and that count over the measured time. */
  flopsPerStep: number;
  gflops: number;
  dispatchesPerStep: number;
  gpuBytes: number;
  /** Buffers created during the timed steps: 0 means no allocation per training step. */
  buffersAddedWhileTraining: number;
  /** Loss of the first and the last step (the bench cycles 4 batches, so a working trainer fits them). */
  firstLoss: number;
  lastLoss: number;
  /** The step kernels (stepVariants.ts names), how they were chosen, and what the tuner measured (ms for T steps of a layer). */
  kernels?: string;
  kernelSource?: string;
  tuning?: Record<string, number>;
}

export interface BenchOptions {
  /** Time the steps for at least this long and at least minSteps steps, at most maxSteps. */
  minMs?: number;
  maxSteps?: number;
  minSteps?: number;
  /** When the warm-up step took this long, one timed step is the measurement (large models on a CPU adapter). */
  longMs?: number;
  /** The step kernels: 'auto' (the tuner's way: measured on a GPU, the default on a CPU adapter), 'tune' (measured on any), or names. */
  kernels?: string;
}

export async function benchTrainer(ctx: GpuContext, config: BenchConfig, minMsOrOpts: number | BenchOptions = 3000, maxSteps = 50): Promise<BenchResult> {
  const opts: Required<BenchOptions> = {
    minMs: 3000,
    maxSteps,
    minSteps: 3,
    longMs: 10_000,
    kernels: 'auto',
    ...(typeof minMsOrOpts === 'number' ? { minMs: minMsOrOpts } : minMsOrOpts),
  };
  const { V, H, T, B } = config;
  const model = parseModelConfig({ cell: config.cell, hidden: H, input: { kind: 'tokens', vocab: V } });
  const bytesBefore = ctx.bytes;
  const losses: number[] = [];
  const choice = await benchKernels(ctx, model, T, B, opts.kernels);
  const trainer = new RecurrentTrainer(ctx, { model, T, B, seed: 1, metricsEvery: 50, onMetrics: (w) => losses.push(...w.losses), kernels: choice.kernels });
  const batches = Array.from({ length: 4 }, (_, i) => randomBatch(model, T, B, i));
  // Warm-up: pipeline compilation and first-use costs stay out of the timing. A second warm-up
  // step only when the first was quick (a large model on a CPU adapter takes seconds per step).
  let warmupMs = 0;
  for (let i = 0; i < 2; i++) {
    const t = performance.now();
    trainer.step(batches[i % batches.length]);
    await ctx.device.queue.onSubmittedWorkDone();
    warmupMs = performance.now() - t;
    if (warmupMs > opts.minMs) break;
  }

  const buffers = ctx.buffers;
  const inFlight = new InFlight(ctx.device);
  // Steps are queued two ahead, so the loop cannot stop after one long step: decide from the warm-up.
  const [fewest, most] = warmupMs >= opts.longMs ? [1, 1] : [opts.minSteps, opts.maxSteps];
  const start = performance.now();
  let steps = 0;
  while (steps < most && (steps < fewest || performance.now() - start < opts.minMs)) {
    trainer.step(batches[steps % batches.length]);
    await inFlight.submitted();
    steps++;
  }
  await inFlight.drain();
  const ms = (performance.now() - start) / steps;
  const buffersAdded = ctx.buffers - buffers;
  const gpuBytes = ctx.bytes - bytesBefore;
  await trainer.flushMetrics();
  trainer.destroy();
  const flops = trainingStepFlops({ cell: config.cell, V, H, T, B }).total;
  return {
    config,
    msPerStep: ms,
    steps,
    warmupMs,
    tokensPerS: (T * B * 1000) / ms,
    flopsPerStep: flops,
    gflops: flops / ms / 1e6,
    dispatchesPerStep: trainer.dispatchesPerStep,
    gpuBytes,
    buffersAddedWhileTraining: buffersAdded,
    firstLoss: losses[0],
    lastLoss: losses[losses.length - 1],
    kernels: choice.name,
    kernelSource: choice.source,
    tuning: choice.measured,
  };
}

/** The bench's step kernels: tuned now (never from a cache: a bench measures), or named. */
async function benchKernels(ctx: GpuContext, model: ModelConfig, T: number, B: number, spec: string): Promise<KernelChoice> {
  if (spec === 'auto' || spec === 'tune') return chooseStepKernels(ctx, model, T, B, { tune: spec === 'tune' ? 'always' : 'auto' });
  if (spec === 'blocked' || spec === 'tiled') return unmeasured(defaultStepKernels(ctx.adapter, { cell: model.cell, T, B, H: model.hidden }, spec), 'given');
  return unmeasured(parseStepKernels(spec), 'given');
}
