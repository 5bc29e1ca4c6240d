// The on-device tuner: for a model's actual shapes it times the step-kernel candidates
// (stepVariants.ts) on the device and keeps the fastest forward and backward kernels, within a
// bounded budget, and caches the choice per adapter and shape. Each candidate runs T steps of one
// layer in a pass, timed by GPU timestamps where the device has them, else wall-clock to
// onSubmittedWorkDone (core/passTimer.ts), the best of a few rounds after a warm-up that also
// compiles the pipeline. The default kernels are measured first, so a spent budget still leaves a
// measured choice.
// CPU adapters keep the default (CPU-shaped) kernels unless asked to measure (`tune: 'always'`).
import type { GpuContext } from '../core/context.ts';
import { PassTimer } from '../core/passTimer.ts';
import { readBuffer } from '../core/readBuffer.ts';
import { initParams } from './params.ts';
import type { Dispatch } from '../core/dispatch.ts';
import { GATES, type ModelConfig } from './config.ts';
import { RecurrentGpu } from './model.ts';
import { backwardKernel, backwardSequenceFits, forwardKernel, sequenceFits } from './stepKernels.ts';
import {
  defaultStepKernels,
  gpuTile,
  isCpuAdapter,
  kernelName,
  parseStepKernels,
  stepKernelsName,
  subgroupMinSize,
  type StepKernel,
  type StepKernels,
} from './stepVariants.ts';

/** Bump when a kernel changes, so choices measured on the old ones are measured again. */
export const KERNELS_VERSION = 1;

/** A remembered choice: the kernels' names and what each candidate measured (ms for T steps). */
export interface CachedChoice {
  kernels: string;
  measured: Record<string, number>;
}

/** Where choices are kept between runs: IndexedDB in a browser, a file in Node (kernelCache*.ts), a Map in tests. */
export interface KernelCache {
  get(key: string): Promise<CachedChoice | undefined>;
  set(key: string, choice: CachedChoice): Promise<void>;
}

export function memoryKernelCache(): KernelCache & { entries: Map<string, CachedChoice> } {
  const entries = new Map<string, CachedChoice>();
  return { entries, get: async (k) => entries.get(k), set: async (k, v) => void entries.set(k, v) };
}

export interface KernelChoice {
  kernels: StepKernels;
  /** stepKernelsName(kernels): what a run records. */
  name: string;
  /**
   * 'default': not measured (a CPU adapter, or tuning off); 'cache': measured before; 'measured': now;
   * 'recorded': a restored run's own; 'given': named by the user (the CLI, the bench).
   */
  source: 'default' | 'cache' | 'measured' | 'recorded' | 'given';
  /** ms for T steps of one layer, per candidate ('forward:blocked', 'backward:tiled-…'). */
  measured: Record<string, number>;
  /** Time the tuning took, pipeline compilation included (0 from the cache). */
  tookMs: number;
  /** How the candidates were timed: GPU timestamps where the device has them, else the wall clock. */
  timing?: PassTimer['method'];
  /** Candidates whose results differed from the default's (a faulty driver path): never chosen. */
  rejected?: string[];
}

/** A choice made without measuring now: the default, one remembered or recorded, or one named. */
export function unmeasured(kernels: StepKernels, source: KernelChoice['source'], measured: Record<string, number> = {}): KernelChoice {
  return { kernels, name: stepKernelsName(kernels), source, measured, tookMs: 0 };
}

export interface TuneOptions {
  cache?: KernelCache;
  /** At most this much time measuring (default 2 s); the candidates not reached are not chosen. */
  budgetMs?: number;
  /** 'auto': measure on GPUs only; 'always': on CPU adapters too; 'never': the default kernels. */
  tune?: 'auto' | 'always' | 'never';
  /** Timed rounds per candidate after the warm-up (default 3). */
  rounds?: number;
  /** More candidates to time after the usual ones (experiments, tests). */
  extra?: StepKernel[];
}

/** The cache key: the adapter, the kernels' version and the shapes that decide the choice. */
export const tuneKey = (ctx: GpuContext, cfg: ModelConfig, T: number, B: number) =>
  [`v${KERNELS_VERSION}`, ctx.adapter.name, ctx.adapter.backend, cfg.cell, `H${cfg.hidden}`, `B${B}`, `T${T}`, cfg.input.kind].join('|');

