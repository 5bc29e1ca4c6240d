// Where a training step's time goes: each phase of the step (projection, forward steps, head + loss,
// head backward, backward steps, weight gradients, gradient norm + optimizer) submitted alone, timed
// wall-clock to onSubmittedWorkDone and, where the device has timestamp-query, by the GPU itself,
// with its FLOPs → GFLOP/s; and the GEMM kernel's rate on a square product in the same rounds, as the
// yardstick.
// Run: npm run bench:profile -- [config…] [--rounds=5] [--gemm=512] [--detail] [--tune=…].
// On SwiftShader the "GPU" is the CPU, so wall time is compute time; phases are interleaved round by
// round (medians), so load from other processes hits every phase alike. Each phase also reports the
// CPU time the process spent (all SwiftShader threads), the minimum over the rounds: on a loaded
// machine it varies far less than wall time, so it is the figure to compare variants with; the
// median wall time is what a user waits.

import type { GpuContext } from '../gpu/core/context.ts';
import { withNodeDevice } from '../gpu/core/device.node.ts';
import { GATES, parseModelConfig, type Cell } from '../gpu/recurrent/config.ts';
import { RecurrentGpu } from '../gpu/recurrent/model.ts';
import { OptimizerKernels } from '../gpu/optimizer/kernels.ts';
import { optimizer } from '../gpu/optimizer/config.ts';
import { initParams } from '../gpu/recurrent/params.ts';
import { gemm } from '../gpu/kernels/gemm.ts';
import { encode } from '../gpu/core/dispatch.ts';
import { randomBatch } from '../gpu/testing/randomBatch.ts';
import { stepTuning } from '../gpu/recurrent/stepKernels.ts';
import { PassTimer } from '../gpu/core/passTimer.ts';

export interface ProfileConfig {
  name: string;
  cell: Cell;
  V: number;
  H: number;
  T: number;
  B: number;
}

export const PROFILE_CONFIGS: ProfileConfig[] = [
  { name: 'tiny', cell: 'rnn', V: 32, H: 32, T: 32, B: 16 },
  { name: 'tiny-gru', cell: 'gru', V: 32, H: 32, T: 32, B: 16 },
  { name: 'tiny-lstm', cell: 'lstm', V: 32, H: 32, T: 32, B: 16 },
  { name: 'small-lstm', cell: 'lstm', V: 65, H: 128, T: 64, B: 32 },
  { name: 'small-gru', cell: 'gru', V: 65, H: 128, T: 64, B: 32 },
  { name: 'small', cell: 'rnn', V: 65, H: 128, T: 64, B: 32 },
  { name: 'large-lstm', cell: 'lstm', V: 65, H: 512, T: 128, B: 64 },
];

