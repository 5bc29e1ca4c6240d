// The encoder–decoder's readout on the GPU (its float64 specification: attention.ts, the loss:
// reference.ts): from the decoder's top outputs s [U·B, W] and the encoder's e [S·B, W] to the logits,
// the mean cross-entropy and dlogits (forward), then every readout parameter's gradient, ∂L/∂s and
// ∂L/∂e (backward). GEMMs do the dense products (keys W_a e or W_k e, queries W_q s, the combine and
// output layers and their gradients); shaders/seq2seq/ do the rest:
//   readoutRows.wgsl  masked copies (padding → 0), tanh and its gradient
//   attention.wgsl    scores, softmax, α and c per decoder row
//   scoreGrad.wgsl    the softmax's backward: dscore per decoder row
//   pairGrad.wgsl     dscore and α on to the queries, keys and memory (sums over u per memory row)
// Padded rows of the inputs are never read: e and s are first copied with padded rows set to 0, so the
// GEMMs that contract over all rows see zeros. Every output is written, none accumulated into: the
// grads buffer, dStates and dMemory may hold anything before the backward. Deterministic: no float
// atomics, every sum in a fixed order. Padded rows of the logits hold out.bias (their h̃ is 0), as the
// recurrent head's padded rows hold its bias; their loss and dlogits are 0.
import attentionShader from '../../shaders/seq2seq/attention.wgsl?raw';
import scoreGradCode from '../../shaders/seq2seq/scoreGrad.wgsl?raw';
import pairGradShader from '../../shaders/seq2seq/pairGrad.wgsl?raw';
import rowsShader from '../../shaders/seq2seq/readoutRows.wgsl?raw';
import activations from '../../shaders/common/activations.wgsl?raw';
import { composeWgsl } from '../core/wgsl.ts';

// The kernels that apply tanh take tanhBounded from the shared activations.
const [attentionCode, pairGradCode, rowsCode] = [attentionShader, pairGradShader, rowsShader].map((code) => composeWgsl(activations, code));
import type { GpuContext } from '../core/context.ts';
import { prepare, type Dispatch } from '../core/dispatch.ts';
import { gemm, type Operand } from '../kernels/gemm.ts';
import { inputGrad, weightGrads } from '../kernels/linear.ts';
import { sumRows } from '../kernels/sumRows.ts';
import { rowLoss } from '../recurrent/rowLoss.ts';
import type { Attention } from './config.ts';

export interface ReadoutShape {
  /** Source steps, target steps, batch rows. */
  S: number;
  U: number;
  B: number;
  /** W = D·H: encoder output, decoder state, context and h̃ width. */
  W: number;
  V: number;
  attention: Attention;
  /** The additive score's hidden width ('additive' only). */
  A?: number;
}

export interface ReadoutBuffers {
  params: GPUBuffer;
  grads: GPUBuffer;
  /** A tensor's float offset in params and grads (ParamLayout's). */
  offset: (name: string) => number;
  /** e: the encoder's top outputs [S·B, W], row j·B + b (padded rows are not read). */
  memory: Operand;
  /** s: the decoder's top outputs [U·B, W], row u·B + b (padded rows are not read). */
  states: Operand;
  sourceLengths: GPUBuffer;
  targetLengths: GPUBuffer;
  /** Target ids [U·B] (u32; not read at padded rows). */
  targets: GPUBuffer;
  /** Uniform: f32 1 / (real target positions), as rowLoss reads it. */
  batchInfo: GPUBuffer;
  /** The mean loss goes to element 0. */
  metrics: GPUBuffer;
  /** ∂L/∂s [U·B, W] and ∂L/∂e [S·B, W]: written by the backward (padded rows 0). */
  dStates: GPUBuffer;
  dMemory: GPUBuffer;
}

export interface ReadoutKernels {
  /** The memory's share, which needs no decoder state: e with padded rows 0, and its keys. Encode it first. */
  memory: Dispatch[];
  /** Logits, per-row loss and dlogits, the mean loss into metrics[0]. */
  forward: Dispatch[];
  /** The readout's parameter gradients, dStates and dMemory. */
  backward: Dispatch[];
  /** [U·B, V]. */
  logits: GPUBuffer;
  /** α [U·B, S], 0 at padded source steps and on padded rows; null for attention 'none'. */
  alignment: GPUBuffer | null;
  /** What `memory` leaves for stepLogits: e (padded rows 0) and its keys (e itself for 'dot'); null for 'none'. */
  prepared: PreparedMemory | null;
}

