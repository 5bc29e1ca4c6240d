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
// Bidirectional layers (cfg.bidirectional): each layer's two directions are two such stacks of
// dispatches, both in the step's one command buffer. The reverse direction runs the same kernels on
// its data in mirrored order (each sequence's real steps reversed, directions.ts), and a few copy
// kernels join the directions into the layer's [forward; reverse] output and split its gradient.

import { METRICS } from '../training/metrics.ts';
import type { GpuContext } from '../core/context.ts';
import { directions, GATES, layerSuffix, outputWidth, perSequenceLoss, type ModelConfig } from './config.ts';
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
import { addMirrored, directionGrad, directionOutput, mirroredRow, mirrorRows } from './directions.ts';

/** Initial hidden (and LSTM cell) states of every layer and direction, [L*D*B*H], index ((l*D + d)*B + b)*H + i. */
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
  /** Bidirectional: layer 0's input in mirrored order for the reverse direction (uploaded so), else null. */
  mirrored: { tokens: GPUBuffer | null; inputs: GPUBuffer | null; tokOffsets: GPUBuffer | null; tokRows: GPUBuffer | null } | null;
}

/** What joins a bidirectional layer's two directions (directions.ts). */
interface Joint {
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
interface Layer {
  level: number;
  direction: 0 | 1;
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
  /** Per layer and direction, index l*D + d. */
  readonly layers: Layer[];
  /** Per layer of a bidirectional model; empty for a unidirectional one. */
  private joints: Joint[];
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
      hFinal: perSequence ? ctx.storage('hFinal', B * outputWidth(cfg) * f32) : null,
      dFinal: perSequence ? ctx.storage('dFinal', B * outputWidth(cfg) * f32) : null,
      metrics: ctx.storage('metrics', METRICS * 4),
      mirrored: cfg.bidirectional
        ? {
            tokens: tokensIn ? ctx.storage('tokensMirrored', rows * 4) : null,
            inputs: tokensIn ? null : ctx.storage('inputsMirrored', rows * F * f32),
            tokOffsets: tokensIn ? ctx.storage('tokOffsetsMirrored', (F + 1) * 4) : null,
            tokRows: tokensIn ? ctx.storage('tokRowsMirrored', rows * 4) : null,
          }
        : null,
    });

    const steps = new Uint32Array((T * STEP_STRIDE) / 4);
    for (let t = 0; t < T; t++) steps[(t * STEP_STRIDE) / 4] = t;
    this.stepBindGroup = ctx.device.createBindGroup({
      label: 'steps',
      layout: ctx.cache.stepLayout,
      entries: [{ binding: 0, resource: { buffer: ctx.uniform('steps', steps.buffer), size: 16 } }],
    });

    this.carry = ctx.storage('carry', B * H * f32);
    const D = directions(cfg);
    const L = cfg.layers;
    const lbs = Array.from({ length: L * D }, (_, ld) => {
      const [l, d] = [Math.floor(ld / D), ld % D];
      return this.layerBuffers(ld, l === 0 ? (d === 0 ? b.tokens : b.mirrored!.tokens) : null);
    });
    this.joints = D === 2 ? Array.from({ length: L }, (_, l) => this.joint(l, lbs[2 * l], lbs[2 * l + 1])) : [];
    this.joints.forEach((j, l) => (j.mirrorInput = l > 0 ? mirrorRows(ctx, { T, B, width: 2 * H }, b.lengths, this.joints[l - 1].out, j.mirroredIn!) : null));
    this.layers = lbs.map((lb, ld) => {
      const [l, d] = [Math.floor(ld / D), (ld % D) as 0 | 1];
      if (D === 1)
        return this.layer(
          l,
          0,
          lb,
          l > 0 ? { buffer: lbs[l - 1].hs, offset: B * H } : b.inputs ? { buffer: b.inputs } : null,
          l > 0 ? H : F,
          l > 0 ? lbs[l - 1].dh : null,
        );
      const [below, joint] = [this.joints[l - 1], this.joints[l]];
      const input = l > 0 ? (d === 0 ? below.out : joint.mirroredIn!) : d === 0 ? b.inputs : b.mirrored!.inputs;
      return this.layer(l, d, lb, input ? { buffer: input } : null, l > 0 ? 2 * H : F, l > 0 ? (d === 0 ? below.dOut : joint.dMirroredIn) : null);
    });
    this.joints.forEach(
      (j, l) => (j.addInputGrad = l > 0 ? addMirrored(ctx, { T, B, width: 2 * H }, b.lengths, j.dMirroredIn!, this.joints[l - 1].dOut) : null),
    );

    [this.headForward, this.headBackward] = this.buildHead(lbs.slice((L - 1) * D));
  }

  /** A bidirectional layer's output and gradient buffers and the kernels that join its directions (lb: forward, reverse). */
  private joint(l: number, forward: LayerBuffers, reverse: LayerBuffers): Joint {
    const { ctx, T, B } = this;
    const H = this.cfg.hidden;
    const bytes = T * B * 2 * H * 4;
    const out = this.ctx.storage(`out_l${l}`, bytes);
    const dOut = this.ctx.storage(`dOut_l${l}`, bytes);
    const lengths = this.buffers.lengths;
    const topSequenceLoss = l === this.cfg.layers - 1 && perSequenceLoss(this.cfg);
    return {
      out,
      dOut,
      mirroredIn: l > 0 ? ctx.storage(`mirroredIn_l${l}`, bytes) : null,
      dMirroredIn: l > 0 ? ctx.storage(`dMirroredIn_l${l}`, bytes) : null,
      mirrorInput: null,
      outputs: [forward, reverse].map((lb, d) => directionOutput(ctx, { T, B, H, d }, lengths, lb.hs, out)),
      grads: topSequenceLoss ? [] : [forward, reverse].map((lb, d) => directionGrad(ctx, { T, B, H, d }, lengths, dOut, lb.dh)),
      addInputGrad: null,
    };
  }

  /**
   * The head on the top layer's states: every step's (h_1..h_T) for per-step losses, each sequence's
   * final state for sequence classification. Then its loss, its gradients, and dL/dh of the top layer.
   */
  private buildHead(top: LayerBuffers[]): [Dispatch[], Dispatch[]] {
    const { ctx, cfg, T, B, buffers: b } = this;
    const H = cfg.hidden;
    const W = outputWidth(cfg);
    const O = cfg.output;
    const off = (name: string) => this.layout.byName.get(name)!.offset;
    const perSequence = perSequenceLoss(cfg);
    const rows = perSequence ? B : T * B;
    const joint = this.joints.at(-1);
    const hIn = perSequence ? { buffer: b.hFinal! } : joint ? { buffer: joint.out } : { buffer: top[0].hs, offset: B * H };
    const dIn = perSequence ? b.dFinal! : joint ? joint.dOut : top[0].dh;
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

  /** Buffers of layer-direction ld (= l*D + d). `tokens`: layer 0 of a token model, whose steps read the ids instead of a projection. */
  private layerBuffers(ld: number, tokens: GPUBuffer | null): LayerBuffers {
    const { ctx, cfg, T, B } = this;
    const H = cfg.hidden;
    const GH = GATES[cfg.cell] * H;
    const rows = T * B;
    const f32 = 4;
    const D = directions(cfg);
    const name = (s: string) => `${s}${layerSuffix(Math.floor(ld / D), ld % D)}`;
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
    const b = this.buffers;
    const H = cfg.hidden;
    const GH = GATES[cfg.cell] * H;
    const rows = T * B;
    const sfx = layerSuffix(l, d);
    const off = (name: string) => this.layout.byName.get(`rnn.${name}${sfx}`)!.offset;
    const params = { buffer: b.params };
    const grads = (name: string) => ({ buffer: b.grads, offset: off(name) });
    const tokenGroups = d === 0 ? b : b.mirrored!;
    const shape: StepShape = {
      cell: cfg.cell,
      T,
      B,
      H,
      relu: cfg.nonlinearity === 'relu',
      whh: off('weight_hh'),
      bhh: off('bias_hh'),
      tokens: input ? undefined : { V: inSize, wih: off('weight_ih'), bih: off('bias_ih') },
    };

    const project = input
      ? gemm(ctx, `project${sfx}`, {
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
      gemm(ctx, `hiddenWeightGrad${sfx}`, {
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
        ? [sumRows(ctx, `biasGrad${sfx}`, { rows, cols: GH }, { buffer: lb.dA }, grads('bias_hh'), grads('bias_ih'))]
        : [
            sumRows(ctx, `hiddenBiasGrad${sfx}`, { rows, cols: GH }, { buffer: lb.dAhh }, grads('bias_hh')),
            sumRows(ctx, `inputBiasGrad${sfx}`, { rows, cols: GH }, { buffer: lb.dA }, grads('bias_ih')),
          ]),
      input
        ? gemm(ctx, `inputWeightGrad${sfx}`, { M: GH, N: inSize, K: rows, transA: true, a: { buffer: lb.dA }, b: input, c: grads('weight_ih') })
        : tokenWeightGrad(ctx, { H: GH, V: inSize, dwih: off('weight_ih') }, lb.dA, tokenGroups.tokOffsets!, tokenGroups.tokRows!, b.grads),
    ];
    if (dInput)
      gradDispatches.push(
        gemm(ctx, `inputGrad${sfx}`, {
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
    /** Rows of `width` values in mirrored order (directions.ts), for the reverse direction; padded rows 0. */
    const mirror = <A extends Float32Array | Uint32Array>(data: A, width: number): A => {
      const out = data.map(() => 0) as A;
      for (let r = 0; r < T * B; r++) {
        const p = mirroredRow(r, B, lengths);
        if (p >= 0) out.set(data.subarray(p * width, (p + 1) * width), r * width);
      }
      return out;
    };
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
      const writeTokens = (ids: Uint32Array, to: { tokens: GPUBuffer | null; tokOffsets: GPUBuffer | null; tokRows: GPUBuffer | null }) => {
        const { offsets, rows } = groupRowsByToken(ids, V);
        q.writeBuffer(to.tokens!, 0, ids);
        q.writeBuffer(to.tokOffsets!, 0, offsets);
        q.writeBuffer(to.tokRows!, 0, rows);
      };
      writeTokens(tokens, this.buffers);
      if (this.buffers.mirrored) writeTokens(mirror(tokens, 1), this.buffers.mirrored);
    } else {
      if (!batch.inputs) throw new Error('this model takes real-valued inputs');
      const inputs = maskRows(batch.inputs, cfg.input.features, real);
      q.writeBuffer(this.buffers.inputs!, 0, inputs);
      if (this.buffers.mirrored) q.writeBuffer(this.buffers.mirrored.inputs!, 0, mirror(inputs, cfg.input.features));
    }
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

  private carry: GPUBuffer;

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

  private zeros: Float32Array | undefined;

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

  private encodeForwardSteps(pass: GPUComputePassEncoder, layer: Layer): void {
    this.encodeSteps(pass, layer.forward, false, layer.sequence);
  }

  /** Head, loss and dlogits in one pass, the head's gradients, and dL/dh of the top layer. */
  encodeHead(pass: GPUComputePassEncoder): void {
    for (const d of this.headForward) encode(pass, d);
    for (const d of this.headBackward) encode(pass, d);
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
      ...(this.joints.length ? [each('joining directions', this.jointDispatches)] : []),
    ];
  }

  /** A bidirectional model's mirror, join and split dispatches. */
  private get jointDispatches(): Dispatch[] {
    return this.joints.flatMap((j) => [...(j.mirrorInput ? [j.mirrorInput] : []), ...j.outputs, ...j.grads, ...(j.addInputGrad ? [j.addInputGrad] : [])]);
  }

  /** A bidirectional layer's output [T*B, 2H] ([forward; reverse] in step order); null for a unidirectional model (its layer l's output is hs of layers[l] from block 1). */
  jointOutput(l: number): GPUBuffer | null {
    return this.joints[l]?.out ?? null;
  }

  /** Dispatches per training step, optimizer excluded. */
  get dispatchCount(): number {
    return (
      this.headForward.length +
      this.headBackward.length +
      this.jointDispatches.length +
      this.layers.reduce((n, l) => n + (l.project ? 1 : 0) + (l.sequence ? 1 : this.T) + (l.backwardSequence ? 1 : this.T) + l.grads.length, 0)
    );
  }
}
