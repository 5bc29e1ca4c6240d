// The float64 CPU reference of a stacked recurrent network (nn.RNN / nn.GRU / nn.LSTM, time-major,
// optionally bidirectional) + linear head + loss (cfg.loss: per-step cross-entropy 'ce', per-step
// MSELoss 'mse', or 'class' / 'regress' on each sequence's final state), all reduction='mean', with
// PyTorch's exact semantics. It is the specification the GPU kernels are tested against: same
// time-major layout (row r = t * B + b), same flat parameter layout (params.ts), and backward through
// time written out by hand, one small function per cell (referenceCells.ts). Slow and obvious on purpose.
//
// Per layer, direction and step the cell sees two pre-activation halves, each [G*H] with gate blocks
// stacked in PyTorch's order (RNN [a], GRU [r, z, n], LSTM [i, f, g, o]):
//   gi = W_ih x_t + b_ih      (x_t: the token's column of W_ih (a gather), the F-vector, or the layer below's output at t)
//   gh = W_hh h_prev + b_hh
// They are kept apart because the GRU's candidate gate uses them apart: n = tanh(gi_n + r ⊙ gh_n).
//
// Directions (cfg.bidirectional, PyTorch's bidirectional=True): the forward direction steps t = 0 … T−1,
// the reverse direction t = T−1 … 0, each from its own h0 with its own weights (`_reverse`). A layer's
// output at step t is [forward; reverse] (2H wide), what the layer above and the head read. Each
// direction keeps its states in (T+1) blocks of [B, H]: forward block 0 = h0 and block t+1 = its state
// after step t; reverse block T = h0 and block t = its state after step t. So the step at t reads
// block prev(t) and writes block out(t), and the final state is block T (forward) or 0 (reverse).
//
// Ragged batches (batch.lengths, PyTorch's packed sequences): at steps t ≥ lengths[b] sequence b's
// state is carried unchanged in every layer and direction (out = prev), the step adds no loss, and its
// inputs and targets are never read. So the forward direction's block T is each sequence's state at its
// last real step, and the reverse direction carries its h0 down to block lengths[b] and then reads the
// real steps backwards, lengths[b]−1 … 0: the reverse direction runs over each sequence's real steps
// only, as packed sequences do. Truncated BPTT: chunk k runs with init {h0: hT, c0: cT} of chunk k−1; its
// gradient stops there (dh0/dc0 are returned, never propagated further).
//
// stack() and stackGrad() expose the layers without the head, the latter seeded by ∂L/∂(top layer's
// outputs, final states): the encoder and decoder of ../seq2seq/reference.ts are such stacks.

import { directions, GATES, inputSize, layerSuffix, perSequenceLoss, type ModelConfig } from './config.ts';
import { paramLayout } from './params.ts';
import { type ParamLayout } from '../core/paramLayout.ts';
import type { Batch } from '../data/batch.ts';
import { linearRows, projectTokens, softmaxXent } from './referenceOps.ts';
import { gruStepBackward, gruStepForward, lstmStepBackward, lstmStepForward, rnnStepBackward, rnnStepForward } from './referenceCells.ts';

type F64 = Float64Array;

/** Initial states, each [L*D*B*H]: index ((l*D + d)*B + b)*H + i (direction fastest, as PyTorch's h0). */
export interface RecurrentInit {
  h0?: Float64Array;
  c0?: Float64Array;
}

export interface RecurrentForward {
  /** per layer and direction (index l*D + d): hidden states [(T+1)*B*H] in the blocks described above */
  hs: Float64Array[];
  /** as hs, LSTM only (else empty): cell states */
  cs: Float64Array[];
  /** per layer: its output [T*B, D*H], [forward; reverse] at each step, padded rows 0 */
  outputs: Float64Array[];
  /** 'ce' / 'mse': [T*B, O], padded rows 0. 'class' / 'regress': [B, O], the head on each sequence's final states. */
  logits: Float64Array;
  /** Per-row loss already divided by the mean's denominator, so loss = Σ rowLoss: [T*B] (padded rows 0), 'class': [B]. */
  rowLoss: Float64Array;
  loss: number;
  /** Each layer and direction's final state per sequence, [L*D*B*H] as h0: the next TBPTT chunk's h0. */
  hT: Float64Array;
  /** LSTM: final cell states, as hT; else null. */
  cT: Float64Array | null;
}

