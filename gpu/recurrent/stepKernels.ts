// The per-time-step kernels of each cell: a forward step and a backward step, one dispatch each per
// time step per layer. The step index arrives as group 1 (a dynamic uniform offset).
import { stepShaders } from './shaders.ts';
import { packUniform, type GpuContext } from '../core/context.ts';
import { prepare, type Dispatch } from '../core/dispatch.ts';
import type { BindingKind } from '../core/pipelines.ts';
import { GATES, type Cell } from './config.ts';
import { subgroupMinSize, type StepKernel, type TileShape } from './stepVariants.ts';

export interface StepShape {
  cell: Cell;
  T: number;
  B: number;
  H: number;
  relu: boolean;
  /** Float offsets of this layer's W_hh and b_hh in the flat parameter buffer. */
  whh: number;
  bhh: number;
  /**
   * Token inputs (layer 0): the forward step gathers W_ih's column of each token itself (offsets of
   * W_ih and b_ih, vocabulary V) and `proj` holds the token ids; no projection pass runs.
   */
  tokens?: { V: number; wih: number; bih: number };
  /**
   * LSTM: the backward adds what dc holds at each step before it runs to that step's cell-state
   * gradient (an encoder's final cell state feeding a decoder gets its gradient so); the owner
   * writes every row of dc first. Otherwise dc is only written.
   */
  cellGradIn?: boolean;
}

/** Per-layer activations the steps read and write; which exist depends on the cell. */
export interface LayerBuffers {
  /** W_ih x + b_ih for every step, [T*B, G*H]; for token inputs (StepShape.tokens) the token ids, [T*B]. */
  proj: GPUBuffer;
  /** Hidden states, [(T+1)*B, H]; block 0 is h0. */
  hs: GPUBuffer;
  /** LSTM cell states, [(T+1)*B, H]; block 0 is c0. */
  cs: GPUBuffer | null;
  /** Gate activations (GRU r, z, n; LSTM i, f, g, o), [T*B, G*H]. */
  gates: GPUBuffer | null;
  /** GRU: W_hn h + b_hn, [T*B, H]. */
  hn: GPUBuffer | null;
  /** Gradient reaching h_t from above, turned into the total dL/dh_t by the backward steps, [T*B, H]. */
  dh: GPUBuffer;
  /** Gradient of the input-side pre-activations W_ih x + b_ih, [T*B, G*H] (the Elman cell: dh itself). */
  dA: GPUBuffer;
  /** Gradient of the hidden-side pre-activations W_hh h + b_hh (differs from dA for the GRU's n gate). */
  dAhh: GPUBuffer;
  /** LSTM: total dL/dc_t, [T*B, H]. */
  dc: GPUBuffer | null;
}

/**
 * How the blocked step kernels split a step: each invocation takes TB batch rows × `units` units
 * (4 for the GRU/LSTM forward steps, whose invocations hold every gate of a unit; 16 otherwise).
 * TB is 4 or 8 (the shaders say why not 16): 8 loads less per multiply-add but leaves fewer
 * invocations. SwiftShader runs a workgroup on one thread, so the workgroup is sized to leave
 * `workgroups` of them for the cores (4 measured best on 2 cores: small-lstm, TB 8, 4 vs 8
 * workgroups). Exported so bench/profileStep.ts can A/B settings (`--tune=`).
 */
export const stepTuning = {
  /** Which kernels a model gets when none are given (stepVariants.ts): by adapter, or forced. */
  variant: 'auto' as 'auto' | 'blocked' | 'tiled',
  minInvocations: 32,
  workgroups: 4,
  /** Forces TB when set (tests). */
  rows: 0,
  /** The single-dispatch forward kernels: -1 where they pay (sequenceRows), 0 never, 1 wherever they fit. */
  sequence: -1,
  /** Batch rows per workgroup of the sequence kernel (≤ 8); 0: B / workgroups. */
  seqRows: 0,
};

