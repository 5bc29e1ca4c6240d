// A stacked recurrent network (Elman RNN, GRU or LSTM) + linear head on the GPU: every buffer and
// every prepared dispatch of a training step, built once for a fixed (T, B). Encoding a step
// allocates nothing. Activations are time-major (row r = t*B + b).
//
// Forward, per layer: the input projection of all steps (a GEMM; for token inputs none: the step
// kernels gather W_ih's columns themselves), then one step dispatch per time step (or, for small
// layers, one dispatch for all of them), with the kernels stepVariants.ts chooses. Head: logits GEMM, softmax
// cross-entropy, mean loss.
// Backward: the head's gradients and dL/dh of the top layer; per layer from the top, one step
// dispatch per time step from T-1 down to 0, the weight gradients over all steps (GEMMs and
// fixed-order sums), and dL/dh of the layer below (a GEMM through W_ih).

import { METRICS } from '../training/metrics.ts';
import type { GpuContext } from '../core/context.ts';
import { GATES, perSequenceLoss, type ModelConfig } from './config.ts';
import { paramLayout } from './params.ts';
import { type ParamLayout } from '../core/paramLayout.ts';
import { encode, type Dispatch } from '../core/dispatch.ts';
import { gemm } from '../kernels/gemm.ts';
import { inputGrad, weightGrads } from '../kernels/linear.ts';
import { backwardKernel, forwardKernel, type LayerBuffers, type StepShape } from './stepKernels.ts';
import { defaultStepKernels, type StepKernels } from './stepVariants.ts';
import { tokenWeightGrad } from './tokenWeightGrad.ts';
import { rowLoss } from './rowLoss.ts';
import { gatherFinalState, scatterFinalGrad } from './finalState.ts';
import { sumRows } from '../kernels/sumRows.ts';
import { groupRowsByToken, type Batch } from '../data/batch.ts';

/** Initial hidden (and LSTM cell) states of every layer, [L*B*H] layer-major. */
export interface InitialState {
  h0?: Float32Array;
  c0?: Float32Array;
}

/** A copy of [rows, width] data with the rows that `keep` rejects zeroed. */
function maskRows(data: Float32Array, width: number, keep: (r: number) => boolean): Float32Array {
  const out = data.slice();
  for (let r = 0; r < data.length / width; r++) if (!keep(r)) out.fill(0, r * width, (r + 1) * width);
  return out;
}

const STEP_STRIDE = 256; // the largest minUniformBufferOffsetAlignment WebGPU allows

export interface ModelBuffers {
  params: GPUBuffer;
  grads: GPUBuffer;
  tokens: GPUBuffer | null;
  inputs: GPUBuffer | null;
  /** u32 classes per step ('ce') or sequence ('class'); f32 vectors per step ('mse') or sequence ('regress'). */
  targets: GPUBuffer;
  tokOffsets: GPUBuffer | null;
  tokRows: GPUBuffer | null;
  /** Real steps per sequence, [B]. */
  lengths: GPUBuffer;
  /** Uniform { lossScale }: 1 / the loss mean's denominator, written with each batch. */
  batchInfo: GPUBuffer;
  /** Head outputs: [T*B, O] per step, [B, O] for sequence classification. */
  logits: GPUBuffer;
  dlogits: GPUBuffer;
  rowLoss: GPUBuffer;
  /** Sequence classification: each sequence's final top-layer state and its gradient, [B, H]. */
  hFinal: GPUBuffer | null;
  dFinal: GPUBuffer | null;
  /** The last step's [mean loss, gradient norm, skipped (0/1), optimizer step]: what a step reports. */
  metrics: GPUBuffer;
}

