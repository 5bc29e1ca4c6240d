// A stack of recurrent layers on the GPU (Elman RNN, GRU or LSTM, optionally bidirectional), without
// a head: every buffer and prepared dispatch of its forward and backward passes, built once for a
// fixed (T, B). Its owner allocates the parameters and gradients (a stack's tensors sit at offsets
// the owner names: rnn.* in a recurrent model, encoder.* / decoder.* in an encoder-decoder), reads
// its top output and writes that output's gradient. Activations are time-major (row r = t*B + b).
//
// Forward, per layer: the input projection of all steps (a GEMM; for token inputs none: the step
// kernels gather W_ih's columns themselves), then one step dispatch per time step (or, for small
// layers, one dispatch for all of them), with the kernels stepVariants.ts chooses.
// Backward, per layer from the top: one step dispatch per time step from T-1 down to 0, the weight
// gradients over all steps (GEMMs and fixed-order sums), and dL/dh of the layer below (a GEMM
// through W_ih).
// Bidirectional layers: each layer's two directions are two such stacks of dispatches, both in the
// step's one command buffer. The reverse direction runs the same kernels on its data in mirrored
// order (each sequence's real steps reversed, directions.ts), and a few copy kernels join the
// directions into the layer's [forward; reverse] output and split its gradient.

import type { GpuContext } from '../core/context.ts';
import { directions, GATES, inputSize, layerSuffix, type ModelConfig } from './config.ts';
import { encode, type Dispatch } from '../core/dispatch.ts';
import { gemm } from '../kernels/gemm.ts';
import { backwardKernel, forwardKernel, type LayerBuffers, type StepShape } from './stepKernels.ts';
import type { StepKernels } from './stepVariants.ts';
import { tokenWeightGrad } from './tokenWeightGrad.ts';
import { sumRows } from '../kernels/sumRows.ts';
import { groupRowsByToken } from '../data/batch.ts';
import { addMirrored, directionGrad, directionOutput, mirroredRow, mirrorRows } from './directions.ts';

/** Initial hidden (and LSTM cell) states of every layer and direction, [L*D*B*H], index ((l*D + d)*B + b)*H + i. */
export interface InitialState {
  h0?: Float32Array;
  c0?: Float32Array;
}

const STEP_STRIDE = 256; // the largest minUniformBufferOffsetAlignment WebGPU allows

/** Layer 0's input of one direction: token ids with their rows grouped by id (for W_ih's gradient), or real vectors. */
export interface StackInput {
  tokens: GPUBuffer | null;
  tokOffsets: GPUBuffer | null;
  tokRows: GPUBuffer | null;
  inputs: GPUBuffer | null;
}

/** The stack's fields of a model config: cell, nonlinearity, layers, hidden, bidirectional and input. */
export type StackConfig = Pick<ModelConfig, 'cell' | 'nonlinearity' | 'layers' | 'hidden' | 'bidirectional' | 'input'>;

export interface StackOptions {
  params: GPUBuffer;
  grads: GPUBuffer;
  /** Float offset of a stack tensor in params and grads, by its nn.RNN name (rnn.weight_ih_l0, …). */
  offset: (name: string) => number;
  /** Prefix of buffer labels ('encoder', 'decoder'; none in a recurrent model). */
  label?: string;
  /**
   * The top layer's gradient arrives at its final states (scattered into dh by a sequence loss), not
   * through its output: a bidirectional top layer then does not split its output gradient.
   */
  finalStateLoss?: boolean;
  /** LSTM: each layer's backward adds the cell-state gradients its dc holds (stepKernels.ts cellGradIn); beforeBackward must write all of dc. */
  cellGradIn?: boolean;
  /**
   * The owner runs the forward one time step at a time over all layers (encodeForwardStep), reading
   * the top state between steps: each layer above 0 then gets its input projection per step too.
   * Unidirectional stacks with per-step forward kernels only.
   */
  stepwise?: boolean;
}