export function stepTiling(B: number, H: number, units: number): { TB: number; WG: number; grid: [number, number] } {
  const unitTiles = Math.ceil(H / units);
  // A tile no taller than needed for B rows, and tall only while enough invocations remain.
  const TB = stepTuning.rows || (B > 4 && unitTiles * Math.ceil(B / 8) >= stepTuning.minInvocations ? 8 : 4);
  const invocations = unitTiles * Math.ceil(B / TB);
  const WG = Math.max(4, Math.min(64, 2 ** Math.floor(Math.log2(Math.max(1, invocations / stepTuning.workgroups)))));
  return { TB, WG, grid: [Math.ceil(invocations / WG), 1] };
}

/** The Offsets uniform every step kernel reads (the backward ones only its first two fields). */
const offsetsUniform = (ctx: GpuContext, label: string, s: StepShape) =>
  ctx.uniform(
    `${label}.offsets`,
    packUniform([
      ['u32', s.whh],
      ['u32', s.bhh],
      ['u32', s.tokens?.wih ?? 0],
      ['u32', s.tokens?.bih ?? 0],
    ]),
  );

/** Override constants of the forward kernels' input (inputPre in the shaders). */
const inputConstants = (s: StepShape) => ({ TOKENS: !!s.tokens, V: s.tokens?.V ?? 1 });

function stepKernel(
  ctx: GpuContext,
  label: string,
  code: string,
  s: StepShape,
  constants: Record<string, number | boolean>,
  bindings: BindingKind[],
  buffers: GPUBuffer[],
  units: number,
): Dispatch {
  const offsets = offsetsUniform(ctx, label, s);
  const { TB, WG, grid } = stepTiling(s.B, s.H, units);
  return prepare(ctx, {
    label,
    code,
    constants: { ...constants, TB, WG },
    bindings: ['uniform', ...bindings],
    buffers: [offsets, ...buffers],
    grid,
    stepped: true,
  });
}

/**
 * The single-dispatch forward kernels (shaders/recurrent/forwardSeq.wgsl: one workgroup per R batch rows looping
 * over all T steps with a barrier per step) pay where dispatch overhead dominates: measured on
 * SwiftShader, the tiny LSTM's (H = 32) forward steps ran 2-3× faster, the small one's (H = 128)
 * 1.3× slower (the per-step kernel reuses each weight over more rows, on every core). Returns the
 * rows per workgroup (about B / 4 workgroups, at most 8), or 0 for the per-step path.
 */
export function sequenceRows(s: StepShape): number {
  const R = stepTuning.seqRows || Math.min(8, Math.ceil(s.B / stepTuning.workgroups));
  if (!sequenceFits(s.H, R) || stepTuning.sequence === 0) return 0;
  return stepTuning.sequence === 1 || s.H <= 32 ? R : 0;
}

/** The sequence kernel's workgroup holds a layer's units and R rows' states (double-buffered) within WebGPU's default limits. */
export const sequenceFits = (H: number, R: number) => H <= 256 && 2 * R * H * 4 <= 16384;

/** The backward sequence kernel's workgroup holds R rows' dA (G·H each) within WebGPU's default limits. */
export const backwardSequenceFits = (cell: Cell, H: number, R: number) => H <= 256 && R * GATES[cell] * H * 4 <= 16384;

/**
 * The forward kernels' bindings after the offsets: the parameters, the input, the states, what the
 * cell keeps for its backward step (GRU: gates and W_hn h + b_hn; LSTM: gates and cell states), the lengths.
 */
function forwardBindings(s: StepShape, params: GPUBuffer, l: LayerBuffers, lengths: GPUBuffer): [BindingKind[], GPUBuffer[]] {
  const kept = s.cell === 'rnn' ? [] : [l.gates!, s.cell === 'gru' ? l.hn! : l.cs!];
  return [
    ['read', 'read', 'rw', ...kept.map((): BindingKind => 'rw'), 'read'],
    [params, l.proj, l.hs, ...kept, lengths],
  ];
}