/** The candidates worth timing for a layer of B rows × H units: the CPU and GPU shapes, tiles for 32 to 2048 workgroups (a large GPU holds thousands of invocations per core), the sequence kernels where they fit. */
export function candidates(ctx: GpuContext, cfg: ModelConfig, T: number, B: number): { forward: StepKernel[]; backward: StepKernel[] } {
  const H = cfg.hidden;
  const first = defaultStepKernels(ctx.adapter, { cell: cfg.cell, T, B, H });
  const plain = [128, 32, 512, 2048].map((target) => ({ kind: 'tiled' as const, ...gpuTile(B, H, target) }));
  // Where the device has subgroups, the same tiles with their K slices added by shuffles.
  const sg = subgroupMinSize(ctx.device);
  const tiles = [...plain, ...plain.filter((t) => t.KS > 1 && t.KS <= sg).map((t) => ({ ...t, SG: true }))];
  const rowCounts = [1, 2, 4, 8].filter((rows) => rows <= B);
  const sequence = rowCounts.filter((rows) => sequenceFits(H, rows)).map((rows) => ({ kind: 'sequence' as const, rows }));
  const backwardSequence = rowCounts.filter((rows) => backwardSequenceFits(cfg.cell, H, rows)).map((rows) => ({ kind: 'sequence' as const, rows }));
  const unique = (ks: StepKernel[]) => [...new Map(ks.map((k) => [kernelName(k), k])).values()];
  return {
    forward: unique([first.forward, { kind: 'blocked' }, ...tiles, ...sequence]),
    backward: unique([first.backward, { kind: 'blocked' }, ...tiles, ...backwardSequence]),
  };
}

/** The step kernels for a model of `cfg` trained in T × B batches on this device: cached, measured now, or the default. */
export async function chooseStepKernels(ctx: GpuContext, cfg: ModelConfig, T: number, B: number, opts: TuneOptions = {}): Promise<KernelChoice> {
  const tune = opts.tune ?? 'auto';
  if (tune === 'never' || (tune === 'auto' && isCpuAdapter(ctx.adapter)))
    return unmeasured(defaultStepKernels(ctx.adapter, { cell: cfg.cell, T, B, H: cfg.hidden }), 'default');
  const key = tuneKey(ctx, cfg, T, B);
  const cached = await opts.cache?.get(key).catch(() => undefined);
  if (cached) {
    try {
      return unmeasured(parseStepKernels(cached.kernels), 'cache', cached.measured);
    } catch {
      // A choice written by other kernels' names: measure again.
    }
  }
  const choice = await measure(ctx, cfg, T, B, opts.budgetMs ?? 2000, opts.rounds ?? 3, opts.extra ?? []);
  await opts.cache?.set(key, { kernels: choice.name, measured: choice.measured }).catch(() => undefined);
  return choice;
}