/** What joins a bidirectional layer's two directions (directions.ts). */
export interface Joint {
  /** The layer's output [T*B, 2H], [forward; reverse] in step order: the layer above's input, or the head's. */
  out: GPUBuffer;
  dOut: GPUBuffer;
  /** Above layer 0: the layer's input (the layer below's out) mirrored, for the reverse direction; its gradient. */
  mirroredIn: GPUBuffer | null;
  dMirroredIn: GPUBuffer | null;
  /** Forward: mirror the input (above layer 0), after the steps: each direction's states into out. */
  mirrorInput: Dispatch | null;
  outputs: Dispatch[];
  /** Backward: dOut into each direction's dh (none at the top under a sequence loss: it scatters there),
   * and, after both directions' gradients, the reverse direction's input gradient added to the layer below's dOut. */
  grads: Dispatch[];
  addInputGrad: Dispatch | null;
}

/** One direction of one layer (a unidirectional model has one per layer). */
export interface Layer {
  level: number;
  direction: 0 | 1;
  buffers: LayerBuffers;
  /** What its step kernels are built for (the tuner builds candidates from it). */
  shape: StepShape;
  /** The input projection; null for token inputs (gathered in the forward steps). */
  project: Dispatch | null;
  /** A stepwise stack's input projection of each time step alone (B rows); null at layer 0 or when not stepwise. */
  stepProjects: Dispatch[] | null;
  /** One dispatch per time step, or (`sequence`) one for all of them; the same for `backward`. */
  forward: Dispatch;
  sequence: boolean;
  backward: Dispatch;
  backwardSequence: boolean;
  /** Weight and bias gradients over all steps, then (above layer 0) dL/dh of the layer below. */
  grads: Dispatch[];
}

export class RecurrentStack {
  /** Per layer and direction, index l*D + d. */
  readonly layers: Layer[];
  /** Per layer of a bidirectional stack; empty for a unidirectional one. */
  readonly joints: Joint[];
  /** Real steps per sequence, [B]: written by upload. */
  readonly lengths: GPUBuffer;
  /** Layer 0's input per direction (the reverse direction's mirrored), written by upload. */
  readonly input: StackInput[];
  /**
   * Per layer, dispatches run in the backward pass once the layer's output gradient is in its
   * directions' dh and before its steps: an owner's extra gradients into the layer (an
   * encoder-decoder's gradient of the encoder's final states). Empty unless the owner adds some.
   */
  readonly beforeBackward: Dispatch[][];
  private stepBindGroup: GPUBindGroup;
  private carry: GPUBuffer;
  private zeros: Float32Array | undefined;