/** The stack alone (no head, no loss): what an encoder or a decoder built on it reads. */
export type RecurrentStack = Pick<RecurrentForward, 'hs' | 'cs' | 'outputs' | 'hT' | 'cT'>;

/** ∂L/∂(what the stack produces), seeding stackGrad: absent parts are 0. */
export interface StackSeeds {
  /** ∂L/∂(the top layer's output) [T*B, D*H]; padded rows are ignored. */
  dOutputs?: F64;
  /** ∂L/∂hT, ∂L/∂cT [L*D*B*H] (as hT): the final states read by something downstream. */
  dhT?: F64;
  dcT?: F64;
}

/** What the stack's backward needs besides the states. */
interface StackTape {
  gi: F64[]; // per layer and direction [T*B, G*H]; padded rows 0
  gh: F64[];
  len: Uint32Array; // real steps per sequence
}

/** ... and the head's. */
interface Tape extends StackTape {
  headIn: F64; // the head's input rows [nOut, D*H]
  dlogits: F64; // ∂loss/∂logits, as logits
}

/** Where direction d's step t reads its previous state and writes its new one (blocks of [B, H]). */
const blocks = (d: number, T: number) =>
  d === 0
    ? { prev: (t: number) => t, out: (t: number) => t + 1, initial: 0, final: T }
    : { prev: (t: number) => t + 1, out: (t: number) => t, initial: T, final: 0 };
/** Direction d's steps in the order it runs them. */
const stepOrder = (d: number, T: number) => Array.from({ length: T }, (_, i) => (d === 0 ? i : T - 1 - i));

/** batch.lengths validated (each in 1..T), or all T. */
function seqLengths(batch: Batch): Uint32Array {
  const { T, B, lengths } = batch;
  if (!lengths) return new Uint32Array(B).fill(T);
  if (lengths.length !== B) throw new Error(`batch.lengths: expected ${B} entries (one per sequence), got ${lengths.length}`);
  lengths.forEach((n, b) => {
    if (!(n >= 1 && n <= T)) throw new Error(`batch.lengths[${b}] = ${n}: must be between 1 and T = ${T}`);
  });
  return lengths;
}

const need = <A extends ArrayLike<number>>(cfg: ModelConfig, name: string, a: A | undefined, n: number): A => {
  if (!a) throw new Error(`batch.${name}: required (input ${cfg.input.kind}, loss ${cfg.loss})`);
  if (a.length !== n) throw new Error(`batch.${name}: expected ${n} values, got ${a.length}`);
  return a;
};

/** Checks that the batch holds the inputs cfg needs; values are checked at real steps only (padding may hold anything). */
function checkInputs(cfg: ModelConfig, batch: Batch, len: Uint32Array): void {
  const { T, B } = batch;
  const real = (r: number) => Math.floor(r / B) < len[r % B];
  if (cfg.input.kind === 'tokens') {
    const { vocab } = cfg.input;
    need(cfg, 'tokens', batch.tokens, T * B).forEach((v, r) => {
      if (real(r) && v >= vocab) throw new Error(`batch.tokens[${r}] = ${v}: must be below the vocabulary size ${vocab}`);
    });
  } else need(cfg, 'inputs', batch.inputs, T * B * cfg.input.features);
}

