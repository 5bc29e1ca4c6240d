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
  /** Logits, per-row loss and dlogits, the mean loss into metrics[0]. */
  forward: Dispatch[];
  /** The readout's parameter gradients, dStates and dMemory. */
  backward: Dispatch[];
  /** [U·B, V]. */
  logits: GPUBuffer;
  /** α [U·B, S], 0 at padded source steps and on padded rows; null for attention 'none'. */
  alignment: GPUBuffer | null;
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

/**
 * The readout's dispatches for one batch shape, on the caller's buffers and its own scratch (made with
 * ctx.storage: build inside ctx.owning to free them together). Encode `forward` after the decoder's
 * forward and `backward` before the decoder's and encoder's backward (they read dStates, dMemory).
 */
export function readoutKernels(ctx: GpuContext, shape: ReadoutShape, buf: ReadoutBuffers): ReadoutKernels {
  const { S, U, B, W, V, attention } = shape;
  const A = attention === 'additive' ? shape.A : W; // the width of a query and a key
  if (!A) throw new Error("readoutKernels: attention 'additive' needs A, the score's hidden width");
  const [rowsU, rowsS] = [U * B, S * B];
  const p = (name: string): Operand => ({ buffer: buf.params, offset: buf.offset(name) });
  const g = (name: string): Operand => ({ buffer: buf.grads, offset: buf.offset(name) });
  const scratch = (name: string, floats: number) => ctx.storage(`readout.${name}`, floats * f32);
  const rows = (entry: RowsEntry, s: RowsSpec, lengths: GPUBuffer, src: GPUBuffer, dst: GPUBuffer) => rowsKernel(ctx, entry, s, lengths, src, dst);

  // s with padded rows 0: what the GEMMs read.
  const s0 = scratch('states', rowsU * W);
  const logits = scratch('logits', rowsU * V);
  const dlogits = scratch('dlogits', rowsU * V);
  const lossRows = scratch('rowLoss', rowsU);
  const maskStates = rows('copyRows', { rows: rowsU, cols: W, B, srcOff: buf.states.offset }, buf.targetLengths, buf.states.buffer, s0);
  const outLayer = { rows: rowsU, inputs: W, outputs: V };
  /** logits = W_o X + b_o, the loss and dlogits, the mean loss; backward: ∂L/∂W_o, ∂L/∂b_o. */
  const output = (X: GPUBuffer): [Dispatch[], Dispatch[]] => {
    const forward = [
      gemm(ctx, 'readout.outForward', { M: rowsU, N: V, K: W, transB: true, a: { buffer: X }, b: p('out.weight'), bias: p('out.bias'), c: { buffer: logits } }),
      rowLoss(
        ctx,
        { kind: 'ce', rows: rowsU, O: V, B },
        { outputs: logits, targets: buf.targets, rowLoss: lossRows, dOutputs: dlogits, lengths: buf.targetLengths, batchInfo: buf.batchInfo },
      ),
      sumRows(ctx, 'readout.meanLoss', { rows: rowsU, cols: 1 }, { buffer: lossRows }, { buffer: buf.metrics }),
    ];
    const backward = weightGrads(ctx, 'readout.out', outLayer, { dY: { buffer: dlogits }, X: { buffer: X }, dW: g('out.weight'), db: g('out.bias') });
    return [forward, backward];
  };

  if (attention === 'none') {
    // logits = W_o s + b_o: ∂L/∂s = dlogits W_o, and nothing reaches the memory.
    const [outForward, outBackward] = output(s0);
    return {
      forward: [maskStates, ...outForward],
      backward: [
        ...outBackward,
        inputGrad(ctx, 'readout.out', outLayer, { dY: { buffer: dlogits }, W: p('out.weight'), dX: { buffer: buf.dStates } }),
        rows('zeroRows', { rows: rowsS, cols: W, B }, buf.sourceLengths, buf.sourceLengths, buf.dMemory),
      ],
      logits,
      alignment: null,
    };
  }

  const additive = attention === 'additive';
  const keyWeight = attention === 'general' ? 'attention.weight' : 'attention.key.weight';
  const vOff = additive ? buf.offset('attention.v.weight') : 0;
  const e0 = scratch('memory', rowsS * W);
  // k: e itself ('dot'), W_a e ('general') or W_k e ('additive'), [S·B, A]; q: s, or W_q s ('additive').
  const keys = attention === 'dot' ? e0 : scratch('keys', rowsS * A);
  const queries = additive ? scratch('queries', rowsU * A) : s0;
  const alignment = scratch('alignment', rowsU * S);
  const x = scratch('x', rowsU * 2 * W); // [c; s]
  const ht = scratch('htilde', rowsU * W);
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
  /** A kernel with one workgroup per decoder row, reading `reads` and writing `writes` (bound in that order). */
  const perRow = (label: string, code: string, reads: GPUBuffer[], writes: GPUBuffer[], constants: Record<string, number | boolean>): Dispatch =>
    prepare(ctx, {
      label: `readout.${label}`,
      code,
      constants: { S, B, W, ...constants },
      bindings: [...reads.map(() => 'read' as const), ...writes.map(() => 'rw' as const)],
      buffers: [...reads, ...writes],
      grid: [rowsU],
    });
  const project = (M: number, weight: string, X: GPUBuffer, Y: GPUBuffer) =>
    gemm(ctx, `readout.${weight}`, { M, N: A, K: W, transB: true, a: { buffer: X }, b: p(weight), c: { buffer: Y } });
  const [outForward, outBackward] = output(ht);
  const combine = { rows: rowsU, inputs: 2 * W, outputs: W };
  const forward = [
    rows('copyRows', { rows: rowsS, cols: W, B, srcOff: buf.memory.offset }, buf.sourceLengths, buf.memory.buffer, e0),
    maskStates,
    ...(attention === 'dot' ? [] : [project(rowsS, keyWeight, e0, keys)]),
    ...(additive ? [project(rowsU, 'attention.query.weight', s0, queries)] : []),
    perRow('attend', attentionCode, [buf.sourceLengths, buf.targetLengths, queries, keys, buf.params, e0], [alignment, x], {
      K: A,
      ADDITIVE: additive,
      V_OFF: vOff,
    }),
    rows('copyRows', { rows: rowsU, cols: W, B, dstOff: W, dstStride: 2 * W }, buf.targetLengths, s0, x),
    // h̃ = tanh(W_c [c; s] + b_c): the GEMM into ht, tanh in place (padded rows 0).
    gemm(ctx, 'readout.combine', {
      M: rowsU,
      N: W,
      K: 2 * W,
      transB: true,
      a: { buffer: x },
      b: p('combine.weight'),
      bias: p('combine.bias'),
      c: { buffer: ht },
    }),
    rows('tanhRows', { rows: rowsU, cols: W, B }, buf.targetLengths, buf.targetLengths, ht),
    ...outForward,
  ];

  const backward = [
    ...outBackward,
    inputGrad(ctx, 'readout.out', outLayer, { dY: { buffer: dlogits }, W: p('out.weight'), dX: { buffer: dh } }),
    rows('tanhGrad', { rows: rowsU, cols: W, B }, buf.targetLengths, ht, dh),
    ...weightGrads(ctx, 'readout.combine', combine, { dY: { buffer: dh }, X: { buffer: x }, dW: g('combine.weight'), db: g('combine.bias') }),
    inputGrad(ctx, 'readout.combine', combine, { dY: { buffer: dh }, W: p('combine.weight'), dX: { buffer: dx } }),
    perRow('scoreGrad', scoreGradCode, [buf.sourceLengths, buf.targetLengths, alignment, e0, dx], [dScore], {}),
    // ∂L/∂s: the combine layer's share (the right half of dx), then the score's.
    rows('copyRows', { rows: rowsU, cols: W, B, srcOff: W, srcStride: 2 * W }, buf.targetLengths, dx, buf.dStates),
    // ∂L/∂e: the context's share Σ_u α_uj dc_u, then the score's.
    pair('toKey', { rows: rowsS, cols: W, qStride: 2 * W }, { w: alignment, query: dx, keys: e0, out: buf.dMemory }),
  ];
  if (attention === 'dot') {
    backward.push(
      pair('toQuery', { rows: rowsU, cols: W, accumulate: true }, { w: dScore, query: s0, keys: e0, out: buf.dStates }),
      pair('toKey', { rows: rowsS, cols: W, accumulate: true }, { w: dScore, query: s0, keys: e0, out: buf.dMemory }),
    );
    return { forward, backward, logits, alignment };
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
  return { forward, backward, logits, alignment };
}
