// A small Tree-LSTM learns the arithmetic task on the GPU (trained on expressions of depth ≤ 2, with a
// label on every subexpression) and classifies the roots of deeper expressions (depth 4) well above
// always answering the most frequent value. 300 steps, ~20 s on SwiftShader; a longer run is in the
// README (`rnnlab train --tree --config examples/tree-arithmetic.json`).
import { beforeAll, describe, it, expect } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { arithmeticTask } from './tasks.ts';
import { buildTreeBatch } from './trees.ts';
import { TreeTrainer } from './trainer.ts';
import { evaluateTrees } from './evaluate.ts';
import { InFlight } from '../core/throttle.ts';

const gpu = useGpu();

describe('learning arithmetic mod 10 in 300 steps', () => {
  const task = arithmeticTask({ seed: 0, trainDepth: 2, validationDepth: 4, validationSize: 200 });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const losses: number[] = [];
  let before: Awaited<ReturnType<typeof evaluateTrees>>;
  let after: typeof before;
  beforeAll(async () => {
    const ctx = gpu();
    const B = 16;
    const trainer = new TreeTrainer(ctx, {
      model: { cell: 'lstm', hidden: 32, vocab: task.vocab.size, classes: task.classes, heads: task.heads },
      capacity: B * task.maxTrainNodes,
      optimizer: { kind: 'adam', lr: 0.01, clip: 1 },
      seed: 0,
      metricsEvery: 50,
      onMetrics: (w) => losses.push(...w.losses),
    });
    before = await evaluateTrees(trainer, task.validation, task.vocab);
    const inFlight = new InFlight(ctx.device);
    for (let s = 0; s < 300; s++) {
      trainer.step(buildTreeBatch(task.next(B), task.vocab, task.classes));
      await inFlight.submitted();
    }
    await inFlight.drain();
    await trainer.flushMetrics();
    after = await evaluateTrees(trainer, task.validation, task.vocab);
    trainer.destroy();
    console.log(
      `arithmetic, depth-4 roots: accuracy ${before.rootAccuracy} -> ${after.rootAccuracy} (majority ${task.majorityRootAccuracy}); nodes ${after.nodeAccuracy.toFixed(3)}; train loss ${mean(losses.slice(0, 50)).toFixed(3)} -> ${mean(losses.slice(-50)).toFixed(3)}`,
    );
  }, 120_000);

  it('the training loss falls below 0.4 × its start (means of the first and last 50 steps)', () => {
    expect(losses).toHaveLength(300);
    expect(mean(losses.slice(-50))).toBeLessThan(0.4 * mean(losses.slice(0, 50)));
  });

  it('the validation loss on deeper trees falls below half its start', () => {
    expect(after.loss).toBeLessThan(0.5 * before.loss);
  });

  it('the roots of deeper trees are classified 10 points above the majority class', () => {
    expect(after.rootAccuracy).toBeGreaterThan(task.majorityRootAccuracy + 0.1);
  });

  it('over 80% of the deeper trees’ nodes are classified right', () => {
    expect(after.nodeAccuracy).toBeGreaterThan(0.8);
  });
});