/** Checks that the batch holds the targets cfg's loss needs (real steps only, as checkInputs). */
function checkTargets(cfg: ModelConfig, batch: Batch, len: Uint32Array): void {
  const { T, B } = batch;
  const [rows, O] = [T * B, cfg.output];
  const real = (r: number) => Math.floor(r / B) < len[r % B];
  if (cfg.loss === 'mse' || cfg.loss === 'regress') need(cfg, 'targetValues', batch.targetValues, (cfg.loss === 'regress' ? B : rows) * O);
  else
    need(cfg, 'targets', batch.targets, cfg.loss === 'class' ? B : rows).forEach((v, r) => {
      if ((cfg.loss === 'class' || real(r)) && v >= O) throw new Error(`batch.targets[${r}] = ${v}: must be below the output size ${O}`);
    });
}

export class RecurrentReference {
  readonly layout: ParamLayout;
  constructor(readonly cfg: ModelConfig) {
    this.layout = paramLayout(cfg);
  }

  view(flat: F64, name: string): F64 {
    const s = this.layout.byName.get(name)!;
    return flat.subarray(s.offset, s.offset + s.size);
  }

  forward(params: F64, batch: Batch, init?: RecurrentInit): RecurrentForward {
    return this.run(params, batch, init).fwd;
  }

  /** The sizes every pass of a batch uses. */
  private sizes(batch: Batch) {
    const { hidden: H, output: O, layers: L, cell, nonlinearity } = this.cfg;
    const D = directions(this.cfg);
    return { T: batch.T, B: batch.B, H, O, L, D, W: D * H, cell, GH: GATES[cell] * H, rows: batch.T * batch.B, relu: nonlinearity === 'relu' };
  }

  /**
   * The stack without the head (the batch needs inputs and lengths, no targets): an encoder's or a
   * decoder's recurrent part. The head's parameters are not read.
   */
  stack(params: F64, batch: Batch, init?: RecurrentInit): RecurrentStack {
    const len = seqLengths(batch);
    checkInputs(this.cfg, batch, len);
    return this.runStack(params, batch, len, init).stack;
  }

  private run(params: F64, batch: Batch, init?: RecurrentInit): { fwd: RecurrentForward; tape: Tape } {
    const { cfg } = this;
    const { B, O, L, D, W, H, rows } = this.sizes(batch);
    const p = (n: string) => this.view(params, n);
    const len = seqLengths(batch);
    checkInputs(cfg, batch, len);
    checkTargets(cfg, batch, len);
    const { stack, tape: stackTape } = this.runStack(params, batch, len, init);
    const { outputs, hT } = stack;
    const isReal = (t: number, b: number) => t < len[b];
    // Head + loss. 'ce'/'mse': logits row q = r reads the top layer's output at real step r (N = Σ_b
    // lengths[b] of them). 'class'/'regress': row q = b reads the top layer's final states, [forward;
    // reverse] as torch.cat([h_n[-2], h_n[-1]], 1) (unidirectional: h_n[-1], the state after step lengths[b] − 1).
    // z = W x + b.  'ce'/'class': rowLoss = (logsumexp(z) − z_y)/D, dz = (softmax(z) − onehot(y))/D, D = N or B.
    // 'mse': rowLoss = Σ_o (z_o − y_o)²/(N·O), dz_o = 2(z_o − y_o)/(N·O); 'regress': the same on the
    // final states, D = B·O.
    const cls = perSequenceLoss(cfg);
    const squared = cfg.loss === 'mse' || cfg.loss === 'regress';
    const nOut = cls ? B : rows;
    const N = len.reduce((a, n) => a + n, 0);
    const Dn = (cls ? B : N) * (squared ? O : 1);
    const headIn = cls ? new Float64Array(B * W) : outputs[L - 1];
    if (cls)
      for (let b = 0; b < B; b++)
        for (let d = 0; d < D; d++) headIn.set(hT.subarray(((L - 1) * D + d) * B * H + b * H, ((L - 1) * D + d) * B * H + (b + 1) * H), b * W + d * H);
    const real = (q: number) => cls || isReal(Math.floor(q / B), q % B);
    const [Wh, bias] = [p('head.weight'), p('head.bias')];
    const logits = new Float64Array(nOut * O);
    const rowLoss = new Float64Array(nOut);
    const dlogits = new Float64Array(nOut * O);
    for (let q = 0; q < nOut; q++) {
      if (!real(q)) continue; // padded step: no output, no loss, target never read
      const z = linearRows(headIn.subarray(q * W, (q + 1) * W), Wh, bias, 1, O, W);
      logits.set(z, q * O);
      if (squared)
        for (let o = 0; o < O; o++) {
          const e = z[o] - batch.targetValues![q * O + o];
          rowLoss[q] += (e * e) / Dn;
          dlogits[q * O + o] = (2 * e) / Dn;
        }
      else {
        const xe = softmaxXent(z, batch.targets!.subarray(q, q + 1), O, 1 / Dn);
        rowLoss[q] = xe.rowLoss[0] / Dn;
        dlogits.set(xe.dlogits, q * O);
      }
    }
    const loss = rowLoss.reduce((a, v) => a + v, 0);
    return { fwd: { ...stack, logits, rowLoss, loss }, tape: { ...stackTape, headIn, dlogits } };
  }

