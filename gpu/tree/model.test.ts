// The level-batched tree kernels on the GPU against the float64 reference: loss, hidden states (and
// Tree-LSTM cell states), logits and every gradient within 1e-4 of each tensor's max |value|, on
// seeded random ragged batches (trees of different shapes and heights 0–12 in one batch, 1–9 trees),
// both cells × root-only and every-node heads. Also: a smaller batch after a larger one (stale rows
// must not leak), the one-dispatch-per-node schedule giving the same numbers, and a training step.
import { afterAll, describe, it, expect } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { readBuffer } from '../core/readBuffer.ts';
import { expectClose as closeTo } from '../testing/compare.ts';
import { Rng } from '../core/rng.ts';
import { TreeTrainer } from './trainer.ts';
import { TreeReference, type TreeGradients } from './reference.ts';
import { initTreeParams, treeParamLayout, type TreeModelConfig } from './config.ts';
import { randomTreeBatch } from './random.ts';
import type { TreeBatch } from './trees.ts';

const gpu = useGpu();
const TOL = 1e-4;

let worst = 0;
afterAll(() => {
  if (process.env.TREE_TEST_REPORT) console.log(`worst relative error over all tensors: ${worst.toExponential(2)}`);
});

/** Within TOL of the reference, and counted in the worst error reported. */
const expectClose = (name: string, got: ArrayLike<number>, want: ArrayLike<number>) => (worst = Math.max(worst, closeTo(name, got, want, TOL)));

async function expectMatches(trainer: TreeTrainer, cfg: TreeModelConfig, batch: TreeBatch, ref: TreeGradients) {
  const ctx = trainer.ctx;
  const { N } = batch;
  const H = cfg.hidden;
  const b = trainer.model.buffers;
  const loss = (await readBuffer(ctx, b.metrics, 1))[0];
  expect(Math.abs(loss - ref.loss) / Math.max(1, ref.loss), `loss ${loss} vs ${ref.loss}`).toBeLessThan(TOL);
  expectClose('hs', await readBuffer(ctx, b.hs, N * H), ref.fwd.hs);
  if (b.cs) expectClose('cs', await readBuffer(ctx, b.cs, N * H), ref.fwd.cs!);
  expectClose('logits', await readBuffer(ctx, b.logits, N * cfg.classes), ref.fwd.logits);
  expectClose('dpre', await readBuffer(ctx, b.dpre, ref.dpre.length), ref.dpre);
  const grads = await trainer.readGrads();
  for (const s of treeParamLayout(cfg).specs) expectClose(s.name, grads.subarray(s.offset, s.offset + s.size), ref.grads.subarray(s.offset, s.offset + s.size));
}

describe('tree levels on the GPU vs the float64 reference', () => {
  const rng = new Rng(2024);
  const Hs = [1, 5, 8, 17, 32];
  let n = 0;
  for (const cell of ['rnn', 'lstm'] as const)
    for (const heads of ['root', 'all'] as const)
      for (let rep = 0; rep < 3; rep++) {
        const H = Hs[n++ % Hs.length];
        const B = 1 + rng.int(9);
        const maxHeight = 1 + rng.int(12);
        const V = 2 + rng.int(30);
        const C = 2 + rng.int(8);
        const seed = n;
        it(`${cell} heads=${heads} H=${H} B=${B} heights ≤ ${maxHeight} V=${V} C=${C}`, async () => {
          const ctx = gpu();
          const cfg: TreeModelConfig = { cell, hidden: H, vocab: V, classes: C, heads };
          const { batch } = randomTreeBatch(100 + seed, { B, maxHeight, V, C });
          // Weights ×2 so gates leave their linear range and a sign error cannot hide.
          const params = initTreeParams(cfg, seed).map((x) => 2 * x);
          const trainer = new TreeTrainer(ctx, { model: cfg, capacity: batch.N + 3, params });
          trainer.computeGradients(batch);
          const ref = new TreeReference(cfg).lossAndGrad(Float64Array.from(params), batch);
          await expectMatches(trainer, cfg, batch, ref);
          if (process.env.TREE_TEST_REPORT) console.log(`${cell} ${heads} H=${H}: N=${batch.N} trees=${B} levels=${batch.levels.length - 1}`);
          expect(trainer.model.dispatchCount).toBe(2 * (batch.levels.length - 1) + 9);
          trainer.destroy();
        });
      }
});