export interface PreparedMemory {
  e0: GPUBuffer;
  keys: GPUBuffer;
}

const f32 = 4;

type RowsEntry = 'copyRows' | 'tanhRows' | 'tanhGrad' | 'zeroRows';
interface RowsSpec {
  rows: number;
  cols: number;
  B: number;
  srcOff?: number;
  srcStride?: number;
  dstOff?: number;
  dstStride?: number;
}

/** One of readoutRows.wgsl's elementwise kernels; `src` is not read by tanhRows and zeroRows. */
function rowsKernel(ctx: GpuContext, entry: RowsEntry, s: RowsSpec, lengths: GPUBuffer, src: GPUBuffer, dst: GPUBuffer): Dispatch {
  return prepare(ctx, {
    label: `readout.${entry}`,
    code: rowsCode,
    entry,
    constants: {
      B: s.B,
      COLS: s.cols,
      SRC_OFF: s.srcOff ?? 0,
      SRC_STRIDE: s.srcStride ?? s.cols,
      DST_OFF: s.dstOff ?? 0,
      DST_STRIDE: s.dstStride ?? s.cols,
    },
    bindings: ['read', 'read', 'rw'],
    buffers: [lengths, src, dst],
    grid: [Math.ceil(s.cols / 64), s.rows],
  });
}

interface PairSpec {
  rows: number;
  cols: number;
  /** The query's row stride (default cols): dc is the left half of a [U·B, 2W]. */
  qStride?: number;
  additive?: boolean;
  accumulate?: boolean;
}

interface PairBuffers {
  /** dscore or α [U·B, S]. */
  w: GPUBuffer;
  query: GPUBuffer;
  keys: GPUBuffer;
  out: GPUBuffer;
  dvPart?: GPUBuffer;
}

interface RowsForward {
  /** s with padded rows 0 [rows, W]: what the GEMMs read. */
  s0: GPUBuffer;
  /** The output layer's input: h̃ [rows, W] with attention, s0 without. */
  X: GPUBuffer;
  /** Up to X: the masked copy of s, then (with attention) queries, scores, α and c, [c; s], h̃. */
  dispatches: Dispatch[];
  alignment: GPUBuffer | null;
  queries: GPUBuffer | null;
  x: GPUBuffer | null;
}

/** Context for the readout's builders: the shape, the parameters and the scratch it allocates. */
class ReadoutBuilder {
  readonly A: number;
  readonly additive: boolean;
  readonly keyWeight: string;
  readonly vOff: number;
  constructor(
    readonly ctx: GpuContext,
    readonly shape: ReadoutShape,
    readonly params: GPUBuffer,
    readonly offset: (name: string) => number,
    readonly prefix: string,
  ) {
    const { attention, W } = shape;
    const A = attention === 'additive' ? shape.A : W; // the width of a query and a key
    if (!A) throw new Error("readoutKernels: attention 'additive' needs A, the score's hidden width");
    this.A = A;
    this.additive = attention === 'additive';
    this.keyWeight = attention === 'general' ? 'attention.weight' : 'attention.key.weight';
    this.vOff = this.additive ? offset('attention.v.weight') : 0;
  }
  p(name: string): Operand {
    return { buffer: this.params, offset: this.offset(name) };
  }
  scratch(name: string, floats: number): GPUBuffer {
    return this.ctx.storage(`${this.prefix}.${name}`, floats * f32);
  }
  rows(entry: RowsEntry, s: RowsSpec, lengths: GPUBuffer, src: GPUBuffer, dst: GPUBuffer): Dispatch {
    return rowsKernel(this.ctx, entry, s, lengths, src, dst);
  }
  /** A kernel with one workgroup per decoder row, reading `reads` and writing `writes` (bound in that order). */
  perRow(label: string, code: string, rows: number, reads: GPUBuffer[], writes: GPUBuffer[], constants: Record<string, number | boolean>): Dispatch {
    const { S, B, W } = this.shape;
    return prepare(this.ctx, {
      label: `readout.${label}`,
      code,
      constants: { S, B, W, ...constants },
      bindings: [...reads.map(() => 'read' as const), ...writes.map(() => 'rw' as const)],
      buffers: [...reads, ...writes],
      grid: [rows],
    });
  }
  project(M: number, weight: string, X: GPUBuffer, Y: GPUBuffer): Dispatch {
    return gemm(this.ctx, `readout.${weight}`, { M, N: this.A, K: this.shape.W, transB: true, a: { buffer: X }, b: this.p(weight), c: { buffer: Y } });
  }