  /** The layers, bottom to top, each direction over its steps; then the final states. */
  private runStack(params: F64, batch: Batch, len: Uint32Array, init?: RecurrentInit): { stack: RecurrentStack; tape: StackTape } {
    const { cfg } = this;
    const { T, B, H, L, D, W, cell, GH, rows, relu } = this.sizes(batch);
    const p = (n: string) => this.view(params, n);
    for (const [k, v] of Object.entries(init ?? {}))
      if (v && v.length !== L * D * B * H) throw new Error(`init.${k}: expected ${L * D * B * H} floats (layers × directions × B × H), got ${v.length}`);
    if (init?.c0 && cell !== 'lstm') throw new Error(`init.c0: only an LSTM has a cell state (cell is ${cell})`);
    const isReal = (t: number, b: number) => t < len[b];
    const hs: F64[] = [];
    const cs: F64[] = [];
    const outputs: F64[] = [];
    const tape: StackTape = { gi: [], gh: [], len };
    for (let l = 0; l < L; l++) {
      const In = l === 0 ? inputSize(cfg) : W;
      const x = l > 0 ? outputs[l - 1] : batch.inputs; // the layer's inputs x_t, row r (unused for tokens)
      const out = new Float64Array(rows * W);
      for (let d = 0; d < D; d++) {
        const [wih, bih, whh, bhh] = ['weight_ih', 'bias_ih', 'weight_hh', 'bias_hh'].map((n) => p(`rnn.${n}${layerSuffix(l, d)}`));
        const gi = new Float64Array(rows * GH); // W_ih x_t + b_ih, real rows only: padded inputs are never read
        for (let r = 0; r < rows; r++) {
          if (!isReal(Math.floor(r / B), r % B)) continue;
          if (l === 0 && batch.tokens)
            gi.set(projectTokens(wih, bih, batch.tokens.subarray(r, r + 1), GH, In), r * GH); // column gather
          else gi.set(linearRows(x!.subarray(r * In, (r + 1) * In), wih, bih, 1, GH, In), r * GH);
        }
        const gh = new Float64Array(rows * GH);
        const h = new Float64Array((T + 1) * B * H);
        const c = new Float64Array(cell === 'lstm' ? (T + 1) * B * H : 0);
        const { prev, out: next, initial } = blocks(d, T);
        const h0At = (l * D + d) * B * H;
        if (init?.h0) h.set(init.h0.subarray(h0At, h0At + B * H), initial * B * H);
        if (init?.c0) c.set(init.c0.subarray(h0At, h0At + B * H), initial * B * H);
        for (const t of stepOrder(d, T))
          for (let b = 0; b < B; b++) {
            const r = t * B + b;
            const at = (s: F64, block: number) => s.subarray((block * B + b) * H, (block * B + b + 1) * H);
            if (!isReal(t, b)) {
              at(h, next(t)).set(at(h, prev(t))); // packed sequence: past its end the state is carried unchanged
              if (cell === 'lstm') at(c, next(t)).set(at(c, prev(t)));
              continue;
            }
            const giR = gi.subarray(r * GH, (r + 1) * GH);
            const ghR = gh.subarray(r * GH, (r + 1) * GH);
            ghR.set(linearRows(at(h, prev(t)), whh, bhh, 1, GH, H)); // W_hh h_prev + b_hh
            if (cell === 'rnn') rnnStepForward(giR, ghR, H, relu, at(h, next(t)));
            else if (cell === 'gru') gruStepForward(giR, ghR, at(h, prev(t)), H, at(h, next(t)));
            else lstmStepForward(giR, ghR, at(c, prev(t)), H, at(h, next(t)), at(c, next(t)));
            out.set(at(h, next(t)), r * W + d * H); // the layer's output at t: [forward; reverse]
          }
        hs.push(h);
        if (cell === 'lstm') cs.push(c);
        tape.gi.push(gi);
        tape.gh.push(gh);
      }
      outputs.push(out);
    }
    const hT = new Float64Array(L * D * B * H); // final states: forward block T (padded steps carry), reverse block 0
    const cT = cell === 'lstm' ? new Float64Array(L * D * B * H) : null;
    const finalBlock = (s: F64, ld: number) => s.subarray(blocks(ld % D, T).final * B * H, (blocks(ld % D, T).final + 1) * B * H);
    hs.forEach((h, ld) => hT.set(finalBlock(h, ld), ld * B * H));
    cs.forEach((c, ld) => cT!.set(finalBlock(c, ld), ld * B * H));
    return { stack: { hs, cs, outputs, hT, cT }, tape };
  }

