// An encoder-decoder on the GPU, built for fixed sizes (S source steps, U target steps, B pairs): the
// encoder and the decoder are RecurrentStacks (gpu/recurrent/stack.ts) on one flat parameter buffer
// (encoder.*, decoder.*, the readout's tensors: params.ts), and the readout (readoutGpu.ts) turns the
// decoder's top states, attending over the encoder's top outputs, into logits and the loss. One
// training step is one compute pass, like a recurrent model's:
//
//   encoder forward → each decoder layer's initial state = the encoder layer's final states
//   ([forward; reverse]) → decoder forward (teacher forcing: its inputs are <bos>, y_0 … y_{U−2})
//   → readout and loss → readout backward (∂ decoder outputs, ∂ encoder outputs) → decoder backward
//   → ∂ its initial states (initialState.ts) → added at each encoder layer's last real step
//   → encoder backward.
//
// Teacher forcing: under full teacher forcing every decoder input is the target's previous token and
// the decoder's steps run before the readout, as above. A model built `freeRunning` also takes a
// teacher-forcing mask with each batch (reference.ts's): where it holds a 0 the decoder reads the
// argmax of its own logits at the step before, chosen on the GPU as it goes (freeRunning.ts), and
// the rest of the step is the same. Inference decodes greedily or by beam search.

import { METRICS } from '../training/metrics.ts';
import type { GpuContext } from '../core/context.ts';
import { encode, type Dispatch } from '../core/dispatch.ts';
import type { ParamLayout } from '../core/paramLayout.ts';
import { RecurrentStack } from '../recurrent/stack.ts';
import { defaultStepKernels, type StepKernels } from '../recurrent/stepVariants.ts';
import { addFinalGrad, gatherFinalState, scatterFinalGrad } from '../recurrent/finalState.ts';
import { decoderConfig, encoderConfig, modelWidth, type Seq2SeqConfig } from './config.ts';
import { paramLayout } from './params.ts';
import { initialStateGrad } from './initialState.ts';
import { readoutKernels } from './readoutGpu.ts';
import { BOS, type PairBatch } from './pairs.ts';
import { FreeRunningDecoder } from './freeRunning.ts';

export interface Seq2SeqKernels {
  encoder: StepKernels;
  decoder: StepKernels;
}

export class Seq2SeqGpu {
  readonly layout: ParamLayout;
  readonly buffers: { params: GPUBuffer; grads: GPUBuffer; metrics: GPUBuffer; targets: GPUBuffer; batchInfo: GPUBuffer; logits: GPUBuffer };
  readonly encoder: RecurrentStack;
  readonly decoder: RecurrentStack;
  /** The attention weights of the last forward pass, [U*B, S] (null without attention): the alignment view reads them. */
  readonly alignment: GPUBuffer | null;
  readonly kernels: Seq2SeqKernels;
  private startDecoder: Dispatch[];
  private readoutForward: Dispatch[];
  private readoutBackward: Dispatch[];
  private initialGrads: Dispatch[];
  private readoutMemory: Dispatch[];
  /** Built when the model is freeRunning: the decoder's forward that feeds back its predictions. */
  readonly freeRunning: FreeRunningDecoder | null;
  /** The last upload's mask holds a 0: the next pass runs the decoder through freeRunning. */
  private feedsBack = false;