/** The Elman cell's activation, an override of its kernels only. */
const relu = (s: StepShape): Record<string, boolean> => (s.cell === 'rnn' ? { RELU: s.relu } : {});
/** The backward kernels' cell constants: the Elman activation, or whether an LSTM reads incoming cell-state gradients. */
const backwardCell = (s: StepShape): Record<string, boolean> => (s.cell === 'lstm' ? (s.cellGradIn ? { DC_IN: true } : {}) : relu(s));

/** A single-dispatch sequence kernel (forwardSeq.wgsl, backwardSeq.wgsl): one workgroup per `rows` batch rows, an invocation per unit. */
function sequenceKernel(
  ctx: GpuContext,
  label: string,
  code: string,
  s: StepShape,
  rows: number,
  constants: Record<string, number | boolean>,
  [bindings, buffers]: [BindingKind[], GPUBuffer[]],
): Dispatch {
  return prepare(ctx, {
    label,
    code,
    constants: { ...constants, H: s.H, B: s.B, T: s.T, R: rows, WG: Math.ceil(s.H / 4) * 4, ...relu(s) },
    bindings: ['uniform', ...bindings],
    buffers: [offsetsUniform(ctx, label, s), ...buffers],
    grid: [Math.ceil(s.B / rows)],
  });
}

/** All T forward steps of a layer in one dispatch; `rows` from sequenceRows. Same bindings as forwardStep. */
export function forwardSequence(ctx: GpuContext, s: StepShape, rows: number, params: GPUBuffer, l: LayerBuffers, lengths: GPUBuffer): Dispatch {
  const bound = forwardBindings(s, params, l, lengths);
  return sequenceKernel(ctx, `${s.cell}ForwardSeq`, stepShaders[s.cell].forwardSeq, s, rows, inputConstants(s), bound);
}

/** The forward steps of a layer with the chosen kernel: T dispatches of a per-step kernel, or one of the sequence kernel. */
export function forwardKernel(ctx: GpuContext, k: StepKernel, s: StepShape, params: GPUBuffer, l: LayerBuffers, lengths: GPUBuffer): Dispatch {
  if (k.kind === 'sequence') return forwardSequence(ctx, s, k.rows, params, l, lengths);
  if (k.kind === 'tiled') return forwardTile(ctx, s, k, params, l, lengths);
  return forwardStep(ctx, s, params, l, lengths);
}

export function backwardKernel(ctx: GpuContext, k: StepKernel, s: StepShape, params: GPUBuffer, l: LayerBuffers): Dispatch {
  if (k.kind === 'sequence') return backwardSequence(ctx, s, k.rows, params, l);
  return k.kind === 'tiled' ? backwardTile(ctx, s, k, params, l) : backwardStep(ctx, s, params, l);
}

/** All T backward steps of a layer in one dispatch (backwardSeq.wgsl), R batch rows per workgroup. Same bindings as backwardStep. */
export function backwardSequence(ctx: GpuContext, s: StepShape, rows: number, params: GPUBuffer, l: LayerBuffers): Dispatch {
  return sequenceKernel(ctx, `${s.cell}BackwardSeq`, stepShaders[s.cell].backwardSeq, s, rows, backwardCell(s), backwardBindings(s, params, l));
}

/** A GPU-shaped per-step kernel (tile.wgsl): one workgroup per tile of BM rows × UT units. */
function tileKernel(
  ctx: GpuContext,
  label: string,
  code: string,
  s: StepShape,
  t: TileShape,
  constants: Record<string, number | boolean>,
  bindings: BindingKind[],
  buffers: GPUBuffer[],
): Dispatch {
  const WG = (t.BM / t.TM) * t.UT * t.KS;
  const smallest = subgroupMinSize(ctx.device);
  if (t.SG && t.KS > smallest)
    throw new Error(
      `${label}: a -sg tile adds its ${t.KS} K slices within one subgroup; ${smallest ? `this device's subgroups can be as small as ${smallest}` : 'this device has no subgroups'}`,
    );
  return prepare(ctx, {
    label,
    code,
    constants: { ...constants, BM: t.BM, UT: t.UT, TM: t.TM, KS: t.KS, WG },
    bindings: ['uniform', ...bindings],
    buffers: [offsetsUniform(ctx, label, s), ...buffers],
    grid: [Math.ceil(s.B / t.BM) * Math.ceil(s.H / t.UT)],
    stepped: true,
  });
}