  constructor(
    private ctx: GpuContext,
    readonly cfg: StackConfig,
    readonly T: number,
    readonly B: number,
    readonly kernels: StepKernels,
    private opts: StackOptions,
  ) {
    const H = cfg.hidden;
    const rows = T * B;
    const f32 = 4;
    const tokensIn = cfg.input.kind === 'tokens';
    const F = inputSize(cfg as ModelConfig);
    const D = directions(cfg);
    const L = cfg.layers;
    const label = (s: string) => (opts.label ? `${opts.label}.${s}` : s);
    if (opts.stepwise && (D === 2 || kernels.forward.kind === 'sequence'))
      throw new Error('a stepwise stack runs one time step at a time: it must be unidirectional, with per-step forward kernels');
    this.lengths = ctx.storage(label('lengths'), B * 4);
    this.input = Array.from({ length: D }, (_, d) => {
      const m = d === 1 ? 'Mirrored' : '';
      return {
        tokens: tokensIn ? ctx.storage(label(`tokens${m}`), rows * 4) : null,
        tokOffsets: tokensIn ? ctx.storage(label(`tokOffsets${m}`), (F + 1) * 4) : null,
        tokRows: tokensIn ? ctx.storage(label(`tokRows${m}`), rows * 4) : null,
        inputs: tokensIn ? null : ctx.storage(label(`inputs${m}`), rows * F * f32),
      };
    });

    const steps = new Uint32Array((T * STEP_STRIDE) / 4);
    for (let t = 0; t < T; t++) steps[(t * STEP_STRIDE) / 4] = t;
    this.stepBindGroup = ctx.device.createBindGroup({
      label: label('steps'),
      layout: ctx.cache.stepLayout,
      entries: [{ binding: 0, resource: { buffer: ctx.uniform(label('steps'), steps.buffer), size: 16 } }],
    });

    this.carry = ctx.storage(label('carry'), B * H * f32);
    const lbs = Array.from({ length: L * D }, (_, ld) => {
      const [l, d] = [Math.floor(ld / D), ld % D];
      return this.layerBuffers(ld, l === 0 ? this.input[d].tokens : null);
    });
    this.joints = D === 2 ? Array.from({ length: L }, (_, l) => this.joint(l, lbs[2 * l], lbs[2 * l + 1])) : [];
    this.joints.forEach(
      (j, l) => (j.mirrorInput = l > 0 ? mirrorRows(ctx, { T, B, width: 2 * H }, this.lengths, this.joints[l - 1].out, j.mirroredIn!) : null),
    );
    this.layers = lbs.map((lb, ld) => {
      const [l, d] = [Math.floor(ld / D), (ld % D) as 0 | 1];
      const first = this.input[d].inputs;
      if (D === 1)
        return this.layer(
          l,
          0,
          lb,
          l > 0 ? { buffer: lbs[l - 1].hs, offset: B * H } : first ? { buffer: first } : null,
          l > 0 ? H : F,
          l > 0 ? lbs[l - 1].dh : null,
        );
      const [below, joint] = [this.joints[l - 1], this.joints[l]];
      const input = l > 0 ? (d === 0 ? below.out : joint.mirroredIn!) : first;
      return this.layer(l, d, lb, input ? { buffer: input } : null, l > 0 ? 2 * H : F, l > 0 ? (d === 0 ? below.dOut : joint.dMirroredIn) : null);
    });
    this.joints.forEach(
      (j, l) => (j.addInputGrad = l > 0 ? addMirrored(ctx, { T, B, width: 2 * H }, this.lengths, j.dMirroredIn!, this.joints[l - 1].dOut) : null),
    );
    this.beforeBackward = Array.from({ length: L }, () => []);
  }

  /** The top layer's output [T*B, D*H] in step order (the head's input) and where its gradient goes. */
  get top(): { out: { buffer: GPUBuffer; offset?: number }; dOut: GPUBuffer } {
    const joint = this.joints.at(-1);
    const top = this.layers.at(-1)!.buffers;
    return joint ? { out: { buffer: joint.out }, dOut: joint.dOut } : { out: { buffer: top.hs, offset: this.B * this.cfg.hidden }, dOut: top.dh };
  }

  /** Layer l's directions' buffers (forward, then reverse in mirrored order). */
  directionsOf(l: number): LayerBuffers[] {
    return this.layers.filter((x) => x.level === l).map((x) => x.buffers);
  }

  /** A bidirectional layer's output and gradient buffers and the kernels that join its directions (lb: forward, reverse). */
  private joint(l: number, forward: LayerBuffers, reverse: LayerBuffers): Joint {
    const { ctx, T, B } = this;
    const H = this.cfg.hidden;
    const bytes = T * B * 2 * H * 4;
    const name = (s: string) => (this.opts.label ? `${this.opts.label}.${s}_l${l}` : `${s}_l${l}`);
    const out = ctx.storage(name('out'), bytes);
    const dOut = ctx.storage(name('dOut'), bytes);
    const topFromFinalStates = l === this.cfg.layers - 1 && !!this.opts.finalStateLoss;
    return {
      out,
      dOut,
      mirroredIn: l > 0 ? ctx.storage(name('mirroredIn'), bytes) : null,
      dMirroredIn: l > 0 ? ctx.storage(name('dMirroredIn'), bytes) : null,
      mirrorInput: null,
      outputs: [forward, reverse].map((lb, d) => directionOutput(ctx, { T, B, H, d }, this.lengths, lb.hs, out)),
      grads: topFromFinalStates ? [] : [forward, reverse].map((lb, d) => directionGrad(ctx, { T, B, H, d }, this.lengths, dOut, lb.dh)),
      addInputGrad: null,
    };
  }

