// Tree training speed: nodes per second of level-batched training (one dispatch per tree level for
// the whole batch) against the same kernels run one dispatch per node, on the same batches in the
// same run. Steps of the two schedules alternate, so a machine shared with other work slows both
// alike. Run with `npm run bench:trees -- [--steps N] [--quick | --large] [--check]` (`--check`: GPU vs
// the float64 reference first, for a device the tests do not run on).

import { withNodeDevice } from '../gpu/core/device.node.ts';
import type { GpuContext } from '../gpu/core/context.ts';
import { TreeTrainer } from '../gpu/tree/trainer.ts';
import { randomTreeBatch } from '../gpu/tree/random.ts';
import type { TreeSchedule } from '../gpu/tree/model.ts';
import type { TreeModelConfig } from '../gpu/tree/config.ts';
import type { TreeBatch } from '../gpu/tree/trees.ts';
import { initTreeParams, treeParamLayout } from '../gpu/tree/config.ts';
import { TreeReference } from '../gpu/tree/reference.ts';
import { readBuffer } from '../gpu/core/readBuffer.ts';
import { relativeError } from '../gpu/testing/compare.ts';

interface Case {
  name: string;
  cfg: TreeModelConfig;
  B: number;
  minHeight: number;
  maxHeight: number;
}

/** Larger shapes, for a real GPU (`--large`). */
const LARGE: Case[] = [
  { name: 'rnn H=128', cfg: { cell: 'rnn', hidden: 128, vocab: 1000, classes: 5, heads: 'all' }, B: 128, minHeight: 3, maxHeight: 9 },
  { name: 'lstm H=128', cfg: { cell: 'lstm', hidden: 128, vocab: 1000, classes: 5, heads: 'all' }, B: 128, minHeight: 3, maxHeight: 9 },
  { name: 'lstm H=256', cfg: { cell: 'lstm', hidden: 256, vocab: 1000, classes: 5, heads: 'all' }, B: 64, minHeight: 3, maxHeight: 9 },
];

const CASES: Case[] = [
  { name: 'rnn H=32', cfg: { cell: 'rnn', hidden: 32, vocab: 20, classes: 5, heads: 'all' }, B: 32, minHeight: 3, maxHeight: 7 },
  { name: 'lstm H=32', cfg: { cell: 'lstm', hidden: 32, vocab: 20, classes: 5, heads: 'all' }, B: 32, minHeight: 3, maxHeight: 7 },
  { name: 'lstm H=64', cfg: { cell: 'lstm', hidden: 64, vocab: 20, classes: 5, heads: 'all' }, B: 16, minHeight: 3, maxHeight: 7 },
];

export interface BenchRow {
  case: string;
  schedule: TreeSchedule;
  trees: number;
  nodesPerStep: number;
  levels: number;
  dispatchesPerStep: number;
  msPerStep: number;
  nodesPerSecond: number;
}

async function timeStep(ctx: GpuContext, trainer: TreeTrainer, batch: TreeBatch): Promise<number> {
  const t0 = performance.now();
  trainer.step(batch);
  await ctx.device.queue.onSubmittedWorkDone();
  return performance.now() - t0;
}

/**
 * GPU vs the float64 reference on one random ragged batch per cell (loss, states, logits, every
 * gradient): the worst error relative to each tensor's max, for running the check on another device.
 */
async function parity(ctx: GpuContext): Promise<string[]> {
  const out: string[] = [];
  for (const cell of ['rnn', 'lstm'] as const) {
    const cfg: TreeModelConfig = { cell, hidden: 24, vocab: 13, classes: 6, heads: 'all' };
    const { batch } = randomTreeBatch(77, { B: 9, maxHeight: 12, V: 13, C: 6 });
    const params = initTreeParams(cfg, 3).map((x) => 2 * x);
    const t = new TreeTrainer(ctx, { model: cfg, capacity: batch.N, params });
    t.computeGradients(batch);
    const ref = new TreeReference(cfg).lossAndGrad(Float64Array.from(params), batch);
    const b = t.model.buffers;
    const errors: [string, number][] = [
      ['loss', Math.abs((await readBuffer(ctx, b.metrics, 1))[0] - ref.loss) / Math.max(1, ref.loss)],
      ['hs', relativeError(await readBuffer(ctx, b.hs, batch.N * 24), ref.fwd.hs).error],
      ['logits', relativeError(await readBuffer(ctx, b.logits, batch.N * 6), ref.fwd.logits).error],
    ];
    if (b.cs) errors.push(['cs', relativeError(await readBuffer(ctx, b.cs, batch.N * 24), ref.fwd.cs!).error]);
    const grads = await t.readGrads();
    for (const s of treeParamLayout(cfg).specs)
      errors.push([s.name, relativeError(grads.subarray(s.offset, s.offset + s.size), ref.grads.subarray(s.offset, s.offset + s.size)).error]);
    const worst = errors.reduce((a, e) => (e[1] > a[1] ? e : a));
    out.push(
      `parity ${cell}: ${batch.N} nodes, ${batch.levels.length - 1} levels, worst relative error ${worst[1].toExponential(2)} (${worst[0]}) ${worst[1] < 1e-4 ? 'OK' : 'FAIL'}`,
    );
    t.destroy();
  }
  return out;
}

