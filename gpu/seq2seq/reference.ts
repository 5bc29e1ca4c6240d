// The float64 reference of the encoder–decoder (sequence-to-sequence) model with attention: the
// specification the GPU implementation is tested against, and what scripts/seq2seq_parity.py holds
// to PyTorch. Slow and obvious on purpose; time-major like the rest (source row j·B + b, target row u·B + b).
//
// The model (config.ts; parameters params.ts; D = 2 if bidirectional else 1, W = D·H):
//   Encoder: nn.<Cell>(V, H, num_layers=L, bidirectional) on one-hot source tokens, packed by
//     sourceLengths: outputs e_j [W] at the top layer, final states h_n (and c_n) per layer and direction.
//   Decoder: nn.<Cell>(V, W, num_layers=L), layer l starting from [h_n fwd; h_n rev] of the encoder's
//     layer l (c likewise). Its input at step u: <bos> at u = 0; else target[u−1] where mask[u·B + b] = 1
//     (teacher forcing), or the argmax of its own logits at u−1 where mask = 0 (no gradient through
//     the choice). mask defaults to all 1; it is not read at u = 0 nor at padded steps.
//   Readout of the decoder's top state s_u (attention.ts): attention over the real source steps,
//     h̃_u = tanh(combine([c_u; s_u])), logits = out(h̃_u); with attention 'none', logits = out(s_u).
//   Loss: cross-entropy, mean over the real target steps u < targetLengths[b] (<eos> included).
// Padding (source steps j ≥ sourceLengths[b], target steps u ≥ targetLengths[b]) is never read. At a
// padded target step the decoder's state is carried unchanged, as a packed sequence's is; its
// logits, attention and states are 0 and its predicted token is <pad>.
//
// Backward: the readout's by hand per real row (attention.ts), giving ∂L/∂s_u and ∂L/∂e_j; then the
// decoder stack's BPTT seeded by ∂L/∂s_u, whose ∂L/∂h0 (and c0) seed the encoder's final states,
// and the encoder stack's BPTT seeded by those and ∂L/∂e_j: both stacks are RecurrentReference's.

import { decoderConfig, encoderConfig, encoderDirections, modelWidth, type Seq2SeqConfig } from './config.ts';
import { addStackGrads, paramLayout, stackParams } from './params.ts';
import { memoryKeys, memoryKeysBackward, readout, readoutBackward, type Memory, type Tensor } from './attention.ts';
import { BOS, PAD, type PairBatch } from './pairs.ts';
import { RecurrentReference, type RecurrentInit } from '../recurrent/reference.ts';
import type { ParamLayout } from '../core/paramLayout.ts';

type F64 = Float64Array;

/** The decoder's state for B rows: h [L*B*W], row (l·B + b) (as a unidirectional stack's h0); c likewise (LSTM) or null. */
export interface DecoderState {
  h: F64;
  c: F64 | null;
}

/** A seq2seq flat buffer with the encoder's and decoder's tensors copied out in their stacks' layouts. */
export interface PreparedParams {
  flat: F64;
  encoder: F64;
  decoder: F64;
  p: Tensor;
}

/** One decoder step of B rows. */
export interface StepResult {
  state: DecoderState;
  /** s: the decoder's top-layer state [B*W]. */
  top: F64;
  /** α [B*S] (all 0 for attention 'none'). */
  alpha: F64;
  logits: F64;
}

export interface Seq2SeqForward {
  /** [U*B, V]; padded rows 0. */
  logits: F64;
  loss: number;
  /** α: the alignment [U*B, S]; 0 on padded source steps, padded target rows and for attention 'none'. */
  attention: F64;
  /** s_u: the decoder's top-layer state after step u [U*B, W]; padded rows 0. */
  decoderStates: F64;
  /** The decoder's input token at each step [U*B] (<bos>, teacher-forced or its own argmax); <pad> on padded rows. */
  inputs: Uint32Array;
  /** argmax of each row's logits [U*B] (the first of equal maxima); <pad> on padded rows. */
  predicted: Uint32Array;
  /** e_j: the encoder's top-layer outputs [S*B, W]; padded rows 0. */
  encoderOutputs: F64;
}

export class Seq2SeqReference {
  readonly layout: ParamLayout;
  readonly encoder: RecurrentReference;
  readonly decoder: RecurrentReference;
  readonly W: number;
  constructor(readonly cfg: Seq2SeqConfig) {
    this.layout = paramLayout(cfg);
    this.encoder = new RecurrentReference(encoderConfig(cfg));
    this.decoder = new RecurrentReference(decoderConfig(cfg));
    this.W = modelWidth(cfg);
  }

  view(flat: F64, name: string): F64 {
    const s = this.layout.byName.get(name);
    if (!s) throw new Error(`no parameter ${name} in this model`);
    return flat.subarray(s.offset, s.offset + s.size);
  }

