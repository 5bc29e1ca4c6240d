// Which kernel runs a layer's time steps: three shapes of the same math.
// - 'blocked' (forwardStep.wgsl, backwardStep.wgsl): each invocation a register block of rows ×
//   units, in about `stepTuning.workgroups` workgroups: right for a CPU-emulated GPU (SwiftShader runs
//   a workgroup on one thread), ~4 workgroups on a GPU with a hundred cores.
// - 'tiled' (forwardTile.wgsl, backwardTile.wgsl): a workgroup per BM rows × UT units with staged,
//   coalesced loads, K split KS ways where the batch is small: enough workgroups to fill a large GPU.
// - 'sequence' (forwardSeq.wgsl, backwardSeq.wgsl): all T steps in one dispatch, a workgroup per few
//   batch rows, for small layers where dispatch overhead dominates.
// A choice is written as a name ('blocked', 'tiled-b16-u16-m4-k1', 'sequence-r4') so runs, caches and
// command lines can record it.
import { stepTuning, sequenceRows, type StepShape } from './stepKernels.ts';
import type { AdapterDescription } from '../core/context.ts';

export interface TileShape {
  /** Batch rows per workgroup. */
  BM: number;
  /** Units per workgroup. */
  UT: number;
  /** Batch rows per invocation (1, 2 or 4). */
  TM: number;
  /** Slices of K per workgroup, whose partial sums the fused epilogue adds. */
  KS: number;
  /** Add the slices' sums by subgroup shuffles (tileSlicesSubgroup.wgsl) instead of in workgroup memory. */
  SG?: boolean;
}

export type StepKernel = { kind: 'blocked' } | { kind: 'sequence'; rows: number } | ({ kind: 'tiled' } & TileShape);

/** The kernels of a model's steps: one forward and one backward kernel for every layer. */
export interface StepKernels {
  forward: StepKernel;
  backward: StepKernel;
}

/** Workgroups a GPU-shaped step aims for by default: about one per SM of a large GPU (an H200 has 132). */
export const GPU_WORKGROUPS = 128;
const MIN_INVOCATIONS = 64;
const MAX_SLICES = 16;

export const tileWorkgroups = (B: number, H: number, t: TileShape) => Math.ceil(B / t.BM) * Math.ceil(H / t.UT);
export const tileInvocations = (t: TileShape) => (t.BM / t.TM) * t.UT * t.KS;

const pow2AtLeast = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/**
 * The tile of a [B rows × H units] step output that leaves at least `target` workgroups where the
 * step is big enough: start at 16 rows × 16 units (4 rows an invocation, 64 invocations), halve the
 * units, then the rows, then the rows per invocation, until there are `target` workgroups; then split
 * K until a workgroup has 64 invocations again (at most 16 slices).
 */
export function gpuTile(B: number, H: number, target = GPU_WORKGROUPS): TileShape {
  let TM = Math.min(4, pow2AtLeast(B));
  let BM = Math.min(16, Math.max(TM, pow2AtLeast(B)));
  let UT = Math.min(16, Math.max(4, pow2AtLeast(H)));
  const count = () => tileWorkgroups(B, H, { BM, UT, TM, KS: 1 });
  while (count() < target && UT > 4) UT /= 2;
  while (count() < target && BM > TM) BM /= 2;
  while (count() < target && TM > 1) {
    TM /= 2;
    BM /= 2;
  }
  const KS = Math.min(MAX_SLICES, Math.max(1, MIN_INVOCATIONS / ((BM / TM) * UT)));
  return { BM, UT, TM, KS };
}

export function kernelName(k: StepKernel): string {
  if (k.kind === 'blocked') return 'blocked';
  if (k.kind === 'sequence') return `sequence-r${k.rows}`;
  return `tiled-b${k.BM}-u${k.UT}-m${k.TM}-k${k.KS}${k.SG ? '-sg' : ''}`;
}

const isPow2 = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