  constructor(
    private ctx: GpuContext,
    readonly cfg: Seq2SeqConfig,
    readonly S: number,
    readonly U: number,
    readonly B: number,
    kernels?: Partial<Seq2SeqKernels>,
    /** Take teacher-forcing masks with a 0 (upload's `mask`): the decoder then also runs step by step. */
    freeRunning = false,
  ) {
    const layout = (this.layout = paramLayout(cfg));
    const [H, W, V, L] = [cfg.hidden, modelWidth(cfg), cfg.vocab, cfg.layers];
    const f32 = 4;
    const decoderKernels = kernels?.decoder ?? defaultStepKernels(ctx.adapter, { cell: cfg.cell, T: U, B, H: W });
    this.kernels = {
      encoder: kernels?.encoder ?? defaultStepKernels(ctx.adapter, { cell: cfg.cell, T: S, B, H }),
      // Feeding back its predictions, the decoder runs one step of all layers at a time: per-step kernels.
      decoder: freeRunning && decoderKernels.forward.kind === 'sequence' ? { ...decoderKernels, forward: { kind: 'blocked' } } : decoderKernels,
    };
    const params = ctx.storage('params', layout.total * f32);
    const grads = ctx.storage('grads', layout.total * f32);
    const metrics = ctx.storage('metrics', METRICS * 4);
    const targets = ctx.storage('targets', U * B * 4);
    const batchInfo = ctx.createBuffer('batchInfo', 16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    const offsetIn = (prefix: string) => (name: string) => layout.byName.get(`${prefix}.${name.slice('rnn.'.length)}`)!.offset;
    const lstm = cfg.cell === 'lstm';
    // Without attention the encoder's only gradient is that of its final states: its top layer's
    // output gradient is not split, and the hooks below write all of its dh.
    const noAttention = cfg.attention === 'none';
    this.encoder = new RecurrentStack(ctx, encoderConfig(cfg), S, B, this.kernels.encoder, {
      params,
      grads,
      offset: offsetIn('encoder'),
      label: 'encoder',
      finalStateLoss: noAttention,
      cellGradIn: lstm,
    });
    this.decoder = new RecurrentStack(ctx, decoderConfig(cfg), U, B, this.kernels.decoder, {
      params,
      grads,
      offset: offsetIn('decoder'),
      label: 'decoder',
      stepwise: freeRunning,
    });
    const readout = readoutKernels(
      ctx,
      { S, U, B, W, V, attention: cfg.attention, A: cfg.attentionSize },
      {
        params,
        grads,
        offset: (name) => layout.byName.get(name)!.offset,
        memory: this.encoder.top.out,
        states: this.decoder.top.out,
        sourceLengths: this.encoder.lengths,
        targetLengths: this.decoder.lengths,
        targets,
        batchInfo,
        metrics,
        dStates: this.decoder.top.dOut,
        dMemory: this.encoder.top.dOut,
      },
    );
    this.readoutMemory = readout.memory;
    this.readoutForward = readout.forward;
    this.readoutBackward = readout.backward;
    this.alignment = readout.alignment;
    this.buffers = { params, grads, metrics, targets, batchInfo, logits: readout.logits };
    this.freeRunning = freeRunning
      ? new FreeRunningDecoder(
          ctx,
          this.decoder,
          { S, B, W, V, attention: cfg.attention, A: cfg.attentionSize },
          { params, offset: (name) => layout.byName.get(name)!.offset, sourceLengths: this.encoder.lengths, prepared: readout.prepared },
        )
      : null;

    // Decoder layer l starts from encoder layer l's final states, directions side by side ([B, W]).
    this.startDecoder = [];
    this.initialGrads = [];
    for (let l = 0; l < L; l++) {
      const [enc, dec] = [this.encoder.directionsOf(l), this.decoder.directionsOf(l)[0]];
      const dhInit = ctx.storage(`dhInit_l${l}`, B * W * f32);
      const dcInit = ctx.storage(`dcInit_l${l}`, B * W * f32);
      this.initialGrads.push(
        initialStateGrad(ctx, { cell: cfg.cell, H: W, B, whh: offsetIn('decoder')(`rnn.weight_hh_l${l}`), label: `l${l}` }, params, dec, dhInit, dcInit),
      );
      enc.forEach((lb, d) => {
        const half = { B, H, width: W, offset: d * H };
        this.startDecoder.push(gatherFinalState(ctx, half, this.encoder.lengths, lb.hs, dec.hs));
        if (lstm) this.startDecoder.push(gatherFinalState(ctx, half, this.encoder.lengths, lb.cs!, dec.cs!));
        const topOnly = noAttention && l === L - 1; // nothing else writes this dh: write all of it
        this.encoder.beforeBackward[l].push(
          topOnly
            ? scatterFinalGrad(ctx, { T: S, ...half }, this.encoder.lengths, dhInit, lb.dh)
            : addFinalGrad(ctx, half, this.encoder.lengths, dhInit, lb.dh),
          ...(lstm ? [scatterFinalGrad(ctx, { T: S, ...half }, this.encoder.lengths, dcInit, lb.dc!)] : []),
        );
      });
    }
  }

  /**
   * Writes a batch: source ids, the decoder's teacher-forced inputs (<bos>, then the target shifted
   * by one), the targets and the loss's denominator. Padded steps are zeroed, so never read. `mask`
   * [U·B] (row u·B + b; 1 = teacher-forced, not read at u = 0 nor at padded steps): where it holds a
   * 0 the decoder reads its own prediction instead; a model built freeRunning takes it.
   */
  upload(batch: PairBatch, mask?: Uint8Array): void {
    const { S, U, B, cfg } = this;
    if (batch.S !== S || batch.U !== U || batch.B !== B)
      throw new Error(`batch is S ${batch.S} × U ${batch.U} × B ${batch.B}; the model was built for ${S} × ${U} × ${B}`);
    const check = (name: string, lengths: Uint32Array, max: number) =>
      lengths.forEach((n, b) => {
        if (!(n >= 1 && n <= max)) throw new Error(`${name}[${b}] is ${n}; it must be between 1 and ${max}`);
      });
    check('sourceLengths', batch.sourceLengths, S);
    check('targetLengths', batch.targetLengths, U);
    const ids = (data: Uint32Array, lengths: Uint32Array, name: string) =>
      data.map((v, r) => {
        const real = Math.floor(r / B) < lengths[r % B];
        if (real && v >= cfg.vocab) throw new Error(`${name} token ${v} (row ${r}) is outside the vocabulary of ${cfg.vocab}`);
        return real ? v : 0;
      });
    const source = ids(batch.source, batch.sourceLengths, 'source');
    const target = ids(batch.target, batch.targetLengths, 'target');
    const inputs = target.map((_, r) => (r < B ? BOS : Math.floor(r / B) < batch.targetLengths[r % B] ? target[r - B] : 0));
    this.encoder.upload(batch.sourceLengths, { tokens: source });
    this.decoder.upload(batch.targetLengths, { tokens: inputs }, 'carry'); // its initial state comes from the encoder
    const q = this.ctx.device.queue;
    if (mask && mask.length !== U * B) throw new Error(`mask holds ${mask.length} values; it must hold one per target row, ${U} × ${B}`);
    this.feedsBack = !!mask && mask.some((m, r) => m === 0 && r >= B && Math.floor(r / B) < batch.targetLengths[r % B]);
    if (this.feedsBack) {
      if (!this.freeRunning) throw new Error('this model was built for full teacher forcing: build it freeRunning to train with a teacher-forcing mask');
      q.writeBuffer(this.freeRunning.mask, 0, Uint32Array.from(mask!));
      q.writeBuffer(this.freeRunning.teacher, 0, inputs);
    }
    q.writeBuffer(this.buffers.targets, 0, target);
    q.writeBuffer(this.buffers.batchInfo, 0, new Float32Array([1 / batch.targetLengths.reduce((a, n) => a + n, 0)]));
  }

  /** Forward, loss and backward: the gradients of every parameter in `grads`, the mean loss in metrics[0]. */
  encodeGradientPass(pass: GPUComputePassEncoder): void {
    this.encoder.encodeForward(pass);
    for (const d of this.startDecoder) encode(pass, d);
    for (const d of this.readoutMemory) encode(pass, d);
    if (this.feedsBack) this.freeRunning!.encodeForward(pass);
    else this.decoder.encodeForward(pass);
    for (const d of [...this.readoutForward, ...this.readoutBackward]) encode(pass, d);
    this.decoder.encodeBackward(pass);
    for (const d of this.initialGrads) encode(pass, d);
    this.encoder.encodeBackward(pass);
  }

  /** Dispatches per training step, optimizer excluded. */
  get dispatchCount(): number {
    return (
      this.encoder.dispatchCount +
      this.decoder.dispatchCount +
      this.startDecoder.length +
      this.readoutMemory.length +
      (this.feedsBack ? this.freeRunning!.dispatchCount : 0) +
      this.readoutForward.length +
      this.readoutBackward.length +
      this.initialGrads.length
    );
  }
}