  prepare(flat: F64): PreparedParams {
    if (flat.length !== this.layout.total) throw new Error(`params: expected ${this.layout.total} floats (the layout's), got ${flat.length}`);
    const { layout } = this;
    return {
      flat,
      encoder: stackParams(layout, flat, this.encoder.layout, 'encoder'),
      decoder: stackParams(layout, flat, this.decoder.layout, 'decoder'),
      p: (n) => this.view(flat, n),
    };
  }

  /** Runs the encoder over B sources: the memory the decoder attends over and the decoder's initial state. */
  encode(P: PreparedParams, source: Uint32Array, sourceLengths: Uint32Array, S: number): { memory: Memory; state: DecoderState } {
    const B = sourceLengths.length;
    const enc = this.encoder.stack(P.encoder, { T: S, B, tokens: source, lengths: sourceLengths });
    const h = this.bridge(enc.hT, B);
    const c = enc.cT ? this.bridge(enc.cT, B) : null;
    return { memory: memoryKeys(this.cfg, P.p, enc.outputs[this.cfg.layers - 1], S, B, sourceLengths), state: { h, c } };
  }

  /** The encoder's final states [L*D*B*H] ((l·D + d)·B + b) as the decoder's initial state [L*B*W]: h0_l[b] = [h_n fwd; h_n rev]. */
  private bridge(hT: F64, B: number, back = false): F64 {
    const { layers: L, hidden: H } = this.cfg;
    const D = encoderDirections(this.cfg);
    const out = new Float64Array(L * B * D * H);
    for (let l = 0; l < L; l++)
      for (let d = 0; d < D; d++)
        for (let b = 0; b < B; b++)
          for (let i = 0; i < H; i++) {
            const [enc, dec] = [((l * D + d) * B + b) * H + i, (l * B + b) * D * H + d * H + i];
            if (back) out[enc] = hT[dec];
            else out[dec] = hT[enc];
          }
    return out;
  }

  /** One decoder step for B rows: the stack run for one step (RecurrentReference, T = 1) from `state`, then the readout. */
  step(P: PreparedParams, memory: Memory, state: DecoderState, tokens: Uint32Array): StepResult {
    const { B, S } = memory;
    const { W } = this;
    const V = this.cfg.vocab;
    const init: RecurrentInit = { h0: state.h, ...(state.c ? { c0: state.c } : {}) };
    const run = this.decoder.stack(P.decoder, { T: 1, B, tokens, lengths: new Uint32Array(B).fill(1) }, init);
    const top = run.outputs[this.cfg.layers - 1];
    const alpha = new Float64Array(B * S);
    const logits = new Float64Array(B * V);
    for (let b = 0; b < B; b++) {
      const r = readout(this.cfg, P.p, memory, b, top.subarray(b * W, (b + 1) * W));
      if (r.alpha.length) alpha.set(r.alpha, b * S);
      logits.set(r.logits, b * V);
    }
    return { state: { h: run.hT, c: run.cT }, top, alpha, logits };
  }

  forward(params: F64, batch: PairBatch, mask?: Uint8Array): Seq2SeqForward {
    return this.run(this.prepare(params), batch, mask).fwd;
  }

  private run(P: PreparedParams, batch: PairBatch, mask?: Uint8Array): { fwd: Seq2SeqForward; memory: Memory; init: DecoderState } {
    const { W } = this;
    const { B, S, U, target, targetLengths: len } = batch;
    const V = this.cfg.vocab;
    checkPairBatch(batch, V, mask);
    const { memory, state: init } = this.encode(P, batch.source, batch.sourceLengths, S);
    const fwd: Seq2SeqForward = {
      logits: new Float64Array(U * B * V),
      loss: 0,
      attention: new Float64Array(U * B * S),
      decoderStates: new Float64Array(U * B * W),
      inputs: new Uint32Array(U * B),
      predicted: new Uint32Array(U * B),
      encoderOutputs: memory.enc,
    };
    const N = len.reduce((a, n) => a + n, 0);
    let state = init;
    for (let u = 0; u < U; u++) {
      const tokens = fwd.inputs.subarray(u * B, (u + 1) * B);
      for (let b = 0; b < B; b++) {
        const r = u * B + b;
        if (u >= len[b])
          tokens[b] = PAD; // padded step: its result is dropped below
        else if (u === 0) tokens[b] = BOS;
        else tokens[b] = (mask?.[r] ?? 1) ? target[r - B] : fwd.predicted[r - B];
      }
      const out = this.step(P, memory, state, tokens);
      for (let b = 0; b < B; b++) {
        const r = u * B + b;
        if (u >= len[b]) {
          // Packed sequence: past its end the state is carried unchanged (the step's result for b is dropped).
          for (let l = 0; l < this.cfg.layers; l++) {
            const at = (l * B + b) * W;
            out.state.h.set(state.h.subarray(at, at + W), at);
            out.state.c?.set(state.c!.subarray(at, at + W), at);
          }
          continue;
        }
        const z = out.logits.subarray(b * V, (b + 1) * V);
        fwd.logits.set(z, r * V);
        fwd.attention.set(out.alpha.subarray(b * S, (b + 1) * S), r * S);
        fwd.decoderStates.set(out.top.subarray(b * W, (b + 1) * W), r * W);
        fwd.predicted[r] = argmax(z);
        fwd.loss += (logSumExp(z) - z[target[r]]) / N; // −log softmax(z)[y], averaged over the N real steps
      }
      state = out.state;
    }
    return { fwd, memory, init };
  }

