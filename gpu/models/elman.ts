// The Elman RNN + linear head on the GPU: every buffer and every prepared dispatch of a training
// step, built once for a fixed (T, B). Encoding a step allocates nothing.
// Activations are time-major (row r = t*B + b); hs holds h0 in its first B rows.

import type { GpuContext } from '../context.ts';
import type { ModelConfig } from '../model/config.ts';
import { paramLayout, type ParamLayout } from '../model/params.ts';
import { encode, type Dispatch } from '../kernels/dispatch.ts';
import { gemm } from '../kernels/gemm.ts';
import { rnnBackwardStep, rnnForwardStep } from '../kernels/rnnStep.ts';
import { projectTokens } from '../kernels/projectTokens.ts';
import { tokenWeightGrad } from '../kernels/tokenWeightGrad.ts';
import { softmaxXent } from '../kernels/softmaxXent.ts';
import { sumRows } from '../kernels/sumRows.ts';
import { groupRowsByToken, type Batch } from '../data/batch.ts';

const STEP_STRIDE = 256; // minUniformBufferOffsetAlignment's largest allowed value

export interface ElmanBuffers {
  params: GPUBuffer;
  grads: GPUBuffer;
  tokens: GPUBuffer | null;
  inputs: GPUBuffer | null;
  targets: GPUBuffer;
  tokOffsets: GPUBuffer | null;
  tokRows: GPUBuffer | null;
  proj: GPUBuffer;
  hs: GPUBuffer;
  logits: GPUBuffer;
  dlogits: GPUBuffer;
  rowLoss: GPUBuffer;
  /** The mean loss of the last step, one float. */
  loss: GPUBuffer;
  /** dL/dh from the head, turned into δ by the backward steps. */
  dh: GPUBuffer;
}

export class ElmanGpu {
  readonly layout: ParamLayout;
  readonly buffers: ElmanBuffers;
  private stepBindGroup: GPUBindGroup;
  private forwardPre: Dispatch[];
  private forwardStep: Dispatch;
  private head: Dispatch[];
  private backwardStep: Dispatch;
  private weightGrads: Dispatch[];

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
      proj: ctx.storage('proj', rows * H * f32),
      hs: ctx.storage('hs', (rows + B) * H * f32),
      logits: ctx.storage('logits', rows * O * f32),
      dlogits: ctx.storage('dlogits', rows * O * f32),
      rowLoss: ctx.storage('rowLoss', rows * f32),
      loss: ctx.storage('loss', 4),
      dh: ctx.storage('dh', rows * H * f32),
    });
    const off = (name: string) => layout.byName.get(name)!.offset;

    // The step index t sits at t * 256 bytes; each step dispatch selects its slot by dynamic offset.
    const steps = new Uint32Array((T * STEP_STRIDE) / 4);
    for (let t = 0; t < T; t++) steps[(t * STEP_STRIDE) / 4] = t;
    const stepBuffer = ctx.uniform('steps', steps.buffer);
    this.stepBindGroup = ctx.device.createBindGroup({
      label: 'steps',
      layout: ctx.cache.stepLayout,
      entries: [{ binding: 0, resource: { buffer: stepBuffer, size: 16 } }],
    });

    const stepShape = { T, B, H, relu: cfg.nonlinearity === 'relu', whh: off('rnn.weight_hh_l0'), bhh: off('rnn.bias_hh_l0') };
    this.forwardPre = [
      tokensIn
        ? projectTokens(ctx, { rows, H, V: F, wih: off('rnn.weight_ih_l0'), bih: off('rnn.bias_ih_l0') }, b.params, b.tokens!, b.proj)
        : gemm(ctx, 'projectReal', {
            M: rows, N: H, K: F, transB: true,
            a: { buffer: b.inputs! }, b: { buffer: b.params, offset: off('rnn.weight_ih_l0') },
            bias: { buffer: b.params, offset: off('rnn.bias_ih_l0') }, c: { buffer: b.proj },
          }),
    ];
    this.forwardStep = rnnForwardStep(ctx, stepShape, b.params, b.proj, b.hs);
    const hOut = { buffer: b.hs, offset: B * H }; // h_1..h_T
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
        a: { buffer: b.dlogits }, b: { buffer: b.params, offset: off('head.weight') }, c: { buffer: b.dh },
      }),
    ];
    this.backwardStep = rnnBackwardStep(ctx, stepShape, b.params, b.hs, b.dh);
    const dhDelta = { buffer: b.dh };
    this.weightGrads = [
      gemm(ctx, 'hiddenWeightGrad', {
        M: H, N: H, K: rows, transA: true,
        a: dhDelta, b: { buffer: b.hs }, c: { buffer: b.grads, offset: off('rnn.weight_hh_l0') }, // h_0..h_{T-1}
      }),
      sumRows(ctx, 'hiddenBiasGrad', { rows, cols: H }, dhDelta, { buffer: b.grads, offset: off('rnn.bias_hh_l0') }),
      sumRows(ctx, 'inputBiasGrad', { rows, cols: H }, dhDelta, { buffer: b.grads, offset: off('rnn.bias_ih_l0') }),
      tokensIn
        ? tokenWeightGrad(ctx, { H, V: F, dwih: off('rnn.weight_ih_l0') }, b.dh, b.tokOffsets!, b.tokRows!, b.grads)
        : gemm(ctx, 'inputWeightGrad', {
            M: H, N: F, K: rows, transA: true,
            a: dhDelta, b: { buffer: b.inputs! }, c: { buffer: b.grads, offset: off('rnn.weight_ih_l0') },
          }),
    ];
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

  /** Projection, then T forward-step dispatches. */
  encodeForward(pass: GPUComputePassEncoder): void {
    for (const d of this.forwardPre) encode(pass, d);
    this.encodeSteps(pass, this.forwardStep, false);
  }

  /** Head, loss and dlogits in one pass, the head's gradients, and dL/dh for every step. */
  encodeHead(pass: GPUComputePassEncoder): void {
    for (const d of this.head) encode(pass, d);
  }

  /** T backward-step dispatches from t = T-1 down to 0, then the weight gradients over all steps. */
  encodeBackward(pass: GPUComputePassEncoder): void {
    this.encodeSteps(pass, this.backwardStep, true);
    for (const d of this.weightGrads) encode(pass, d);
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
    return this.forwardPre.length + this.head.length + this.weightGrads.length + 2 * this.T;
  }
}