  /**
   * Loss and ∂loss/∂(params, h0, c0, inputs) by backpropagation through time.
   *
   * `dInputs`: ∂/∂ the first layer's input at each row, padded rows 0. Real inputs: [T*B, F]
   * (= Σ_d W_ihᵀ δgi). Token inputs: [T*B, D*G*H], the gradient w.r.t. the column W_ih[:, token]
   * each direction gathers (its projection, = δgi), directions side by side: a one-hot input cannot
   * be nudged, its embedding can.
   *
   * `opts.dlogits` replaces ∂loss/∂logits (same shape as fwd.logits) as the backward's seed, so
   * every gradient returned is that of Σ dlogits ⊙ logits: a vector-Jacobian product of the
   * network's outputs, which is what analyses such as ../analysis/connectivity.ts need. `loss` is
   * still the forward's loss.
   */
  lossAndGrad(
    params: F64,
    batch: Batch,
    init?: RecurrentInit,
    opts?: { dlogits?: F64 },
  ): { loss: number; grads: F64; dh0: F64; dc0: F64 | null; dInputs: F64; fwd: RecurrentForward } {
    const { cfg } = this;
    const { B, H, O, D, W, rows } = this.sizes(batch);
    const { fwd, tape } = this.run(params, batch, init);
    const { len, headIn } = tape;
    const dlogits = opts?.dlogits ?? tape.dlogits;
    if (dlogits.length !== tape.dlogits.length)
      throw new Error(`opts.dlogits: expected ${tape.dlogits.length} values (the logits' shape), got ${dlogits.length}`);
    const isReal = (t: number, b: number) => t < len[b];
    const grads = new Float64Array(this.layout.total);
    const g = (n: string) => this.view(grads, n);
    const p = (n: string) => this.view(params, n);

    // Head: per logits row q: dW += dz ⊗ x_q, db += dz, dx_q = Wᵀ dz (x_q: headIn's row q).
    const cls = perSequenceLoss(cfg);
    const [dW, db, Wh] = [g('head.weight'), g('head.bias'), p('head.weight')];
    const dHeadIn = new Float64Array(headIn.length);
    for (let q = 0; q < dlogits.length / O; q++) {
      if (!cls && !isReal(Math.floor(q / B), q % B)) continue;
      for (let o = 0; o < O; o++) {
        const dz = dlogits[q * O + o];
        db[o] += dz;
        for (let i = 0; i < W; i++) {
          dW[o * W + i] += dz * headIn[q * W + i];
          dHeadIn[q * W + i] += dz * Wh[o * W + i];
        }
      }
    }
    // ∂L/∂(the current layer's output) [T*B, D*H], from above (the head or the layer above). A
    // sequence loss reads the final states: the output at each direction's last real step.
    const dOut = cls ? new Float64Array(rows * W) : dHeadIn;
    if (cls)
      for (let b = 0; b < B; b++)
        for (let d = 0; d < D; d++) {
          const t = d === 0 ? len[b] - 1 : 0;
          dOut.set(dHeadIn.subarray(b * W + d * H, b * W + (d + 1) * H), (t * B + b) * W + d * H);
        }
    const { dh0, dc0, dInputs } = this.backStack(params, batch, fwd, tape, dOut, grads);
    return { loss: fwd.loss, grads, dh0, dc0, dInputs, fwd };
  }