/** A kernel from its name; throws on a name that is not one, or a tile the kernels cannot run. */
export function parseKernel(name: string): StepKernel {
  if (name === 'blocked') return { kind: 'blocked' };
  const seq = /^sequence-r(\d+)$/.exec(name);
  if (seq && +seq[1] >= 1 && +seq[1] <= 8) return { kind: 'sequence', rows: +seq[1] };
  const m = /^tiled-b(\d+)-u(\d+)-m(\d+)-k(\d+)(-sg)?$/.exec(name);
  if (m) {
    const [BM, UT, TM, KS] = m.slice(1, 5).map(Number);
    const t: TileShape = m[5] ? { BM, UT, TM, KS, SG: true } : { BM, UT, TM, KS };
    if ([BM, UT, TM, KS].every(isPow2) && TM <= 4 && TM <= BM && UT <= 16 && KS <= MAX_SLICES && tileInvocations(t) <= 256) return { kind: 'tiled', ...t };
  }
  throw new Error(
    `"${name}" is not a step kernel: use blocked, sequence-r<rows 1-8> or tiled-b<rows>-u<units ≤ 16>-m<rows per invocation ≤ 4>-k<K slices ≤ 16>[-sg] (powers of two, at most 256 invocations; -sg: slices added by subgroup shuffles)`,
  );
}

/** "forward=…,backward=…" or one name for both. */
export function parseStepKernels(spec: string): StepKernels {
  const parts = Object.fromEntries(
    spec
      .split(',')
      .map((p) => (p.includes('=') ? p.split('=', 2) : ['both', p]))
      .map(([k, v]) => [k.trim(), v.trim()]),
  );
  const forward = parts.forward ?? parts.both;
  const backward = parts.backward ?? parts.both;
  if (!forward || !backward || Object.keys(parts).some((k) => !['forward', 'backward', 'both'].includes(k)))
    throw new Error(`"${spec}": give one step kernel for both passes, or forward=<kernel>,backward=<kernel>`);
  return { forward: parseKernel(forward), backward: parseKernel(backward) };
}

export const stepKernelsName = (k: StepKernels) => `forward=${kernelName(k.forward)},backward=${kernelName(k.backward)}`;

/** The smallest subgroup this device may run (0 without the subgroups feature): a -sg tile's K slices must fit in it. */
export function subgroupMinSize(device: GPUDevice): number {
  if (!device.features.has('subgroups')) return 0;
  const info = (device as GPUDevice & { adapterInfo?: { subgroupMinSize?: number } }).adapterInfo;
  return info?.subgroupMinSize && info.subgroupMinSize >= 4 ? info.subgroupMinSize : 4;
}

/**
 * Recorded kernels as this device can run them: a -sg tile whose slices do not fit its subgroups (or
 * a device without them) adds them in workgroup memory instead. The order of the additions changes,
 * so a replay may differ in the last bits: said by the name, which loses its -sg.
 */
export function runnableOn(device: GPUDevice, k: StepKernels): StepKernels {
  const fit = (s: StepKernel): StepKernel => (s.kind === 'tiled' && s.SG && s.KS > subgroupMinSize(device) ? { ...s, SG: undefined } : s);
  return { forward: fit(k.forward), backward: fit(k.backward) };
}

/** SwiftShader and other CPU implementations of WebGPU: they keep the CPU-shaped kernels. */
export const isCpuAdapter = (a: AdapterDescription) => a.cpu === true;

/**
 * The kernels a model gets without measuring: the CPU-shaped ones (and the sequence kernel where it
 * measured faster there) on a CPU adapter, the GPU-shaped tiles elsewhere. `variant` (by default
 * `stepTuning.variant`, which tests set) forces one family.
 */
export function defaultStepKernels(
  adapter: AdapterDescription,
  s: Pick<StepShape, 'cell' | 'T' | 'B' | 'H'>,
  variant: (typeof stepTuning)['variant'] = stepTuning.variant,
): StepKernels {
  const family = variant === 'auto' ? (isCpuAdapter(adapter) ? 'blocked' : 'tiled') : variant;
  if (family === 'tiled') {
    const tile = gpuTile(s.B, s.H);
    return { forward: { kind: 'tiled', ...tile }, backward: { kind: 'tiled', ...tile } };
  }
  const rows = sequenceRows({ ...s, relu: false, whh: 0, bhh: 0 });
  return { forward: rows ? { kind: 'sequence', rows } : { kind: 'blocked' }, backward: { kind: 'blocked' } };
}