  /** The memory's dispatches: e with padded rows 0, and its keys (none for 'dot', whose keys are e). */
  memory(memory: Operand, sourceLengths: GPUBuffer): { dispatches: Dispatch[]; prepared: PreparedMemory } {
    const { S, B, W, attention } = this.shape;
    const e0 = this.scratch('memory', S * B * W);
    const keys = attention === 'dot' ? e0 : this.scratch('keys', S * B * this.A);
    return {
      dispatches: [
        this.rows('copyRows', { rows: S * B, cols: W, B, srcOff: memory.offset }, sourceLengths, memory.buffer, e0),
        ...(attention === 'dot' ? [] : [this.project(S * B, this.keyWeight, e0, keys)]),
      ],
      prepared: { e0, keys },
    };
  }

  /** `rows` decoder rows (row r real when r / B < lengths[r % B]) up to the output layer's input. */
  rowsForward(rows: number, states: Operand, lengths: GPUBuffer, sourceLengths: GPUBuffer, mem: PreparedMemory | null): RowsForward {
    const { S, B, W, attention } = this.shape;
    const s0 = this.scratch('states', rows * W);
    const maskStates = this.rows('copyRows', { rows, cols: W, B, srcOff: states.offset }, lengths, states.buffer, s0);
    if (attention === 'none' || !mem) return { s0, X: s0, dispatches: [maskStates], alignment: null, queries: null, x: null };
    const queries = this.additive ? this.scratch('queries', rows * this.A) : s0;
    const alignment = this.scratch('alignment', rows * S);
    const x = this.scratch('x', rows * 2 * W); // [c; s]
    const ht = this.scratch('htilde', rows * W);
    return {
      s0,
      X: ht,
      alignment,
      queries,
      x,
      dispatches: [
        maskStates,
        ...(this.additive ? [this.project(rows, 'attention.query.weight', s0, queries)] : []),
        this.perRow('attend', attentionCode, rows, [sourceLengths, lengths, queries, mem.keys, this.params, mem.e0], [alignment, x], {
          K: this.A,
          ADDITIVE: this.additive,
          V_OFF: this.vOff,
        }),
        this.rows('copyRows', { rows, cols: W, B, dstOff: W, dstStride: 2 * W }, lengths, s0, x),
        // h̃ = tanh(W_c [c; s] + b_c): the GEMM into ht, tanh in place (padded rows 0).
        gemm(this.ctx, 'readout.combine', {
          M: rows,
          N: W,
          K: 2 * W,
          transB: true,
          a: { buffer: x },
          b: this.p('combine.weight'),
          bias: this.p('combine.bias'),
          c: { buffer: ht },
        }),
        this.rows('tanhRows', { rows, cols: W, B }, lengths, lengths, ht),
      ],
    };
  }

  /** logits [rows, V] = W_o X + b_o. */
  logits(rows: number, X: GPUBuffer, logits: GPUBuffer): Dispatch {
    const { W, V } = this.shape;
    return gemm(this.ctx, 'readout.outForward', {
      M: rows,
      N: V,
      K: W,
      transB: true,
      a: { buffer: X },
      b: this.p('out.weight'),
      bias: this.p('out.bias'),
      c: { buffer: logits },
    });
  }
}

/**
 * The readout's dispatches for one batch shape, on the caller's buffers and its own scratch (made with
 * ctx.storage: build inside ctx.owning to free them together). Encode `memory` and `forward` after
 * the decoder's forward and `backward` before the decoder's and encoder's backward (they read dStates,
 * dMemory).
 */