  /**
   * ∂L/∂(stack params, h0, c0, inputs) given ∂L/∂(the top layer's output) and ∂L/∂(final states):
   * the stack as a part of a larger model (an encoder, a decoder). `grads` has the layout of
   * lossAndGrad's (the head's entries stay 0); dInputs as lossAndGrad's. The forward is rerun.
   */
  stackGrad(
    params: F64,
    batch: Batch,
    init: RecurrentInit | undefined,
    seeds: StackSeeds,
  ): { grads: F64; dh0: F64; dc0: F64 | null; dInputs: F64; stack: RecurrentStack } {
    const { rows, W, L, D, B, H } = this.sizes(batch);
    const len = seqLengths(batch);
    checkInputs(this.cfg, batch, len);
    const { stack, tape } = this.runStack(params, batch, len, init);
    const sizes = { dOutputs: rows * W, dhT: L * D * B * H, dcT: L * D * B * H };
    for (const [k, v] of Object.entries(seeds))
      if (v && v.length !== sizes[k as keyof StackSeeds]) throw new Error(`seeds.${k}: expected ${sizes[k as keyof StackSeeds]} floats, got ${v.length}`);
    if (seeds.dcT && this.cfg.cell !== 'lstm') throw new Error(`seeds.dcT: only an LSTM has a cell state (cell is ${this.cfg.cell})`);
    const grads = new Float64Array(this.layout.total);
    const back = this.backStack(params, batch, stack, tape, seeds.dOutputs ?? new Float64Array(rows * W), grads, seeds.dhT, seeds.dcT);
    return { grads, ...back, stack };
  }

