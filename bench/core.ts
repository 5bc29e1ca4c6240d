// Times training steps of a one-layer char model (any cell) on one GpuContext. Runs in Node (Dawn) and in a page.
// Steps are submitted back to back with two in flight, as the trainer runs them; the clock stops when
// the GPU has finished the last one. Batch upload is inside the timed loop (it is part of a step).

import type { GpuContext } from '../gpu/context.ts';
import { parseModelConfig } from '../gpu/model/config.ts';
import { Trainer } from '../gpu/trainer.ts';
import { randomBatch } from '../gpu/testing/randomBatch.ts';
import { InFlight } from '../gpu/throttle.ts';
import type { BenchConfig } from './configs.ts';

export interface BenchResult {
  config: BenchConfig;
  msPerStep: number;
  tokensPerS: number;
  dispatchesPerStep: number;
  gpuBytes: number;
  /** Buffers created during the timed steps: 0 means no allocation per training step. */
  buffersAddedWhileTraining: number;
  /** Loss of the first and the last step (the bench cycles 4 batches, so a working trainer fits them). */
  firstLoss: number;
  lastLoss: number;
}

export async function benchTrainer(ctx: GpuContext, config: BenchConfig, minMs = 3000, maxSteps = 50): Promise<BenchResult> {
  const { V, H, T, B } = config;
  const model = parseModelConfig({ cell: config.cell, hidden: H, input: { kind: 'tokens', vocab: V } });
  const bytesBefore = ctx.bytes;
  const losses: number[] = [];
  const trainer = new Trainer(ctx, { model, T, B, seed: 1, metricsEvery: 50, onMetrics: (w) => losses.push(...w.losses) });
  const batches = Array.from({ length: 4 }, (_, i) => randomBatch(model, T, B, i));
  // Warm-up: pipeline compilation and first-use costs stay out of the timing.
  for (let i = 0; i < 2; i++) trainer.step(batches[i % batches.length]);
  await ctx.device.queue.onSubmittedWorkDone();

  const buffers = ctx.buffers;
  const inFlight = new InFlight(ctx.device);
  const start = performance.now();
  let steps = 0;
  while (steps < maxSteps && (steps < 3 || performance.now() - start < minMs)) {
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
  return {
    config,
    msPerStep: ms,
    tokensPerS: (T * B * 1000) / ms,
    dispatchesPerStep: trainer.dispatchesPerStep,
    gpuBytes,
    buffersAddedWhileTraining: buffersAdded,
    firstLoss: losses[0],
    lastLoss: losses[losses.length - 1],
  };
}