interface Layer {
  buffers: LayerBuffers;
  /** What its step kernels are built for (the tuner builds candidates from it). */
  shape: StepShape;
  /** The input projection; null for token inputs (gathered in the forward steps). */
  project: Dispatch | null;
  /** One dispatch per time step, or (`sequence`) one for all of them; the same for `backward`. */
  forward: Dispatch;
  sequence: boolean;
  backward: Dispatch;
  backwardSequence: boolean;
  /** Weight and bias gradients over all steps, then (above layer 0) dL/dh of the layer below. */
  grads: Dispatch[];
}

export class RecurrentGpu {
  readonly layout: ParamLayout;
  readonly buffers: ModelBuffers;
  readonly layers: Layer[];
  private stepBindGroup: GPUBindGroup;
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
    if (cfg.bidirectional) throw new Error('bidirectional models are not on the GPU yet');
    this.kernels = kernels ?? defaultStepKernels(ctx.adapter, { cell: cfg.cell, T, B, H: cfg.hidden });
    const layout = (this.layout = paramLayout(cfg));
    const H = cfg.hidden;
    const O = cfg.output;
    const rows = T * B;
    const f32 = 4;
    const tokensIn = cfg.input.kind === 'tokens';
    const F = cfg.input.kind === 'tokens' ? cfg.input.vocab : cfg.input.features;
    const perSequence = perSequenceLoss(cfg);
    const headRows = perSequence ? B : rows;
    const b = (this.buffers = {
      params: ctx.storage('params', layout.total * f32),
      grads: ctx.storage('grads', layout.total * f32),
      tokens: tokensIn ? ctx.storage('tokens', rows * 4) : null,
      inputs: tokensIn ? null : ctx.storage('inputs', rows * F * f32),
      targets: ctx.storage('targets', cfg.loss === 'mse' || cfg.loss === 'regress' ? headRows * O * f32 : headRows * 4),
      tokOffsets: tokensIn ? ctx.storage('tokOffsets', (F + 1) * 4) : null,
      tokRows: tokensIn ? ctx.storage('tokRows', rows * 4) : null,
      lengths: ctx.storage('lengths', B * 4),
      batchInfo: ctx.createBuffer('batchInfo', 16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
      logits: ctx.storage('logits', headRows * O * f32),
      dlogits: ctx.storage('dlogits', headRows * O * f32),
      rowLoss: ctx.storage('rowLoss', headRows * f32),
      hFinal: perSequence ? ctx.storage('hFinal', B * H * f32) : null,
      dFinal: perSequence ? ctx.storage('dFinal', B * H * f32) : null,
      metrics: ctx.storage('metrics', METRICS * 4),
    });

    const steps = new Uint32Array((T * STEP_STRIDE) / 4);
    for (let t = 0; t < T; t++) steps[(t * STEP_STRIDE) / 4] = t;
    this.stepBindGroup = ctx.device.createBindGroup({
      label: 'steps',
      layout: ctx.cache.stepLayout,
      entries: [{ binding: 0, resource: { buffer: ctx.uniform('steps', steps.buffer), size: 16 } }],
    });

    this.carry = ctx.storage('carry', B * H * f32);
    const layerBuffers = Array.from({ length: cfg.layers }, (_, l) => this.layerBuffers(l, l === 0 ? b.tokens : null));
    this.layers = layerBuffers.map((lb, l) => this.layer(l, lb, l > 0 ? layerBuffers[l - 1] : null, F));

    [this.headForward, this.headBackward] = this.buildHead(layerBuffers[cfg.layers - 1]);
  }