  /** Backpropagation through time down the layers, seeded by dOut (top layer's outputs) and dhT/dcT; adds into grads. */
  private backStack(params: F64, batch: Batch, fwd: RecurrentStack, tape: StackTape, dOut: F64, grads: F64, dhT?: F64, dcT?: F64) {
    const { cfg } = this;
    const { T, B, H, L, D, W, cell, GH, rows, relu } = this.sizes(batch);
    const { len } = tape;
    const isReal = (t: number, b: number) => t < len[b];
    const g = (n: string) => this.view(grads, n);
    const p = (n: string) => this.view(params, n);
    const dh0 = new Float64Array(L * D * B * H);
    const dc0 = cell === 'lstm' ? new Float64Array(L * D * B * H) : null;
    let dInputs = dOut; // set at layer 0
    for (let l = L - 1; l >= 0; l--) {
      const In = l === 0 ? inputSize(cfg) : W;
      const tokens = l === 0 ? batch.tokens : undefined;
      const x = l === 0 ? batch.inputs : fwd.outputs[l - 1]; // the layer's inputs
      const dX = new Float64Array(tokens ? 0 : rows * In); // tokens: dgi is the input gradient (see dInputs)
      const dTokens = new Float64Array(tokens ? rows * D * GH : 0);
      for (let d = 0; d < D; d++) {
        const ld = l * D + d;
        const sfx = layerSuffix(l, d);
        const [whh, wih] = [p(`rnn.weight_hh${sfx}`), p(`rnn.weight_ih${sfx}`)];
        const [h, c, gi, gh] = [fwd.hs[ld], fwd.cs[ld], tape.gi[ld], tape.gh[ld]];
        const { prev, out: next } = blocks(d, T);
        const dgi = new Float64Array(rows * GH); // padded rows stay 0
        const dgh = new Float64Array(rows * GH);
        // ∂L/∂h, ∂L/∂c carried back through the direction's steps (all rows b), from the final state's seed
        const dh = dhT ? dhT.slice(ld * B * H, (ld + 1) * B * H) : new Float64Array(B * H);
        const dc = dcT ? dcT.slice(ld * B * H, (ld + 1) * B * H) : new Float64Array(B * H);
        for (const t of stepOrder(d, T).reverse())
          for (let b = B - 1; b >= 0; b--) {
            // A padded step copies the state (out = prev) and gets no gradient from above: dh and dc pass through unchanged.
            if (!isReal(t, b)) continue;
            const r = t * B + b;
            const at = (s: F64, block: number) => s.subarray((block * B + b) * H, (block * B + b + 1) * H);
            const row = (s: F64, n: number) => s.subarray(r * n, (r + 1) * n);
            const dhOut = dOut.subarray(r * W + d * H, r * W + (d + 1) * H).map((v, i) => v + dh[b * H + i]); // from above + from the next step
            const dhB = dh.subarray(b * H, (b + 1) * H).fill(0);
            const dcB = dc.subarray(b * H, (b + 1) * H);
            const [giR, ghR, dgiR, dghR] = [row(gi, GH), row(gh, GH), row(dgi, GH), row(dgh, GH)];
            if (cell === 'rnn') rnnStepBackward(dhOut, at(h, next(t)), H, relu, dgiR, dghR);
            else if (cell === 'gru') gruStepBackward(giR, ghR, at(h, prev(t)), dhOut, H, dgiR, dghR, dhB);
            else lstmStepBackward(giR, ghR, at(c, prev(t)), at(c, next(t)), dhOut, dcB.slice(), H, dgiR, dghR, dcB);
            for (let j = 0; j < H; j++) for (let k = 0; k < GH; k++) dhB[j] += whh[k * H + j] * dghR[k]; // δh_prev += W_hhᵀ dgh
          }
        dh0.set(dh, ld * B * H);
        dc0?.set(dc, ld * B * H);
        // Weights, over real rows r: dW_hh += dgh_r ⊗ h_prev, db_hh += dgh_r, dW_ih += dgi_r ⊗ x_r, db_ih += dgi_r; dX_r += W_ihᵀ dgi_r.
        const [dWih, dWhh, dbih, dbhh] = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((n) => g(`rnn.${n}${sfx}`));
        for (let r = 0; r < rows; r++) {
          const [t, b] = [Math.floor(r / B), r % B];
          if (!isReal(t, b)) continue; // padded inputs are never read
          const hPrev = (prev(t) * B + b) * H;
          for (let k = 0; k < GH; k++) {
            const [a, e] = [dgi[r * GH + k], dgh[r * GH + k]];
            dbih[k] += a;
            dbhh[k] += e;
            for (let j = 0; j < H; j++) dWhh[k * H + j] += e * h[hPrev + j];
            if (tokens) {
              dWih[k * In + tokens[r]] += a; // scatter into the token's column
              dTokens[r * D * GH + d * GH + k] = a;
            } else
              for (let f = 0; f < In; f++) {
                dWih[k * In + f] += a * x![r * In + f];
                dX[r * In + f] += a * wih[k * In + f];
              }
          }
        }
      }
      dOut = dX;
      if (l === 0) dInputs = tokens ? dTokens : dX;
    }
    return { dh0, dc0, dInputs };
  }
}