async function measure(ctx: GpuContext, cfg: ModelConfig, T: number, B: number, budgetMs: number, rounds: number, extra: StepKernel[]): Promise<KernelChoice> {
  const start = performance.now();
  const usual = candidates(ctx, cfg, T, B);
  const forward = [...usual.forward, ...extra];
  const backward = [...usual.backward, ...extra];
  const measured: Record<string, number> = {};
  const { value: model, buffers } = ctx.owning(() => new RecurrentGpu(ctx, cfg, T, B, { forward: forward[0], backward: backward[0] }));
  const timer = new PassTimer(ctx);
  const rejected: string[] = [];
  try {
    const layer = model.layers[0];
    const lb = layer.buffers;
    const p = model.buffers.params;
    const dhAbove = ctx.owning(() => seedInputs(ctx, model, cfg)).value;
    buffers.push(dhAbove);
    // Each backward run starts from the same dL/dh (the Elman cell's steps turn dh into δ in place).
    const resetDh = (encoder: GPUCommandEncoder) => encoder.copyBufferToBuffer(dhAbove, 0, lb.dh, 0, dhAbove.size);
    const outputs = async (pass: 'forward' | 'backward') =>
      pass === 'forward'
        ? [await readBuffer(ctx, lb.hs, (T + 1) * B * cfg.hidden)]
        : [await readBuffer(ctx, lb.dh, T * B * cfg.hidden), ...(lb.dA !== lb.dh ? [await readBuffer(ctx, lb.dA, T * B * GATES[cfg.cell] * cfg.hidden)] : [])];
    // The first candidate (the default) is always measured; the others while the pass's share of the
    // budget lasts, and each must compute what the first did (a driver that runs a kernel wrong is not chosen).
    const best = async (pass: 'forward' | 'backward', ks: StepKernel[], deadline: number, build: (k: StepKernel) => Dispatch): Promise<StepKernel> => {
      let chosen = ks[0];
      let expected: Float32Array[] = [];
      for (const [i, k] of ks.entries()) {
        if (i > 0 && performance.now() - start > deadline) break;
        // A candidate the device refuses (a shader it cannot compile) is passed over, not the model's build failed.
        if (i > 0) ctx.device.pushErrorScope('validation');
        let ms = NaN;
        let got: Float32Array[] = [];
        try {
          const d = ctx.owning(() => build(k));
          buffers.push(...d.buffers);
          const before = pass === 'backward' ? resetDh : undefined;
          ms = await timeSteps(timer, model, d.value, pass === 'backward', k.kind === 'sequence', rounds, before);
          got = await outputs(pass);
        } catch (e) {
          if (i === 0) throw e; // the default kernels are what the model would run: their error is the model's
        }
        const refused = i > 0 ? await ctx.device.popErrorScope() : null;
        if (i === 0) expected = got;
        else if (refused || !Number.isFinite(ms) || !got.every((g, j) => agrees(g, expected[j]))) {
          rejected.push(`${pass}:${kernelName(k)}`);
          continue;
        }
        measured[`${pass}:${kernelName(k)}`] = ms;
        if (ms < measured[`${pass}:${kernelName(chosen)}`]) chosen = k;
      }
      return chosen;
    };
    // Half the budget for the forward kernels, the rest for the backward ones.
    const f = await best('forward', forward, budgetMs / 2, (k) => forwardKernel(ctx, k, layer.shape, p, layer.buffers, model.buffers.lengths));
    const b = await best('backward', backward, budgetMs, (k) => backwardKernel(ctx, k, layer.shape, p, layer.buffers));
    const kernels = { forward: f, backward: b };
    return { kernels, name: stepKernelsName(kernels), source: 'measured', measured, tookMs: performance.now() - start, timing: timer.method, rejected };
  } finally {
    timer.destroy();
    for (const buffer of buffers) ctx.destroyBuffer(buffer);
  }
}

/** Within 1e-4 of the larger magnitude (kernels add in different orders), and no NaN where the first had none. */
export function agrees(got: Float32Array, want: Float32Array): boolean {
  let scale = 1;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  return got.every((v, i) => Math.abs(v - want[i]) <= 1e-4 * scale);
}

/**
 * What the candidates run on, so their results can be compared: seeded weights (PyTorch's init ×2,
 * gates out of their linear range), layer 0's inputs (token ids or projections) and initial states,
 * every row all T steps long. Returns a buffer of dL/dh from above for the backward runs.
 */
function seedInputs(ctx: GpuContext, model: RecurrentGpu, cfg: ModelConfig): GPUBuffer {
  const { T, B } = model;
  const q = ctx.device.queue;
  const H = cfg.hidden;
  const wave = (n: number, f: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f + 0.3));
  const lb = model.layers[0].buffers;
  q.writeBuffer(
    model.buffers.params,
    0,
    initParams(cfg, 1).map((x) => 2 * x),
  );
  q.writeBuffer(model.buffers.lengths, 0, new Uint32Array(B).fill(T)); // a zero length would skip the cells' math
  if (cfg.input.kind === 'tokens') {
    const V = cfg.input.vocab;
    q.writeBuffer(
      lb.proj,
      0,
      Uint32Array.from({ length: T * B }, (_, i) => (i * 7919) % V),
    );
  } else q.writeBuffer(lb.proj, 0, wave(T * B * GATES[cfg.cell] * H, 0.37));
  q.writeBuffer(lb.hs, 0, wave(B * H, 0.71));
  if (lb.cs) q.writeBuffer(lb.cs, 0, wave(B * H, 1.3));
  const dh = ctx.createBuffer('tune dh', T * B * H * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST);
  q.writeBuffer(dh, 0, wave(T * B * H, 0.53));
  return dh;
}

/** The best of `rounds` timings of one layer's T steps with `d` (after a warm-up that compiles it), in ms. */
async function timeSteps(
  timer: PassTimer,
  model: RecurrentGpu,
  d: Dispatch,
  reverse: boolean,
  sequence: boolean,
  rounds: number,
  before?: (encoder: GPUCommandEncoder) => void,
): Promise<number> {
  const run = () => timer.time(`tune ${d.label}`, (pass) => model.encodeSteps(pass, d, reverse, sequence), before);
  await run();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) best = Math.min(best, await run());
  return best;
}
