// A stacked recurrent network (Elman RNN, GRU or LSTM) + linear head on the GPU: every buffer and
// every prepared dispatch of a training step, built once for a fixed (T, B). Encoding a step
// allocates nothing. Activations are time-major (row r = t*B + b).
//
// Forward, per layer: the input projection of all steps (a gather for tokens, a GEMM otherwise), then
// one step dispatch per time step. Head: logits GEMM, softmax cross-entropy, mean loss.
// Backward: the head's gradients and dL/dh of the top layer; per layer from the top, one step
// dispatch per time step from T-1 down to 0, the weight gradients over all steps (GEMMs and
// fixed-order sums), and dL/dh of the layer below (a GEMM through W_ih).

import type { GpuContext } from '../context.ts';
import { GATES, type ModelConfig } from '../model/config.ts';
import { paramLayout, type ParamLayout } from '../model/params.ts';
import { encode, type Dispatch } from '../kernels/dispatch.ts';
import { gemm } from '../kernels/gemm.ts';
import { backwardStep, forwardStep, type LayerBuffers, type StepShape } from '../kernels/cellStep.ts';
import { projectTokens } from '../kernels/projectTokens.ts';
import { tokenWeightGrad } from '../kernels/tokenWeightGrad.ts';
import { softmaxXent } from '../kernels/softmaxXent.ts';
import { sumRows } from '../kernels/sumRows.ts';
import { groupRowsByToken, type Batch } from '../data/batch.ts';

const STEP_STRIDE = 256; // the largest minUniformBufferOffsetAlignment WebGPU allows

export interface ModelBuffers {
  params: GPUBuffer;
  grads: GPUBuffer;
  tokens: GPUBuffer | null;
  inputs: GPUBuffer | null;
  targets: GPUBuffer;
  tokOffsets: GPUBuffer | null;
  tokRows: GPUBuffer | null;
  logits: GPUBuffer;
  dlogits: GPUBuffer;
  rowLoss: GPUBuffer;
  /** The mean loss of the last step, one float. */
  loss: GPUBuffer;
}

interface Layer {
  buffers: LayerBuffers;
  project: Dispatch;
  forward: Dispatch;
  backward: Dispatch;
  /** Weight and bias gradients over all steps, then (above layer 0) dL/dh of the layer below. */
  grads: Dispatch[];
}

export class RecurrentGpu {
  readonly layout: ParamLayout;
  readonly buffers: ModelBuffers;
  readonly layers: Layer[];
  private stepBindGroup: GPUBindGroup;
  private head: Dispatch[];