/** The GPU-shaped forward step (forwardTile.wgsl): same bindings and results as forwardStep. */
export function forwardTile(ctx: GpuContext, s: StepShape, t: TileShape, params: GPUBuffer, l: LayerBuffers, lengths: GPUBuffer): Dispatch {
  const [bindings, buffers] = forwardBindings(s, params, l, lengths);
  const constants = { H: s.H, B: s.B, ...relu(s), ...inputConstants(s) };
  const code = t.SG ? stepShaders[s.cell].forwardTileSubgroup : stepShaders[s.cell].forwardTile;
  return tileKernel(ctx, `${s.cell}ForwardTile${t.SG ? 'Subgroup' : ''}`, code, s, t, constants, bindings, buffers);
}

/** The GPU-shaped backward step (backwardTile.wgsl): same bindings and results as backwardStep. */
export function backwardTile(ctx: GpuContext, s: StepShape, t: TileShape, params: GPUBuffer, l: LayerBuffers): Dispatch {
  const [bindings, buffers] = backwardBindings(s, params, l);
  const code = t.SG ? stepShaders[s.cell].backwardTileSubgroup : stepShaders[s.cell].backwardTile;
  return tileKernel(ctx, `${s.cell}BackwardTile${t.SG ? 'Subgroup' : ''}`, code, s, t, { H: s.H, B: s.B, T: s.T, ...backwardCell(s) }, bindings, buffers);
}

/**
 * `lengths` [B]: each row's real steps; past them a row carries its state (ragged batches). An
 * invocation covers 16 units of the Elman cell, or every gate of 4 units of the others.
 */
export function forwardStep(ctx: GpuContext, s: StepShape, params: GPUBuffer, l: LayerBuffers, lengths: GPUBuffer): Dispatch {
  const { H, B } = s;
  const [bindings, buffers] = forwardBindings(s, params, l, lengths);
  const constants = { H, B, ...relu(s), ...inputConstants(s) };
  return stepKernel(ctx, `${s.cell}ForwardStep`, stepShaders[s.cell].forwardStep, s, constants, bindings, buffers, s.cell === 'rnn' ? 16 : 4);
}

/** What each cell's gradient reads (besides the parameters) and writes. */
const BACKWARD_BUFFERS: Record<Cell, (l: LayerBuffers) => { read: GPUBuffer[]; written: GPUBuffer[] }> = {
  rnn: (l) => ({ read: [l.hs], written: [l.dh] }),
  gru: (l) => ({ read: [l.hs, l.gates!, l.hn!], written: [l.dh, l.dA, l.dAhh] }),
  lstm: (l) => ({ read: [l.cs!, l.gates!], written: [l.dh, l.dA, l.dc!] }),
};

/**
 * Past a row's length the forward step stored zero gates and the head passes zero gradient, so
 * every backward step writes zeros there without looking at the lengths.
 */
export function backwardStep(ctx: GpuContext, s: StepShape, params: GPUBuffer, l: LayerBuffers): Dispatch {
  const { H, B, T } = s;
  const [bindings, buffers] = backwardBindings(s, params, l);
  return stepKernel(ctx, `${s.cell}BackwardStep`, stepShaders[s.cell].backwardStep, s, { H, B, T, ...backwardCell(s) }, bindings, buffers, 16);
}

function backwardBindings(s: StepShape, params: GPUBuffer, l: LayerBuffers): [BindingKind[], GPUBuffer[]] {
  const { read, written } = BACKWARD_BUFFERS[s.cell](l);
  return [
    ['read', ...read.map((): BindingKind => 'read'), ...written.map((): BindingKind => 'rw')],
    [params, ...read, ...written],
  ];
}