type Encode = (pass: GPUComputePassEncoder) => void;
export interface PhaseTiming {
  name: string;
  ms: number;
  cpuMs: number;
  /** GPU time from timestamps where the device has them (NaN otherwise). */
  gpuMs: number;
  gflop: number;
}
interface Sample {
  ms: number;
  cpuMs: number;
  gpuMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const timers = new WeakMap<GpuContext, PassTimer>();

/** One submit of the pass `enc` fills: wall time to done, the process's CPU time, and the GPU's own time where it has timestamps. */
async function time(ctx: GpuContext, enc: Encode): Promise<Sample> {
  let timer = timers.get(ctx);
  if (!timer) timers.set(ctx, (timer = new PassTimer(ctx)));
  const cpu = process.cpuUsage();
  const { gpuMs, wallMs } = await timer.measure('profile', enc);
  const { user, system } = process.cpuUsage(cpu);
  return { ms: wallMs, cpuMs: (user + system) / 1000, gpuMs: gpuMs ?? NaN };
}

/** Median wall and GPU time, minimum CPU time (see the header). */
const summary = (xs: Sample[]): Sample => ({
  ms: median(xs.map((x) => x.ms)),
  cpuMs: Math.min(...xs.map((x) => x.cpuMs)),
  gpuMs: median(xs.map((x) => x.gpuMs)),
});

/** FLOPs (multiply-add = 2) of each phase of a one-layer token model, in `RecurrentGpu.phases()` order. */
function phaseFlops(c: ProfileConfig): number[] {
  const rows = c.T * c.B;
  const GH = GATES[c.cell] * c.H;
  const rec = 2 * rows * GH * c.H; // one pass of W_hh over every step
  const head = 2 * rows * c.V * c.H;
  return [0, rec, head, 2 * head, rec, rec];
}

type Profile = { phases: PhaseTiming[]; step: Sample; dispatches: number };

/** A model + optimizer of config `c` on one batch, its phases ready to submit one by one. */
function build(ctx: GpuContext, c: ProfileConfig, detail: boolean) {
  const cfg = parseModelConfig({ cell: c.cell, hidden: c.H, input: { kind: 'tokens', vocab: c.V } });
  const model = new RecurrentGpu(ctx, cfg, c.T, c.B);
  const { params, grads, metrics } = model.buffers;
  const opt = new OptimizerKernels(ctx, optimizer({}), model.layout.total, { params, grads, metrics });
  ctx.device.queue.writeBuffer(params, 0, initParams(cfg, 1));
  model.upload(randomBatch(cfg, c.T, c.B, 1));
  const phases = [...model.phases(), { name: 'grad norm + optimizer', encode: (p: GPUComputePassEncoder) => opt.encode(p) }];
  const whole: Encode = (pass) => phases.forEach((p) => p.encode(pass));
  // --detail: every dispatch of the phases made of single dispatches, timed alone too.
  const singles = detail ? phases.flatMap((p) => ('dispatches' in p && p.dispatches && p.dispatches.length > 1 ? p.dispatches : [])) : [];
  const steps: Sample[] = [];
  const samples: Sample[][] = phases.map(() => []);
  const singleSamples: Sample[][] = singles.map(() => []);
  const flops = [...phaseFlops(c), 0];
  return {
    async round() {
      steps.push(await time(ctx, whole)); // also restores every buffer a phase reads
      for (const [i, p] of phases.entries()) samples[i].push(await time(ctx, p.encode));
      for (const [i, d] of singles.entries()) singleSamples[i].push(await time(ctx, (pass) => encode(pass, d)));
    },
    warm: () => time(ctx, whole), // compile and first use
    result: (): Profile => ({
      phases: [
        ...phases.map((p, i) => ({ name: p.name, ...summary(samples[i]), gflop: flops[i] / 1e9 })),
        ...singles.map((d, i) => ({ name: `  · ${d.label}`, ...summary(singleSamples[i]), gflop: 0 })),
      ],
      step: summary(steps),
      dispatches: model.dispatchCount + opt.dispatchCount,
    }),
  };
}

type Peak = { variant: string; gflops: number; perCpuS: number }[];

/** The GEMM kernel on an n×n×n product in each transpose the step uses: one timing per round. */
function gemmPeak(ctx: GpuContext, n: number) {
  const buf = () => ctx.storage('gemmPeak', n * n * 4);
  const a = buf(),
    b = buf(),
    out = buf();
  const data = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i));
  ctx.device.queue.writeBuffer(a, 0, data);
  ctx.device.queue.writeBuffer(b, 0, data);
  const variants = [
    { variant: 'A·Bᵀ', transA: false, transB: true },
    { variant: 'Aᵀ·B', transA: true, transB: false },
    { variant: 'A·B', transA: false, transB: false },
  ];
  const ds = variants.map((v) => gemm(ctx, `peak ${v.variant}`, { M: n, N: n, K: n, ...v, a: { buffer: a }, b: { buffer: b }, c: { buffer: out } }));
  const samples: Sample[][] = ds.map(() => []);
  return {
    warm: async () => {
      for (const d of ds) await time(ctx, (p) => encode(p, d));
    },
    round: async () => {
      for (const [i, d] of ds.entries()) samples[i].push(await time(ctx, (p) => encode(p, d)));
    },
    result: (): Peak => {
      for (const x of [a, b, out]) ctx.destroyBuffer(x);
      return variants.map((v, i) => {
        const m = summary(samples[i]);
        return { variant: v.variant, gflops: (2 * n ** 3) / m.ms / 1e6, perCpuS: (2 * n ** 3) / m.cpuMs / 1e6 };
      });
    },
  };
}

/**
 * Times each phase of one training step and the GEMM peak (n³), `rounds` times round-robin, so a
 * change of load hits both; medians (CPU: minima). With several step tunings, one model per tuning
 * (its pipelines specialised at build time).
 */
export async function profileStep(
  ctx: GpuContext,
  c: ProfileConfig,
  rounds: number,
  gemmN: number,
  tunings: Partial<typeof stepTuning>[] = [{}],
  detail = false,
): Promise<{ profiles: Profile[]; peak: Peak }> {
  const saved = { ...stepTuning };
  const runs = tunings.map((t) => {
    Object.assign(stepTuning, saved, t);
    return build(ctx, c, detail);
  });
  Object.assign(stepTuning, saved);
  const peak = gemmPeak(ctx, gemmN);
  await peak.warm();
  for (const r of runs) await r.warm();
  for (let i = 0; i < rounds; i++) {
    await peak.round();
    for (const r of runs) await r.round();
  }
  return { profiles: runs.map((r) => r.result()), peak: peak.result() };
}