  /**
   * The head on the top layer's states: every step's (h_1..h_T) for per-step losses, each sequence's
   * final state for sequence classification. Then its loss, its gradients, and dL/dh of the top layer.
   */
  private buildHead(top: LayerBuffers): [Dispatch[], Dispatch[]] {
    const { ctx, cfg, T, B, buffers: b } = this;
    const H = cfg.hidden;
    const O = cfg.output;
    const off = (name: string) => this.layout.byName.get(name)!.offset;
    const perSequence = perSequenceLoss(cfg);
    const rows = perSequence ? B : T * B;
    const hIn = perSequence ? { buffer: b.hFinal! } : { buffer: top.hs, offset: B * H };
    const dIn = perSequence ? b.dFinal! : top.dh;
    const forward = [
      ...(perSequence ? [gatherFinalState(ctx, { B, H }, b.lengths, top.hs, b.hFinal!)] : []),
      gemm(ctx, 'headForward', {
        M: rows,
        N: O,
        K: H,
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
    const head = { rows, inputs: H, outputs: O };
    const dY = { buffer: b.dlogits };
    const backward = [
      ...weightGrads(ctx, 'head', head, { dY, X: hIn, dW: { buffer: b.grads, offset: off('head.weight') }, db: { buffer: b.grads, offset: off('head.bias') } }),
      inputGrad(ctx, 'head', head, { dY, W: { buffer: b.params, offset: off('head.weight') }, dX: { buffer: dIn } }),
      ...(perSequence ? [scatterFinalGrad(ctx, { T, B, H }, b.lengths, b.dFinal!, top.dh)] : []),
    ];
    return [forward, backward];
  }

  /** `tokens`: layer 0 of a token model, whose steps read the ids instead of a projection. */
  private layerBuffers(l: number, tokens: GPUBuffer | null): LayerBuffers {
    const { ctx, cfg, T, B } = this;
    const H = cfg.hidden;
    const GH = GATES[cfg.cell] * H;
    const rows = T * B;
    const f32 = 4;
    const name = (s: string) => `${s}_l${l}`;
    const dh = ctx.storage(name('dh'), rows * H * f32);
    const dA = cfg.cell === 'rnn' ? dh : ctx.storage(name('dA'), rows * GH * f32); // Elman: δ overwrites dh in place
    return {
      proj: tokens ?? ctx.storage(name('proj'), rows * GH * f32),
      hs: ctx.storage(name('hs'), (rows + B) * H * f32),
      cs: cfg.cell === 'lstm' ? ctx.storage(name('cs'), (rows + B) * H * f32) : null,
      gates: cfg.cell === 'rnn' ? null : ctx.storage(name('gates'), rows * GH * f32),
      hn: cfg.cell === 'gru' ? ctx.storage(name('hn'), rows * H * f32) : null,
      dh,
      dA,
      dAhh: cfg.cell === 'gru' ? ctx.storage(name('dAhh'), rows * GH * f32) : dA,
      dc: cfg.cell === 'lstm' ? ctx.storage(name('dc'), rows * H * f32) : null,
    };
  }

  private layer(l: number, lb: LayerBuffers, below: LayerBuffers | null, F: number): Layer {
    const { ctx, cfg, T, B } = this;
    const b = this.buffers;
    const H = cfg.hidden;
    const GH = GATES[cfg.cell] * H;
    const rows = T * B;
    const off = (name: string) => this.layout.byName.get(`rnn.${name}_l${l}`)!.offset;
    const params = { buffer: b.params };
    const grads = (name: string) => ({ buffer: b.grads, offset: off(name) });
    // The layer's input: tokens, real vectors, or h_1..h_T of the layer below.
    const input = below ? { buffer: below.hs, offset: B * H } : b.inputs ? { buffer: b.inputs } : null;
    const inSize = below ? H : F;
    const shape: StepShape = {
      cell: cfg.cell,
      T,
      B,
      H,
      relu: cfg.nonlinearity === 'relu',
      whh: off('weight_hh'),
      bhh: off('bias_hh'),
      tokens: input ? undefined : { V: F, wih: off('weight_ih'), bih: off('bias_ih') },
    };

    const project = input
      ? gemm(ctx, `project_l${l}`, {
          M: rows,
          N: GH,
          K: inSize,
          transB: true,
          a: input,
          b: { ...params, offset: off('weight_ih') },
          bias: { ...params, offset: off('bias_ih') },
          c: { buffer: lb.proj },
        })
      : null;

    const gradDispatches = [
      gemm(ctx, `hiddenWeightGrad_l${l}`, {
        M: GH,
        N: H,
        K: rows,
        transA: true,
        a: { buffer: lb.dAhh },
        b: { buffer: lb.hs },
        c: grads('weight_hh'), // h_0..h_{T-1}
      }),
      // b_hh and b_ih get the same gradient but for the GRU's n gate: one sum where they agree.
      ...(lb.dAhh === lb.dA
        ? [sumRows(ctx, `biasGrad_l${l}`, { rows, cols: GH }, { buffer: lb.dA }, grads('bias_hh'), grads('bias_ih'))]
        : [
            sumRows(ctx, `hiddenBiasGrad_l${l}`, { rows, cols: GH }, { buffer: lb.dAhh }, grads('bias_hh')),
            sumRows(ctx, `inputBiasGrad_l${l}`, { rows, cols: GH }, { buffer: lb.dA }, grads('bias_ih')),
          ]),
      input
        ? gemm(ctx, `inputWeightGrad_l${l}`, { M: GH, N: inSize, K: rows, transA: true, a: { buffer: lb.dA }, b: input, c: grads('weight_ih') })
        : tokenWeightGrad(ctx, { H: GH, V: F, dwih: off('weight_ih') }, lb.dA, b.tokOffsets!, b.tokRows!, b.grads),
    ];
    if (below)
      gradDispatches.push(
        gemm(ctx, `inputGrad_l${l}`, {
          M: rows,
          N: H,
          K: GH,
          a: { buffer: lb.dA },
          b: { ...params, offset: off('weight_ih') },
          c: { buffer: below.dh },
        }),
      );
    return {
      buffers: lb,
      shape,
      project,
      forward: forwardKernel(ctx, this.kernels.forward, shape, b.params, lb, b.lengths),
      sequence: this.kernels.forward.kind === 'sequence',
      backward: backwardKernel(ctx, this.kernels.backward, shape, b.params, lb),
      backwardSequence: this.kernels.backward.kind === 'sequence',
      grads: gradDispatches,
    };
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
    q.writeBuffer(this.buffers.lengths, 0, lengths);
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
      const { offsets, rows } = groupRowsByToken(tokens, V);
      q.writeBuffer(this.buffers.tokens!, 0, tokens);
      q.writeBuffer(this.buffers.tokOffsets!, 0, offsets);
      q.writeBuffer(this.buffers.tokRows!, 0, rows);
    } else {
      if (!batch.inputs) throw new Error('this model takes real-valued inputs');
      q.writeBuffer(this.buffers.inputs!, 0, maskRows(batch.inputs, cfg.input.features, real));
    }
    if (init !== 'carry') this.writeInitialState(init);
  }

  /**
   * Truncated BPTT: each layer's final states (block T of hs, cs) become the next batch's initial
   * states (block 0), on the GPU. WebGPU copies between two buffers only, hence the scratch buffer.
   */
  encodeCarryState(encoder: GPUCommandEncoder): void {
    const bytes = this.B * this.cfg.hidden * 4;
    const last = this.T * bytes;
    for (const { buffers } of this.layers)
      for (const state of [buffers.hs, buffers.cs]) {
        if (!state) continue;
        encoder.copyBufferToBuffer(state, last, this.carry, 0, bytes);
        encoder.copyBufferToBuffer(this.carry, 0, state, 0, bytes);
      }
  }

  private carry: GPUBuffer;

  /** h0 (and c0) of every layer, [L*B*H] layer-major; zeros when not given. */
  private writeInitialState({ h0, c0 }: InitialState): void {
    const { cfg, B } = this;
    const n = B * cfg.hidden;
    const zeros = (this.zeros ??= new Float32Array(n));
    if (h0 && h0.length !== cfg.layers * n) throw new Error(`h0 must hold ${cfg.layers}*${B}*${cfg.hidden} numbers`);
    if (c0 && (cfg.cell !== 'lstm' || c0.length !== cfg.layers * n))
      throw new Error(cfg.cell === 'lstm' ? `c0 must hold ${cfg.layers}*${B}*${cfg.hidden} numbers` : 'c0 is for LSTMs only');
    this.layers.forEach(({ buffers }, l) => {
      this.ctx.device.queue.writeBuffer(buffers.hs, 0, h0 ? h0.subarray(l * n, (l + 1) * n) : zeros);
      if (buffers.cs) this.ctx.device.queue.writeBuffer(buffers.cs, 0, c0 ? c0.subarray(l * n, (l + 1) * n) : zeros);
    });
  }

  private zeros: Float32Array | undefined;

  /** Per layer: its input projection (if any), then its forward steps. */
  encodeForward(pass: GPUComputePassEncoder): void {
    for (const layer of this.layers) {
      if (layer.project) encode(pass, layer.project);
      this.encodeForwardSteps(pass, layer);
    }
  }

  private encodeForwardSteps(pass: GPUComputePassEncoder, layer: Layer): void {
    this.encodeSteps(pass, layer.forward, false, layer.sequence);
  }

  /** Head, loss and dlogits in one pass, the head's gradients, and dL/dh of the top layer. */
  encodeHead(pass: GPUComputePassEncoder): void {
    for (const d of this.headForward) encode(pass, d);
    for (const d of this.headBackward) encode(pass, d);
  }

  /** From the top layer down: T backward-step dispatches (t = T-1 … 0, or one sequence dispatch), then its gradients. */
  encodeBackward(pass: GPUComputePassEncoder): void {
    for (let l = this.layers.length - 1; l >= 0; l--) {
      this.encodeSteps(pass, this.layers[l].backward, true, this.layers[l].backwardSequence);
      for (const d of this.layers[l].grads) encode(pass, d);
    }
  }

  /** A layer's forward (t = 0 … T-1) or backward (t = T-1 … 0) steps with dispatch `d`: T dispatches, or one for a sequence kernel. */
  encodeSteps(pass: GPUComputePassEncoder, d: Dispatch, reverse: boolean, sequence = false): void {
    if (sequence) return encode(pass, d);
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    for (let i = 0; i < this.T; i++) {
      const t = reverse ? this.T - 1 - i : i;
      pass.setBindGroup(1, this.stepBindGroup, [t * STEP_STRIDE]);
      pass.dispatchWorkgroups(d.grid[0], d.grid[1], d.grid[2]);
    }
  }

  /**
   * The gradient pass split into its phases, in order (encoding them all = encodeGradientPass), for
   * bench/profileStep.ts: each can be submitted alone to time it.
   */
  phases(): { name: string; encode: (pass: GPUComputePassEncoder) => void; dispatches?: Dispatch[] }[] {
    const each = (name: string, ds: Dispatch[]) => ({ name, dispatches: ds, encode: (pass: GPUComputePassEncoder) => ds.forEach((d) => encode(pass, d)) });
    const down = [...this.layers].reverse();
    return [
      each(
        'projection',
        this.layers.flatMap((l) => (l.project ? [l.project] : [])),
      ),
      { name: 'forward steps', encode: (pass) => this.layers.forEach((l) => this.encodeForwardSteps(pass, l)) },
      each('head + loss', this.headForward),
      each('head backward', this.headBackward),
      { name: 'backward steps', encode: (pass) => down.forEach((l) => this.encodeSteps(pass, l.backward, true, l.backwardSequence)) },
      each(
        'weight gradients',
        down.flatMap((l) => l.grads),
      ),
    ];
  }

  /** Dispatches per training step, optimizer excluded. */
  get dispatchCount(): number {
    return (
      this.headForward.length +
      this.headBackward.length +
      this.layers.reduce((n, l) => n + (l.project ? 1 : 0) + (l.sequence ? 1 : this.T) + (l.backwardSequence ? 1 : this.T) + l.grads.length, 0)
    );
  }
}