  /** Buffers of layer-direction ld (= l*D + d). `tokens`: layer 0 of a token model, whose steps read the ids instead of a projection. */
  private layerBuffers(ld: number, tokens: GPUBuffer | null): LayerBuffers {
    const { ctx, cfg, T, B } = this;
    const H = cfg.hidden;
    const GH = GATES[cfg.cell] * H;
    const rows = T * B;
    const f32 = 4;
    const D = directions(cfg);
    const name = (s: string) => `${this.opts.label ? `${this.opts.label}.` : ''}${s}${layerSuffix(Math.floor(ld / D), ld % D)}`;
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

  /**
   * Direction d of layer l. `input`: real vectors or the layer below's outputs (null: token ids, which
   * the steps gather), `inSize` wide; `dInput`: where its input gradient goes (null at layer 0).
   */
  private layer(l: number, d: 0 | 1, lb: LayerBuffers, input: { buffer: GPUBuffer; offset?: number } | null, inSize: number, dInput: GPUBuffer | null): Layer {
    const { ctx, cfg, T, B } = this;
    const H = cfg.hidden;
    const GH = GATES[cfg.cell] * H;
    const rows = T * B;
    const sfx = layerSuffix(l, d);
    const tag = (s: string) => (this.opts.label ? `${this.opts.label}.${s}${sfx}` : `${s}${sfx}`);
    const off = (name: string) => this.opts.offset(`rnn.${name}${sfx}`);
    const params = { buffer: this.opts.params };
    const grads = (name: string) => ({ buffer: this.opts.grads, offset: off(name) });
    const tokenGroups = this.input[d];
    const shape: StepShape = {
      cell: cfg.cell,
      T,
      B,
      H,
      relu: cfg.nonlinearity === 'relu',
      whh: off('weight_hh'),
      bhh: off('bias_hh'),
      tokens: input ? undefined : { V: inSize, wih: off('weight_ih'), bih: off('bias_ih') },
      ...(this.opts.cellGradIn ? { cellGradIn: true } : {}),
    };

    const project = input
      ? gemm(ctx, tag('project'), {
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
    // Step t's rows alone: the same product on B rows at t's offsets.
    const stepProjects =
      input && this.opts.stepwise
        ? Array.from({ length: T }, (_, t) =>
            gemm(ctx, tag(`project.t${t}`), {
              M: B,
              N: GH,
              K: inSize,
              transB: true,
              a: { buffer: input.buffer, offset: (input.offset ?? 0) + t * B * inSize },
              b: { ...params, offset: off('weight_ih') },
              bias: { ...params, offset: off('bias_ih') },
              c: { buffer: lb.proj, offset: t * B * GH },
            }),
          )
        : null;

    const gradDispatches = [
      gemm(ctx, tag('hiddenWeightGrad'), {
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
        ? [sumRows(ctx, tag('biasGrad'), { rows, cols: GH }, { buffer: lb.dA }, grads('bias_hh'), grads('bias_ih'))]
        : [
            sumRows(ctx, tag('hiddenBiasGrad'), { rows, cols: GH }, { buffer: lb.dAhh }, grads('bias_hh')),
            sumRows(ctx, tag('inputBiasGrad'), { rows, cols: GH }, { buffer: lb.dA }, grads('bias_ih')),
          ]),
      input
        ? gemm(ctx, tag('inputWeightGrad'), { M: GH, N: inSize, K: rows, transA: true, a: { buffer: lb.dA }, b: input, c: grads('weight_ih') })
        : tokenWeightGrad(ctx, { H: GH, V: inSize, dwih: off('weight_ih') }, lb.dA, tokenGroups.tokOffsets!, tokenGroups.tokRows!, this.opts.grads),
    ];
    if (dInput)
      gradDispatches.push(
        gemm(ctx, tag('inputGrad'), {
          M: rows,
          N: inSize,
          K: GH,
          a: { buffer: lb.dA },
          b: { ...params, offset: off('weight_ih') },
          c: { buffer: dInput },
        }),
      );
    return {
      level: l,
      direction: d,
      buffers: lb,
      shape,
      project,
      stepProjects,
      forward: forwardKernel(ctx, this.kernels.forward, shape, this.opts.params, lb, this.lengths),
      sequence: this.kernels.forward.kind === 'sequence',
      backward: backwardKernel(ctx, this.kernels.backward, shape, this.opts.params, lb),
      backwardSequence: this.kernels.backward.kind === 'sequence',
      grads: gradDispatches,
    };
  }

  /**
   * Writes layer 0's inputs (token ids, or real vectors with padded rows already zeroed) and the
   * real lengths, and the initial states unless the state is carried: queue writes, ordered before
   * the next submit. A bidirectional stack also gets its inputs in mirrored order.
   */
  upload(lengths: Uint32Array, input: { tokens: Uint32Array } | { inputs: Float32Array }, init: InitialState | 'carry' = {}): void {
    const { T, B, cfg } = this;
    const q = this.ctx.device.queue;
    q.writeBuffer(this.lengths, 0, lengths);
    /** Rows of `width` values in mirrored order (directions.ts), for the reverse direction; padded rows 0. */
    const mirror = <A extends Float32Array | Uint32Array>(data: A, width: number): A => {
      const out = data.map(() => 0) as A;
      for (let r = 0; r < T * B; r++) {
        const p = mirroredRow(r, B, lengths);
        if (p >= 0) out.set(data.subarray(p * width, (p + 1) * width), r * width);
      }
      return out;
    };
    this.input.forEach((to, d) => {
      if ('tokens' in input) {
        const ids = d === 0 ? input.tokens : mirror(input.tokens, 1);
        const { offsets, rows } = groupRowsByToken(ids, inputSize(cfg as ModelConfig));
        q.writeBuffer(to.tokens!, 0, ids);
        q.writeBuffer(to.tokOffsets!, 0, offsets);
        q.writeBuffer(to.tokRows!, 0, rows);
      } else q.writeBuffer(to.inputs!, 0, d === 0 ? input.inputs : mirror(input.inputs, inputSize(cfg as ModelConfig)));
    });
    if (init !== 'carry') this.writeInitialState(init);
  }

  /**
   * Truncated BPTT: each layer's final states (block T of hs, cs) become the next batch's initial
   * states (block 0), on the GPU. WebGPU copies between two buffers only, hence the scratch buffer.
   */
  encodeCarryState(encoder: GPUCommandEncoder): void {
    if (this.cfg.bidirectional) throw new Error('truncated BPTT cannot carry a bidirectional model: its reverse direction reads each sequence from its end');
    const bytes = this.B * this.cfg.hidden * 4;
    const last = this.T * bytes;
    for (const { buffers } of this.layers)
      for (const state of [buffers.hs, buffers.cs]) {
        if (!state) continue;
        encoder.copyBufferToBuffer(state, last, this.carry, 0, bytes);
        encoder.copyBufferToBuffer(this.carry, 0, state, 0, bytes);
      }
  }

  /** h0 (and c0) of every layer and direction, [L*D*B*H] (InitialState); zeros when not given. */
  private writeInitialState({ h0, c0 }: InitialState): void {
    const { cfg, B } = this;
    const n = B * cfg.hidden;
    const zeros = (this.zeros ??= new Float32Array(n));
    const count = this.layers.length; // layers × directions
    const shape = `${cfg.layers}${cfg.bidirectional ? '*2' : ''}*${B}*${cfg.hidden}`;
    if (h0 && h0.length !== count * n) throw new Error(`h0 must hold ${shape} numbers`);
    if (c0 && (cfg.cell !== 'lstm' || c0.length !== count * n)) throw new Error(cfg.cell === 'lstm' ? `c0 must hold ${shape} numbers` : 'c0 is for LSTMs only');
    this.layers.forEach(({ buffers }, l) => {
      this.ctx.device.queue.writeBuffer(buffers.hs, 0, h0 ? h0.subarray(l * n, (l + 1) * n) : zeros);
      if (buffers.cs) this.ctx.device.queue.writeBuffer(buffers.cs, 0, c0 ? c0.subarray(l * n, (l + 1) * n) : zeros);
    });
  }

  /** Per layer (and direction): its input projection (if any), then its forward steps; a bidirectional layer then joins its directions' outputs. */
  encodeForward(pass: GPUComputePassEncoder): void {
    for (const layer of this.layers) {
      const joint = this.joints[layer.level];
      if (joint?.mirrorInput && layer.direction === 1) encode(pass, joint.mirrorInput);
      if (layer.project) encode(pass, layer.project);
      this.encodeForwardSteps(pass, layer);
      if (joint && layer.direction === 1) joint.outputs.forEach((d) => encode(pass, d));
    }
  }

  /**
   * Time step t of every layer, bottom up (each layer above 0 projecting its input's step t first): a
   * stepwise stack's forward is this for t = 0 … T-1, its owner's dispatches in between.
   */
  encodeForwardStep(pass: GPUComputePassEncoder, t: number): void {
    if (!this.opts.stepwise) throw new Error('encodeForwardStep: this stack was not built stepwise');
    for (const layer of this.layers) {
      if (layer.stepProjects) encode(pass, layer.stepProjects[t]);
      const d = layer.forward;
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup);
      pass.setBindGroup(1, this.stepBindGroup, [t * STEP_STRIDE]);
      pass.dispatchWorkgroups(d.grid[0], d.grid[1], d.grid[2]);
    }
  }

  /** The step uniform's bind group (group 1) at step t, for an owner's per-step kernels. */
  bindStep(pass: GPUComputePassEncoder, t: number): void {
    pass.setBindGroup(1, this.stepBindGroup, [t * STEP_STRIDE]);
  }

  private encodeForwardSteps(pass: GPUComputePassEncoder, layer: Layer): void {
    this.encodeSteps(pass, layer.forward, false, layer.sequence);
  }

  /**
   * From the top layer down: T backward-step dispatches (t = T-1 … 0, or one sequence dispatch), then
   * its gradients. A bidirectional layer first splits its output gradient between its directions and
   * last adds its reverse direction's input gradient into the layer below's.
   */
  encodeBackward(pass: GPUComputePassEncoder): void {
    for (let ld = this.layers.length - 1; ld >= 0; ld--) {
      const layer = this.layers[ld];
      const joint = this.joints[layer.level];
      if (joint && layer.direction === 1) joint.grads.forEach((d) => encode(pass, d));
      if (layer.direction === directions(this.cfg) - 1) this.beforeBackward[layer.level].forEach((d) => encode(pass, d));
      this.encodeSteps(pass, layer.backward, true, layer.backwardSequence);
      for (const d of layer.grads) encode(pass, d);
      if (joint?.addInputGrad && layer.direction === 0) encode(pass, joint.addInputGrad);
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

  /** The stack's phases, for RecurrentGpu.phases (bench/profileStep.ts times each alone). */
  phases() {
    const down = [...this.layers].reverse();
    return {
      projection: this.layers.flatMap((l) => (l.project ? [l.project] : [])),
      forwardSteps: (pass: GPUComputePassEncoder) => this.layers.forEach((l) => this.encodeForwardSteps(pass, l)),
      backwardSteps: (pass: GPUComputePassEncoder) => down.forEach((l) => this.encodeSteps(pass, l.backward, true, l.backwardSequence)),
      weightGradients: down.flatMap((l) => l.grads),
      joining: [...this.jointDispatches, ...this.beforeBackward.flat()],
    };
  }

  /** A bidirectional model's mirror, join and split dispatches. */
  private get jointDispatches(): Dispatch[] {
    return this.joints.flatMap((j) => [...(j.mirrorInput ? [j.mirrorInput] : []), ...j.outputs, ...j.grads, ...(j.addInputGrad ? [j.addInputGrad] : [])]);
  }

  /** A bidirectional layer's output [T*B, 2H] ([forward; reverse] in step order); null for a unidirectional model (its layer l's output is hs of layers[l] from block 1). */
  jointOutput(l: number): GPUBuffer | null {
    return this.joints[l]?.out ?? null;
  }

  /** Dispatches per pass (forward and backward). */
  get dispatchCount(): number {
    return (
      this.jointDispatches.length +
      this.beforeBackward.flat().length +
      this.layers.reduce((n, l) => n + (l.project ? 1 : 0) + (l.sequence ? 1 : this.T) + (l.backwardSequence ? 1 : this.T) + l.grads.length, 0)
    );
  }
}