export async function main(argv: string[]): Promise<number> {
  await withNodeDevice((ctx) => profile(ctx, argv));
  return 0;
}

async function profile(ctx: GpuContext, argv: string[]): Promise<void> {
  const names = argv.filter((a) => !a.startsWith('--'));
  const rounds = Number(argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 5);
  const gemmN = Number(argv.find((a) => a.startsWith('--gemm='))?.slice(7) ?? 512);
  // --tune=minInvocations:32,workgroups:4;sequence:0 compares step settings in one run;
  // --tune=variant:blocked;variant:tiled the CPU- and GPU-shaped step kernels.
  const tuneArg = argv.find((a) => a.startsWith('--tune='))?.slice(7);
  const tunings = tuneArg
    ? tuneArg.split(';').map((t) =>
        Object.fromEntries(
          t
            .split(',')
            .filter(Boolean)
            .map((kv) => [kv.split(':')[0], Number.isNaN(Number(kv.split(':')[1])) ? kv.split(':')[1] : Number(kv.split(':')[1])]),
        ),
      )
    : [{}];
  for (const c of PROFILE_CONFIGS.filter((c) => (names.length === 0 ? !c.name.startsWith('large') : names.includes(c.name)))) {
    const { profiles, peak } = await profileStep(ctx, c, c.name.startsWith('large') ? Math.min(rounds, 2) : rounds, gemmN, tunings, argv.includes('--detail'));
    const best = Math.max(...peak.map((p) => p.gflops));
    const bestCpu = Math.max(...peak.map((p) => p.perCpuS));
    console.log(
      `\n${c.name} (${c.cell} V=${c.V} H=${c.H} T=${c.T} B=${c.B}); GEMM ${gemmN}³ in the same rounds, GFLOP/s (wall; per CPU-second): ` +
        peak.map((p) => `${p.variant} ${p.gflops.toFixed(2)}; ${p.perCpuS.toFixed(2)}`).join(' | '),
    );
    for (const [k, r] of profiles.entries()) {
      const gflop = r.phases.reduce((s, p) => s + p.gflop, 0); // details carry 0
      const rate = (gflop / r.step.ms) * 1e3;
      const rateCpu = (gflop / r.step.cpuMs) * 1e3;
      console.log(
        `${tuneArg ? `tuning ${JSON.stringify(tunings[k])}: ` : ''}step ${r.step.ms.toFixed(1)} ms wall, ${r.step.cpuMs.toFixed(1)} ms CPU${Number.isFinite(r.step.gpuMs) ? `, ${r.step.gpuMs.toFixed(3)} ms GPU` : ''}; ` +
          `${r.dispatches} dispatches; ${gflop.toFixed(3)} GFLOP → ${rate.toFixed(2)} GFLOP/s = ${((rate / best) * 100).toFixed(0)}% of the GEMM peak ` +
          `(per CPU-second: ${rateCpu.toFixed(2)} = ${((rateCpu / bestCpu) * 100).toFixed(0)}%)`,
      );
      // With GPU timestamps, the GPU's own time per phase and its share of the step (what a real GPU spends; wall time adds the submit and the wait).
      const gpu = Number.isFinite(r.step.gpuMs);
      console.log(
        `| phase | ms | CPU ms (min) | % of step (CPU) |${gpu ? ' GPU ms | % of step (GPU) | GFLOP/s (GPU) |' : ''} GFLOP | GFLOP/s | GFLOP per CPU-s |\n|---|---|---|---|${gpu ? '---|---|---|' : ''}---|---|---|`,
      );
      for (const p of r.phases) {
        const per = (ms: number) => (p.gflop ? ((p.gflop / ms) * 1e3).toFixed(2) : '–');
        // A phase with no dispatch (the projection of token inputs) has no GPU time.
        const gpuCells = !gpu
          ? ''
          : Number.isFinite(p.gpuMs)
            ? ` ${p.gpuMs.toFixed(3)} | ${((p.gpuMs / r.step.gpuMs) * 100).toFixed(0)} | ${per(p.gpuMs)} |`
            : ' – | – | – |';
        console.log(
          `| ${p.name} | ${p.ms.toFixed(1)} | ${p.cpuMs.toFixed(1)} | ${((p.cpuMs / r.step.cpuMs) * 100).toFixed(0)} |${gpuCells} ${p.gflop.toFixed(3)} | ${per(p.ms)} | ${per(p.cpuMs)} |`,
        );
      }
    }
  }
}