export function readoutKernels(ctx: GpuContext, shape: ReadoutShape, buf: ReadoutBuffers): ReadoutKernels {
  const { S, U, B, W, V, attention } = shape;
  const build = new ReadoutBuilder(ctx, shape, buf.params, buf.offset, 'readout');
  const A = build.A;
  const [rowsU, rowsS] = [U * B, S * B];
  const p = (name: string): Operand => build.p(name);
  const g = (name: string): Operand => ({ buffer: buf.grads, offset: buf.offset(name) });
  const scratch = (name: string, floats: number) => build.scratch(name, floats);
  const rows = (entry: RowsEntry, s: RowsSpec, lengths: GPUBuffer, src: GPUBuffer, dst: GPUBuffer) => build.rows(entry, s, lengths, src, dst);

  const mem = attention === 'none' ? null : build.memory(buf.memory, buf.sourceLengths);
  const fwd = build.rowsForward(rowsU, buf.states, buf.targetLengths, buf.sourceLengths, mem?.prepared ?? null);
  const logits = scratch('logits', rowsU * V);
  const dlogits = scratch('dlogits', rowsU * V);
  const lossRows = scratch('rowLoss', rowsU);
  const outLayer = { rows: rowsU, inputs: W, outputs: V };
  const forward = [
    ...fwd.dispatches,
    build.logits(rowsU, fwd.X, logits),
    rowLoss(
      ctx,
      { kind: 'ce', rows: rowsU, O: V, B },
      { outputs: logits, targets: buf.targets, rowLoss: lossRows, dOutputs: dlogits, lengths: buf.targetLengths, batchInfo: buf.batchInfo },
    ),
    sumRows(ctx, 'readout.meanLoss', { rows: rowsU, cols: 1 }, { buffer: lossRows }, { buffer: buf.metrics }),
  ];
  // ∂L/∂W_o, ∂L/∂b_o.
  const outBackward = weightGrads(ctx, 'readout.out', outLayer, { dY: { buffer: dlogits }, X: { buffer: fwd.X }, dW: g('out.weight'), db: g('out.bias') });

  if (!mem) {
    // logits = W_o s + b_o: ∂L/∂s = dlogits W_o, and nothing reaches the memory.
    return {
      memory: [],
      forward,
      backward: [
        ...outBackward,
        inputGrad(ctx, 'readout.out', outLayer, { dY: { buffer: dlogits }, W: p('out.weight'), dX: { buffer: buf.dStates } }),
        rows('zeroRows', { rows: rowsS, cols: W, B }, buf.sourceLengths, buf.sourceLengths, buf.dMemory),
      ],
      logits,
      alignment: null,
      prepared: null,
    };
  }

  const { additive, keyWeight, vOff } = build;
  const { e0, keys } = mem.prepared;
  const [s0, queries, alignment, x, ht] = [fwd.s0, fwd.queries!, fwd.alignment!, fwd.x!, fwd.X];
  const dh = scratch('dhtilde', rowsU * W); // ∂L/∂h̃, then ∂L/∂(W_c x + b_c) in place
  const dx = scratch('dx', rowsU * 2 * W); // [dc; ds]
  const dScore = scratch('dScore', rowsU * S);
  const unused = scratch('unused', 1); // pairGrad's dvPart binding where nothing writes it

  const pair = (entry: 'toQuery' | 'toKey', s: PairSpec, b: PairBuffers): Dispatch =>
    prepare(ctx, {
      label: `readout.${entry}`,
      code: pairGradCode,
      entry,
      constants: {
        S,
        B,
        COLS: s.cols,
        Q_STRIDE: s.qStride ?? s.cols,
        ADDITIVE: !!s.additive,
        ACCUMULATE: !!s.accumulate,
        V_OFF: vOff,
      },
      bindings: ['read', 'read', 'read', 'read', 'read', 'read', 'rw', 'rw'],
      buffers: [buf.sourceLengths, buf.targetLengths, b.w, b.query, b.keys, buf.params, b.out, b.dvPart ?? unused],
      grid: [Math.ceil(s.cols / 64), s.rows],
    });
  const combine = { rows: rowsU, inputs: 2 * W, outputs: W };
  const backward = [
    ...outBackward,
    inputGrad(ctx, 'readout.out', outLayer, { dY: { buffer: dlogits }, W: p('out.weight'), dX: { buffer: dh } }),
    rows('tanhGrad', { rows: rowsU, cols: W, B }, buf.targetLengths, ht, dh),
    ...weightGrads(ctx, 'readout.combine', combine, { dY: { buffer: dh }, X: { buffer: x }, dW: g('combine.weight'), db: g('combine.bias') }),
    inputGrad(ctx, 'readout.combine', combine, { dY: { buffer: dh }, W: p('combine.weight'), dX: { buffer: dx } }),
    build.perRow('scoreGrad', scoreGradCode, rowsU, [buf.sourceLengths, buf.targetLengths, alignment, e0, dx], [dScore], {}),
    // ∂L/∂s: the combine layer's share (the right half of dx), then the score's.
    rows('copyRows', { rows: rowsU, cols: W, B, srcOff: W, srcStride: 2 * W }, buf.targetLengths, dx, buf.dStates),
    // ∂L/∂e: the context's share Σ_u α_uj dc_u, then the score's.
    pair('toKey', { rows: rowsS, cols: W, qStride: 2 * W }, { w: alignment, query: dx, keys: e0, out: buf.dMemory }),
  ];
  const result = { memory: mem.dispatches, forward, backward, logits, alignment, prepared: mem.prepared };
  if (attention === 'dot') {
    backward.push(
      pair('toQuery', { rows: rowsU, cols: W, accumulate: true }, { w: dScore, query: s0, keys: e0, out: buf.dStates }),
      pair('toKey', { rows: rowsS, cols: W, accumulate: true }, { w: dScore, query: s0, keys: e0, out: buf.dMemory }),
    );
    return result;
  }
  // 'general' and 'additive' score through keys k = W_k e: ∂L/∂k, then ∂L/∂W_k = ∂L/∂kᵀ e and ∂L/∂e += ∂L/∂k W_k.
  const dKeys = scratch('dKeys', rowsS * A);
  if (attention === 'general')
    backward.push(
      pair('toQuery', { rows: rowsU, cols: W, accumulate: true }, { w: dScore, query: s0, keys, out: buf.dStates }),
      pair('toKey', { rows: rowsS, cols: W }, { w: dScore, query: s0, keys, out: dKeys }),
    );
  else {
    // q = W_q s: ∂L/∂q, then ∂L/∂W_q = ∂L/∂qᵀ s and ∂L/∂s += ∂L/∂q W_q; ∂L/∂v = Σ_rows dvPart.
    const dQueries = scratch('dQueries', rowsU * A);
    const dvPart = scratch('dvPart', rowsS * A);
    backward.push(
      pair('toQuery', { rows: rowsU, cols: A, additive }, { w: dScore, query: queries, keys, out: dQueries }),
      gemm(ctx, 'readout.queryWeightGrad', { M: A, N: W, K: rowsU, transA: true, a: { buffer: dQueries }, b: { buffer: s0 }, c: g('attention.query.weight') }),
      gemm(ctx, 'readout.queryInputGrad', {
        M: rowsU,
        N: W,
        K: A,
        accumulate: true,
        a: { buffer: dQueries },
        b: p('attention.query.weight'),
        c: { buffer: buf.dStates },
      }),
      pair('toKey', { rows: rowsS, cols: A, additive }, { w: dScore, query: queries, keys, out: dKeys, dvPart }),
      sumRows(ctx, 'readout.vGrad', { rows: rowsS, cols: A }, { buffer: dvPart }, g('attention.v.weight')),
    );
  }
  backward.push(
    gemm(ctx, 'readout.keyWeightGrad', { M: A, N: W, K: rowsS, transA: true, a: { buffer: dKeys }, b: { buffer: e0 }, c: g(keyWeight) }),
    gemm(ctx, 'readout.keyInputGrad', { M: rowsS, N: W, K: A, accumulate: true, a: { buffer: dKeys }, b: p(keyWeight), c: { buffer: buf.dMemory } }),
  );
  return result;
}