  constructor(
    private ctx: GpuContext,
    readonly cfg: ModelConfig,
    readonly T: number,
    readonly B: number,
  ) {
    const layout = (this.layout = paramLayout(cfg));
    const H = cfg.hidden;
    const O = cfg.output;
    const rows = T * B;
    const f32 = 4;
    const tokensIn = cfg.input.kind === 'tokens';
    const F = cfg.input.kind === 'tokens' ? cfg.input.vocab : cfg.input.features;
    const b = (this.buffers = {
      params: ctx.storage('params', layout.total * f32),
      grads: ctx.storage('grads', layout.total * f32),
      tokens: tokensIn ? ctx.storage('tokens', rows * 4) : null,
      inputs: tokensIn ? null : ctx.storage('inputs', rows * F * f32),
      targets: ctx.storage('targets', rows * 4),
      tokOffsets: tokensIn ? ctx.storage('tokOffsets', (F + 1) * 4) : null,
      tokRows: tokensIn ? ctx.storage('tokRows', rows * 4) : null,
      logits: ctx.storage('logits', rows * O * f32),
      dlogits: ctx.storage('dlogits', rows * O * f32),
      rowLoss: ctx.storage('rowLoss', rows * f32),
      loss: ctx.storage('loss', 4),
    });

    const steps = new Uint32Array((T * STEP_STRIDE) / 4);
    for (let t = 0; t < T; t++) steps[(t * STEP_STRIDE) / 4] = t;
    this.stepBindGroup = ctx.device.createBindGroup({
      label: 'steps',
      layout: ctx.cache.stepLayout,
      entries: [{ binding: 0, resource: { buffer: ctx.uniform('steps', steps.buffer), size: 16 } }],
    });

    const layerBuffers = Array.from({ length: cfg.layers }, (_, l) => this.layerBuffers(l));
    this.layers = layerBuffers.map((lb, l) => this.layer(l, lb, l > 0 ? layerBuffers[l - 1] : null, F));

    const top = layerBuffers[cfg.layers - 1];
    const hOut = { buffer: top.hs, offset: B * H }; // h_1..h_T of the top layer
    const off = (name: string) => layout.byName.get(name)!.offset;
    this.head = [
      gemm(ctx, 'headForward', {
        M: rows, N: O, K: H, transB: true,
        a: hOut, b: { buffer: b.params, offset: off('head.weight') }, bias: { buffer: b.params, offset: off('head.bias') },
        c: { buffer: b.logits },
      }),
      softmaxXent(ctx, { rows, O, scale: 1 / rows }, b.logits, b.targets, b.rowLoss, b.dlogits),
      sumRows(ctx, 'meanLoss', { rows, cols: 1, scale: 1 / rows }, { buffer: b.rowLoss }, { buffer: b.loss }),
      gemm(ctx, 'headWeightGrad', {
        M: O, N: H, K: rows, transA: true,
        a: { buffer: b.dlogits }, b: hOut, c: { buffer: b.grads, offset: off('head.weight') },
      }),
      sumRows(ctx, 'headBiasGrad', { rows, cols: O }, { buffer: b.dlogits }, { buffer: b.grads, offset: off('head.bias') }),
      gemm(ctx, 'headInputGrad', {
        M: rows, N: H, K: O,
        a: { buffer: b.dlogits }, b: { buffer: b.params, offset: off('head.weight') }, c: { buffer: top.dh },
      }),
    ];
  }