export async function runTreeBench(opts: { steps: number; cases?: Case[]; check?: boolean }): Promise<{ adapter: string; rows: BenchRow[]; checks: string[] }> {
  return withNodeDevice(async (ctx) => {
    const rows: BenchRow[] = [];
    const checks = opts.check ? await parity(ctx) : [];
    for (const c of opts.cases ?? CASES) {
      const batches = Array.from(
        { length: 4 },
        (_, i) => randomTreeBatch(100 + i, { B: c.B, minHeight: c.minHeight, maxHeight: c.maxHeight, V: c.cfg.vocab, C: c.cfg.classes }).batch,
      );
      const capacity = Math.max(...batches.map((b) => b.N));
      const trainers = (['level', 'node'] as const).map((schedule) => new TreeTrainer(ctx, { model: c.cfg, capacity, schedule, seed: 1, metricsEvery: 1000 }));
      const ms = [0, 0];
      let nodes = 0;
      let levels = 0;
      const dispatches = [0, 0];
      // Warm up (pipelines, first allocations), then alternate the schedules step by step.
      for (const [k, t] of trainers.entries())
        for (const b of batches.slice(0, 2)) {
          await timeStep(ctx, t, b);
          dispatches[k] = 0;
        }
      for (let s = 0; s < opts.steps; s++) {
        const batch = batches[s % batches.length];
        nodes += batch.N;
        levels += batch.levels.length - 1;
        for (const [k, t] of trainers.entries()) {
          ms[k] += await timeStep(ctx, t, batch);
          dispatches[k] += t.dispatchesPerStep;
        }
      }
      for (const [k, t] of trainers.entries()) {
        rows.push({
          case: c.name,
          schedule: t.model.schedule,
          trees: c.B,
          nodesPerStep: Math.round(nodes / opts.steps),
          levels: Math.round((levels / opts.steps) * 10) / 10,
          dispatchesPerStep: Math.round(dispatches[k] / opts.steps),
          msPerStep: Math.round((ms[k] / opts.steps) * 10) / 10,
          nodesPerSecond: Math.round((nodes * 1000) / ms[k]),
        });
        await t.flushMetrics();
        t.destroy();
      }
      if (ctx.errors.length) throw new Error(`GPU errors: ${ctx.errors.join('; ')}`);
    }
    return { adapter: `${ctx.adapter.name} (${ctx.adapter.backend})`, rows, checks };
  });
}

export function benchTable(rows: BenchRow[]): string {
  const head = '| case | schedule | trees | nodes/step | levels | dispatches/step | ms/step | nodes/s | level ÷ node |\n|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map((r) => {
    const node = rows.find((x) => x.case === r.case && x.schedule === 'node')!;
    const ratio = r.schedule === 'level' ? `${(r.nodesPerSecond / node.nodesPerSecond).toFixed(1)}×` : '';
    return `| ${r.case} | ${r.schedule === 'level' ? 'per level' : 'per node'} | ${r.trees} | ${r.nodesPerStep} | ${r.levels} | ${r.dispatchesPerStep} | ${r.msPerStep} | ${r.nodesPerSecond} | ${ratio} |`;
  });
  return [head, ...lines].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const stepsAt = argv.indexOf('--steps');
  const quick = argv.includes('--quick');
  const large = argv.includes('--large');
  const steps = stepsAt >= 0 ? Number(argv[stepsAt + 1]) : quick ? 3 : 10;
  if (!Number.isInteger(steps) || steps < 1) {
    console.error('usage: npm run bench:trees -- [--steps N] [--quick | --large] [--check]');
    return 2;
  }
  const cases = quick ? CASES.slice(0, 1) : large ? [...CASES, ...LARGE] : CASES;
  const { adapter, rows, checks } = await runTreeBench({ steps, cases, check: argv.includes('--check') });
  for (const c of checks) console.log(c);
  for (const r of rows) console.log(JSON.stringify(r));
  console.log(`\nadapter: ${adapter}\n\n${benchTable(rows)}`);
  return 0;
}