/**
 * The logits of one decoder step's B rows [B, V] from its top states `states` [B, W] (every row
 * computed: the caller reads the real ones), over the memory `prepared` by a readoutKernels' `memory`
 * dispatches: what a decoder that feeds back its own predictions decides its next inputs from.
 */
export function stepLogits(
  ctx: GpuContext,
  shape: Omit<ReadoutShape, 'U'>,
  buf: { params: GPUBuffer; offset: (name: string) => number; states: GPUBuffer; sourceLengths: GPUBuffer; prepared: PreparedMemory | null },
): { forward: Dispatch[]; logits: GPUBuffer } {
  const { B, V } = shape;
  const build = new ReadoutBuilder(ctx, { ...shape, U: 1 }, buf.params, buf.offset, 'readout.step');
  // One step's rows are all real here (row b: 0 < lengths[b] = 1).
  const ones = ctx.storage('readout.step.lengths', B * 4);
  ctx.device.queue.writeBuffer(ones, 0, new Uint32Array(B).fill(1));
  const fwd = build.rowsForward(B, { buffer: buf.states }, ones, buf.sourceLengths, buf.prepared);
  const logits = build.scratch('logits', B * V);
  return { forward: [...fwd.dispatches, build.logits(B, fwd.X, logits)], logits };
}
