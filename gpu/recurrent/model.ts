// A stacked recurrent network (Elman RNN, GRU or LSTM, optionally bidirectional) + linear head on the
// GPU: every buffer and every prepared dispatch of a training step, built once for a fixed (T, B).
// Encoding a step allocates nothing. Activations are time-major (row r = t*B + b).
//
// The layers are a RecurrentStack (stack.ts: projections, step kernels, weight gradients, joining
// directions). Head: logits GEMM on the top layer's outputs (or, for a sequence loss, on each
// sequence's final states), softmax cross-entropy or squared error, mean loss; then the head's
// gradients and dL/dh of the top layer, from which the stack's backward runs.

import { METRICS } from '../training/metrics.ts';
import type { GpuContext } from '../core/context.ts';
import { outputWidth, perSequenceLoss, type ModelConfig } from './config.ts';
import { paramLayout } from './params.ts';
import { type ParamLayout } from '../core/paramLayout.ts';
import { encode, type Dispatch } from '../core/dispatch.ts';
import { gemm } from '../kernels/gemm.ts';
import { inputGrad, weightGrads } from '../kernels/linear.ts';
import { defaultStepKernels, type StepKernels } from './stepVariants.ts';
import { rowLoss } from './rowLoss.ts';
import { gatherFinalState, scatterFinalGrad } from './finalState.ts';
import { sumRows } from '../kernels/sumRows.ts';
import type { Batch } from '../data/batch.ts';
import { RecurrentStack, type InitialState, type Layer } from './stack.ts';

export type { InitialState } from './stack.ts';

/** A copy of [rows, width] data with the rows that `keep` rejects zeroed. */
function maskRows(data: Float32Array, width: number, keep: (r: number) => boolean): Float32Array {
  const out = data.slice();
  for (let r = 0; r < data.length / width; r++) if (!keep(r)) out.fill(0, r * width, (r + 1) * width);
  return out;
}

export interface ModelBuffers {
  params: GPUBuffer;
  grads: GPUBuffer;
  /** u32 classes per step ('ce') or sequence ('class'); f32 vectors per step ('mse') or sequence ('regress'). */
  targets: GPUBuffer;
  /** Real steps per sequence, [B] (the stack's). */
  lengths: GPUBuffer;
  /** Uniform { lossScale }: 1 / the loss mean's denominator, written with each batch. */
  batchInfo: GPUBuffer;
  /** Head outputs: [T*B, O] per step, [B, O] for sequence classification. */
  logits: GPUBuffer;
  dlogits: GPUBuffer;
  rowLoss: GPUBuffer;
  /** Sequence classification: each sequence's final top-layer states and their gradient, [B, D*H]. */
  hFinal: GPUBuffer | null;
  dFinal: GPUBuffer | null;
  /** The last step's [mean loss, gradient norm, skipped (0/1), optimizer step]: what a step reports. */
  metrics: GPUBuffer;
}

export class RecurrentGpu {
  readonly layout: ParamLayout;
  readonly buffers: ModelBuffers;
  readonly stack: RecurrentStack;
  /** Head + loss (logits, per-row loss and dlogits, mean loss), then the head's backward. */
  private headForward: Dispatch[];
  private headBackward: Dispatch[];

  /** The kernels of every layer's steps: given (a tuner's choice, a run's record) or the adapter's default. */
  readonly kernels: StepKernels;