  private layerBuffers(l: number): LayerBuffers {
    const { ctx, cfg, T, B } = this;
    const H = cfg.hidden;
    const GH = GATES[cfg.cell] * H;
    const rows = T * B;
    const f32 = 4;
    const name = (s: string) => `${s}_l${l}`;
    const dh = ctx.storage(name('dh'), rows * H * f32);
    const dA = cfg.cell === 'rnn' ? dh : ctx.storage(name('dA'), rows * GH * f32); // Elman: δ overwrites dh in place
    return {
      proj: ctx.storage(name('proj'), rows * GH * f32),
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
    const shape: StepShape = { cell: cfg.cell, T, B, H, relu: cfg.nonlinearity === 'relu', whh: off('weight_hh'), bhh: off('bias_hh') };
    const params = { buffer: b.params };
    const grads = (name: string) => ({ buffer: b.grads, offset: off(name) });
    // The layer's input: tokens, real vectors, or h_1..h_T of the layer below.
    const input = below ? { buffer: below.hs, offset: B * H } : b.inputs ? { buffer: b.inputs } : null;
    const inSize = below ? H : F;

    const project = input
      ? gemm(ctx, `project_l${l}`, {
          M: rows, N: GH, K: inSize, transB: true,
          a: input, b: { ...params, offset: off('weight_ih') }, bias: { ...params, offset: off('bias_ih') }, c: { buffer: lb.proj },
        })
      : projectTokens(ctx, { rows, H: GH, V: F, wih: off('weight_ih'), bih: off('bias_ih') }, b.params, b.tokens!, lb.proj);

    const gradDispatches = [
      gemm(ctx, `hiddenWeightGrad_l${l}`, {
        M: GH, N: H, K: rows, transA: true,
        a: { buffer: lb.dAhh }, b: { buffer: lb.hs }, c: grads('weight_hh'), // h_0..h_{T-1}
      }),
      sumRows(ctx, `hiddenBiasGrad_l${l}`, { rows, cols: GH }, { buffer: lb.dAhh }, grads('bias_hh')),
      sumRows(ctx, `inputBiasGrad_l${l}`, { rows, cols: GH }, { buffer: lb.dA }, grads('bias_ih')),
      input
        ? gemm(ctx, `inputWeightGrad_l${l}`, { M: GH, N: inSize, K: rows, transA: true, a: { buffer: lb.dA }, b: input, c: grads('weight_ih') })
        : tokenWeightGrad(ctx, { H: GH, V: F, dwih: off('weight_ih') }, lb.dA, b.tokOffsets!, b.tokRows!, b.grads),
    ];
    if (below)
      gradDispatches.push(
        gemm(ctx, `inputGrad_l${l}`, {
          M: rows, N: H, K: GH,
          a: { buffer: lb.dA }, b: { ...params, offset: off('weight_ih') }, c: { buffer: below.dh },
        }),
      );
    return {
      buffers: lb,
      project,
      forward: forwardStep(ctx, shape, b.params, lb),
      backward: backwardStep(ctx, shape, b.params, lb),
      grads: gradDispatches,
    };
  }

  /** Writes a batch into the input buffers (queue writes, ordered before the next submit). */
  upload(batch: Batch): void {
    const { cfg, T, B } = this;
    if (batch.T !== T || batch.B !== B) throw new Error(`batch is ${batch.T}x${batch.B} (T x B), the model was built for ${T}x${B}`);
    const q = this.ctx.device.queue;
    const O = cfg.output;
    for (const y of batch.targets) if (y >= O) throw new Error(`target ${y} is outside the output size ${O}`);
    q.writeBuffer(this.buffers.targets, 0, batch.targets);
    if (cfg.input.kind === 'tokens') {
      const V = cfg.input.vocab;
      if (!batch.tokens) throw new Error('this model takes token inputs');
      for (const v of batch.tokens) if (v >= V) throw new Error(`token ${v} is outside the vocabulary of ${V}`);
      const { offsets, rows } = groupRowsByToken(batch.tokens, V);
      q.writeBuffer(this.buffers.tokens!, 0, batch.tokens);
      q.writeBuffer(this.buffers.tokOffsets!, 0, offsets);
      q.writeBuffer(this.buffers.tokRows!, 0, rows);
    } else {
      if (!batch.inputs) throw new Error('this model takes real-valued inputs');
      q.writeBuffer(this.buffers.inputs!, 0, batch.inputs);
    }
  }

  /** Per layer: its input projection, then T forward-step dispatches. */
  encodeForward(pass: GPUComputePassEncoder): void {
    for (const layer of this.layers) {
      encode(pass, layer.project);
      this.encodeSteps(pass, layer.forward, false);
    }
  }

  /** Head, loss and dlogits in one pass, the head's gradients, and dL/dh of the top layer. */
  encodeHead(pass: GPUComputePassEncoder): void {
    for (const d of this.head) encode(pass, d);
  }

  /** From the top layer down: T backward-step dispatches (t = T-1 … 0), then its gradients. */
  encodeBackward(pass: GPUComputePassEncoder): void {
    for (let l = this.layers.length - 1; l >= 0; l--) {
      this.encodeSteps(pass, this.layers[l].backward, true);
      for (const d of this.layers[l].grads) encode(pass, d);
    }
  }

  private encodeSteps(pass: GPUComputePassEncoder, d: Dispatch, reverse: boolean): void {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    for (let i = 0; i < this.T; i++) {
      const t = reverse ? this.T - 1 - i : i;
      pass.setBindGroup(1, this.stepBindGroup, [t * STEP_STRIDE]);
      pass.dispatchWorkgroups(d.grid[0], d.grid[1], d.grid[2]);
    }
  }

  /** Dispatches per training step, optimizer excluded. */
  get dispatchCount(): number {
    return this.head.length + this.layers.reduce((n, l) => n + 1 + 2 * this.T + l.grads.length, 0);
  }
}