  /** Loss and ∂loss/∂params (flat, this.layout), by hand (see the top of the file). */
  lossAndGrad(params: F64, batch: PairBatch, mask?: Uint8Array): { loss: number; grads: F64; fwd: Seq2SeqForward } {
    const { W, cfg, layout } = this;
    const { B, S, U, target, targetLengths: len } = batch;
    const V = cfg.vocab;
    const P = this.prepare(params);
    const { fwd, memory, init } = this.run(P, batch, mask);
    const grads = new Float64Array(layout.total);
    const g: Tensor = (n) => this.view(grads, n);
    const N = len.reduce((a, n) => a + n, 0);
    const dTop = new Float64Array(U * B * W); // ∂L/∂s_u
    const dEnc = new Float64Array(S * B * W); // ∂L/∂e_j, from every step's attention
    const dKeys = new Float64Array(memory.keys.length);
    for (let r = 0; r < U * B; r++) {
      const [u, b] = [Math.floor(r / B), r % B];
      if (u >= len[b]) continue;
      // L_r = (logsumexp(z) − z_y)/N:  dz = (softmax(z) − onehot(y))/N
      const z = fwd.logits.subarray(r * V, (r + 1) * V);
      const lse = logSumExp(z);
      const dz = z.map((zo, o) => (Math.exp(zo - lse) - (o === target[r] ? 1 : 0)) / N);
      dTop.set(readoutBackward(cfg, P.p, g, memory, b, fwd.decoderStates.subarray(r * W, (r + 1) * W), dz, dKeys, dEnc), r * W);
    }
    memoryKeysBackward(cfg, P.p, g, memory, dKeys, dEnc);
    // The decoder over all U steps with the inputs the forward chose (fixed: no gradient through an argmax).
    const decInit: RecurrentInit = { h0: init.h, ...(init.c ? { c0: init.c } : {}) };
    const dec = this.decoder.stackGrad(P.decoder, { T: U, B, tokens: fwd.inputs, lengths: len }, decInit, { dOutputs: dTop });
    addStackGrads(layout, grads, this.decoder.layout, dec.grads, 'decoder');
    // Its ∂L/∂(h0, c0) is ∂L/∂(the encoder's final states), through the bridge's reshuffle.
    const seeds = { dOutputs: dEnc, dhT: this.bridge(dec.dh0, B, true), ...(dec.dc0 ? { dcT: this.bridge(dec.dc0, B, true) } : {}) };
    const enc = this.encoder.stackGrad(P.encoder, { T: S, B, tokens: batch.source, lengths: batch.sourceLengths }, undefined, seeds);
    addStackGrads(layout, grads, this.encoder.layout, enc.grads, 'encoder');
    return { loss: fwd.loss, grads, fwd };
  }
}

export const logSumExp = (z: ArrayLike<number>): number => {
  const max = z[argmax(z)]; // (a loop, not Math.max(...z): a large vocabulary would overflow the call's arguments)
  let sum = 0;
  for (let i = 0; i < z.length; i++) sum += Math.exp(z[i] - max);
  return max + Math.log(sum);
};

/** The index of the largest value, the first of equal ones (torch.argmax's choice). */
export const argmax = (z: ArrayLike<number>): number => {
  let best = 0;
  for (let i = 1; i < z.length; i++) if (z[i] > z[best]) best = i;
  return best;
};

/** Sizes, lengths and ids at real steps (padding may hold anything). */
function checkPairBatch(batch: PairBatch, V: number, mask?: Uint8Array): void {
  const { B, S, U } = batch;
  const sized = (name: string, a: ArrayLike<number>, n: number) => {
    if (a.length !== n) throw new Error(`batch.${name}: expected ${n} values, got ${a.length}`);
  };
  sized('source', batch.source, S * B);
  sized('target', batch.target, U * B);
  sized('sourceLengths', batch.sourceLengths, B);
  sized('targetLengths', batch.targetLengths, B);
  if (mask) sized('mask', mask, U * B);
  for (const [name, lengths, max] of [
    ['sourceLengths', batch.sourceLengths, S],
    ['targetLengths', batch.targetLengths, U],
  ] as const)
    lengths.forEach((n, b) => {
      if (!(n >= 1 && n <= max)) throw new Error(`batch.${name}[${b}] = ${n}: must be between 1 and ${max}`);
    });
  for (const [name, ids, lengths] of [
    ['source', batch.source, batch.sourceLengths],
    ['target', batch.target, batch.targetLengths],
  ] as const)
    ids.forEach((v, r) => {
      if (Math.floor(r / B) < lengths[r % B] && v >= V) throw new Error(`batch.${name}[${r}] = ${v}: must be below the vocabulary size ${V}`);
    });
}