  constructor(
    private ctx: GpuContext,
    readonly cfg: ModelConfig,
    readonly T: number,
    readonly B: number,
    kernels?: StepKernels,
  ) {
    this.kernels = kernels ?? defaultStepKernels(ctx.adapter, { cell: cfg.cell, T, B, H: cfg.hidden });
    const layout = (this.layout = paramLayout(cfg));
    const O = cfg.output;
    const f32 = 4;
    const perSequence = perSequenceLoss(cfg);
    const headRows = perSequence ? B : T * B;
    const params = ctx.storage('params', layout.total * f32);
    const grads = ctx.storage('grads', layout.total * f32);
    this.stack = new RecurrentStack(ctx, cfg, T, B, this.kernels, {
      params,
      grads,
      offset: (name) => layout.byName.get(name)!.offset,
      finalStateLoss: perSequence,
    });
    this.buffers = {
      params,
      grads,
      targets: ctx.storage('targets', cfg.loss === 'mse' || cfg.loss === 'regress' ? headRows * O * f32 : headRows * 4),
      lengths: this.stack.lengths,
      batchInfo: ctx.createBuffer('batchInfo', 16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
      logits: ctx.storage('logits', headRows * O * f32),
      dlogits: ctx.storage('dlogits', headRows * O * f32),
      rowLoss: ctx.storage('rowLoss', headRows * f32),
      hFinal: perSequence ? ctx.storage('hFinal', B * outputWidth(cfg) * f32) : null,
      dFinal: perSequence ? ctx.storage('dFinal', B * outputWidth(cfg) * f32) : null,
      metrics: ctx.storage('metrics', METRICS * 4),
    };
    [this.headForward, this.headBackward] = this.buildHead();
  }

  /** Per layer and direction, index l*D + d (the stack's). */
  get layers(): Layer[] {
    return this.stack.layers;
  }

  /**
   * The head on the top layer's states: every step's (h_1..h_T) for per-step losses, each sequence's
   * final state for sequence classification. Then its loss, its gradients, and dL/dh of the top layer.
   */
  private buildHead(): [Dispatch[], Dispatch[]] {
    const { ctx, cfg, T, B, buffers: b } = this;
    const top = this.stack.directionsOf(cfg.layers - 1);
    const H = cfg.hidden;
    const W = outputWidth(cfg);
    const O = cfg.output;
    const off = (name: string) => this.layout.byName.get(name)!.offset;
    const perSequence = perSequenceLoss(cfg);
    const rows = perSequence ? B : T * B;
    const hIn = perSequence ? { buffer: b.hFinal! } : this.stack.top.out;
    const dIn = perSequence ? b.dFinal! : this.stack.top.dOut;
    // A sequence loss reads each direction's final state into its half of hFinal (directions in their own order).
    const final = (d: number) => ({ B, H, width: W, offset: d * H });
    const forward = [
      ...(perSequence ? top.map((lb, d) => gatherFinalState(ctx, final(d), b.lengths, lb.hs, b.hFinal!)) : []),
      gemm(ctx, 'headForward', {
        M: rows,
        N: O,
        K: W,
        transB: true,
        a: hIn,
        b: { buffer: b.params, offset: off('head.weight') },
        bias: { buffer: b.params, offset: off('head.bias') },
        c: { buffer: b.logits },
      }),
      rowLoss(
        ctx,
        { kind: cfg.loss, rows, O, B },
        {
          outputs: b.logits,
          targets: b.targets,
          rowLoss: b.rowLoss,
          dOutputs: b.dlogits,
          lengths: b.lengths,
          batchInfo: b.batchInfo,
        },
      ),
      sumRows(ctx, 'meanLoss', { rows, cols: 1 }, { buffer: b.rowLoss }, { buffer: b.metrics }),
    ];
    const head = { rows, inputs: W, outputs: O };
    const dY = { buffer: b.dlogits };
    const backward = [
      ...weightGrads(ctx, 'head', head, { dY, X: hIn, dW: { buffer: b.grads, offset: off('head.weight') }, db: { buffer: b.grads, offset: off('head.bias') } }),
      inputGrad(ctx, 'head', head, { dY, W: { buffer: b.params, offset: off('head.weight') }, dX: { buffer: dIn } }),
      ...(perSequence ? top.map((lb, d) => scatterFinalGrad(ctx, { T, ...final(d) }, b.lengths, b.dFinal!, lb.dh)) : []),
    ];
    return [forward, backward];
  }

  /**
   * Writes a batch (and the initial states, zero unless given) into the input buffers: queue writes,
   * ordered before the next submit. Inputs and targets at steps past a sequence's length are
   * replaced by zeros here, so what the batch holds there is never read.
   */
  upload(batch: Batch, init: InitialState | 'carry' = {}): void {
    const { cfg, T, B } = this;
    if (batch.T !== T || batch.B !== B) throw new Error(`batch is ${batch.T}x${batch.B} (T x B), the model was built for ${T}x${B}`);
    const q = this.ctx.device.queue;
    const O = cfg.output;
    const lengths = batch.lengths ?? new Uint32Array(B).fill(T);
    // 0 happens in a truncated-BPTT chunk after a sequence's end: the chunk only carries its state.
    lengths.forEach((n, b) => {
      if (!(n >= 0 && n <= T)) throw new Error(`lengths[${b}] is ${n}; it must be between 0 and ${T}`);
    });
    const real = (r: number) => Math.floor(r / B) < lengths[r % B];
    const steps = lengths.reduce((a, n) => a + n, 0);
    const perSequence = perSequenceLoss(cfg);
    const squared = cfg.loss === 'mse' || cfg.loss === 'regress';
    const meanOver = (perSequence ? B : steps) * (squared ? O : 1);
    q.writeBuffer(this.buffers.batchInfo, 0, new Float32Array([meanOver > 0 ? 1 / meanOver : 0]));

    if (squared) {
      const y = batch.targetValues;
      const n = (perSequence ? B : T * B) * O;
      if (!y || y.length !== n) throw new Error(`loss "${cfg.loss}" needs targetValues of ${n} numbers`);
      q.writeBuffer(this.buffers.targets, 0, perSequence ? y : maskRows(y, O, real));
    } else {
      const y = batch.targets;
      const n = cfg.loss === 'class' ? B : T * B;
      if (!y || y.length !== n) throw new Error(`loss "${cfg.loss}" needs ${n} targets`);
      const clean = cfg.loss === 'class' ? y : y.map((v, r) => (real(r) ? v : 0));
      clean.forEach((v, r) => {
        if (v >= O) throw new Error(`target ${v} (row ${r}) is outside the output size ${O}`);
      });
      q.writeBuffer(this.buffers.targets, 0, clean);
    }
    if (cfg.input.kind === 'tokens') {
      const V = cfg.input.vocab;
      if (!batch.tokens) throw new Error('this model takes token inputs');
      const tokens = batch.tokens.map((v, r) => (real(r) ? v : 0));
      tokens.forEach((v, r) => {
        if (v >= V) throw new Error(`token ${v} (row ${r}) is outside the vocabulary of ${V}`);
      });
      this.stack.upload(lengths, { tokens }, init);
    } else {
      if (!batch.inputs) throw new Error('this model takes real-valued inputs');
      this.stack.upload(lengths, { inputs: maskRows(batch.inputs, cfg.input.features, real) }, init);
    }
  }

  /** Truncated BPTT: each layer's final states become the next batch's initial states, on the GPU. */
  encodeCarryState(encoder: GPUCommandEncoder): void {
    this.stack.encodeCarryState(encoder);
  }

  encodeForward(pass: GPUComputePassEncoder): void {
    this.stack.encodeForward(pass);
  }

  /** Head, loss and dlogits in one pass, the head's gradients, and dL/dh of the top layer. */
  encodeHead(pass: GPUComputePassEncoder): void {
    for (const d of this.headForward) encode(pass, d);
    for (const d of this.headBackward) encode(pass, d);
  }

  encodeBackward(pass: GPUComputePassEncoder): void {
    this.stack.encodeBackward(pass);
  }

  /** A layer's forward or backward steps with dispatch `d` (the tuner times candidates with it). */
  encodeSteps(pass: GPUComputePassEncoder, d: Dispatch, reverse: boolean, sequence = false): void {
    this.stack.encodeSteps(pass, d, reverse, sequence);
  }

  /**
   * The gradient pass split into its phases, in order (encoding them all = encodeGradientPass), for
   * bench/profileStep.ts: each can be submitted alone to time it.
   */
  phases(): { name: string; encode: (pass: GPUComputePassEncoder) => void; dispatches?: Dispatch[] }[] {
    const each = (name: string, ds: Dispatch[]) => ({ name, dispatches: ds, encode: (pass: GPUComputePassEncoder) => ds.forEach((d) => encode(pass, d)) });
    const s = this.stack.phases();
    return [
      each('projection', s.projection),
      { name: 'forward steps', encode: s.forwardSteps },
      each('head + loss', this.headForward),
      each('head backward', this.headBackward),
      { name: 'backward steps', encode: s.backwardSteps },
      each('weight gradients', s.weightGradients),
      ...(s.joining.length ? [each('joining directions', s.joining)] : []),
    ];
  }

  /** A bidirectional layer's output [T*B, 2H] ([forward; reverse] in step order); null for a unidirectional model (its layer l's output is hs of layers[l] from block 1). */
  jointOutput(l: number): GPUBuffer | null {
    return this.stack.joints[l]?.out ?? null;
  }

  /** Dispatches per training step, optimizer excluded. */
  get dispatchCount(): number {
    return this.headForward.length + this.headBackward.length + this.stack.dispatchCount;
  }
}