describe('ragged batches one after another', () => {
  for (const cell of ['rnn', 'lstm'] as const)
    it(`${cell}: a small batch after a large one reads nothing the large one left behind`, async () => {
      const ctx = gpu();
      const cfg: TreeModelConfig = { cell, hidden: 8, vocab: 7, classes: 4, heads: 'all' };
      const params = initTreeParams(cfg, 9).map((x) => 2 * x);
      const large = randomTreeBatch(1, { B: 9, minHeight: 6, maxHeight: 10, V: 7, C: 4 }).batch;
      const small = randomTreeBatch(2, { B: 2, maxHeight: 3, V: 7, C: 4 }).batch;
      const trainer = new TreeTrainer(ctx, { model: cfg, capacity: large.N, params });
      const ref = new TreeReference(cfg);
      trainer.computeGradients(large);
      await expectMatches(trainer, cfg, large, ref.lossAndGrad(Float64Array.from(params), large));
      trainer.computeGradients(small);
      await expectMatches(trainer, cfg, small, ref.lossAndGrad(Float64Array.from(params), small));
      trainer.destroy();
    });
});

describe('the one-dispatch-per-node schedule', () => {
  for (const cell of ['rnn', 'lstm'] as const)
    it(`${cell}: gives the level schedule's numbers bit for bit, in N dispatches per direction`, async () => {
      const ctx = gpu();
      const cfg: TreeModelConfig = { cell, hidden: 6, vocab: 5, classes: 3, heads: 'all' };
      const { batch } = randomTreeBatch(3, { B: 4, maxHeight: 5, V: 5, C: 3 });
      const params = initTreeParams(cfg, 4);
      const read = async (schedule: 'level' | 'node') => {
        const t = new TreeTrainer(ctx, { model: cfg, capacity: batch.N, params, schedule });
        t.computeGradients(batch);
        const out = { grads: await t.readGrads(), hs: await readBuffer(ctx, t.model.buffers.hs, batch.N * 6), dispatches: t.model.dispatchCount };
        t.destroy();
        return out;
      };
      const level = await read('level');
      const node = await read('node');
      expect(node.grads).toEqual(level.grads);
      expect(node.hs).toEqual(level.hs);
      expect(node.dispatches).toBe(2 * batch.N + 9);
      expect(level.dispatches).toBe(2 * (batch.levels.length - 1) + 9);
    });
});

describe('training steps', () => {
  it('one Adam step on the GPU matches the reference gradients put through torch.optim.Adam', async () => {
    const ctx = gpu();
    const cfg: TreeModelConfig = { cell: 'lstm', hidden: 4, vocab: 6, classes: 3, heads: 'root' };
    const { batch } = randomTreeBatch(8, { B: 5, maxHeight: 6, V: 6, C: 3 });
    const params = initTreeParams(cfg, 1);
    const lr = 0.01;
    const trainer = new TreeTrainer(ctx, { model: cfg, capacity: batch.N, params, optimizer: { kind: 'adam', lr } });
    trainer.step(batch);
    const after = await trainer.readParams();
    const { grads } = new TreeReference(cfg).lossAndGrad(Float64Array.from(params), batch);
    // Adam's first step moves each parameter by lr · g / (|g| + eps): ±lr where the gradient is not tiny.
    let checked = 0;
    for (const s of treeParamLayout(cfg).specs)
      for (let k = s.offset; k < s.offset + s.size; k++) {
        const g = grads[k];
        const want = params[k] - (lr * g) / (Math.abs(g) + 1e-8);
        if (Math.abs(g) > 1e-4) {
          expect(after[k], `${s.name}[${k - s.offset}]`).toBeCloseTo(want, 5);
          checked++;
        }
      }
    expect(checked).toBeGreaterThan(50);
    expect(trainer.dispatchesPerStep).toBe(2 * (batch.levels.length - 1) + 12);
    trainer.destroy();
  });
});
