// The float64 CPU reference of a stacked recurrent network (nn.RNN / nn.GRU / nn.LSTM, time-major)
// + linear head + loss (cfg.loss: per-step cross-entropy 'ce', per-step MSELoss 'mse', or 'class':
// cross-entropy of each sequence's final state), all reduction='mean', with PyTorch's exact
// semantics. It is the specification the GPU kernels are tested against: same time-major layout
// (row r = t * B + b), same flat parameter layout (params.ts), and backward through time written
// out by hand, one small function per cell. Slow and obvious on purpose.
//
// Per layer and step the cell sees two pre-activation halves, each [G*H] with gate blocks stacked
// in PyTorch's order (RNN [a], GRU [r, z, n], LSTM [i, f, g, o]):
//   gi = W_ih x_t + b_ih      (x_t: the token's column of W_ih (a gather), the F-vector, or h_t of the layer below)
//   gh = W_hh h_{t-1} + b_hh
// They are kept apart because the GRU's candidate gate uses them apart: n = tanh(gi_n + r ⊙ gh_n).
//
// Ragged batches (batch.lengths, PyTorch's packed sequences): at steps t ≥ lengths[b] sequence b's
// state is carried unchanged in every layer (h_t = h_{t-1}, c_t = c_{t-1}), the step adds no loss,
// and its inputs and targets are never read. So hs block T (= hT) is each sequence's state at its
// last real step. Truncated BPTT: chunk k runs with init {h0: hT, c0: cT} of chunk k−1; its
// gradient stops there (dh0/dc0 are returned, never propagated further).

import { GATES, inputSize, perSequenceLoss, type ModelConfig } from './config.ts';
import { paramLayout } from './params.ts';
import { type ParamLayout } from '../core/paramLayout.ts';
import type { Batch } from '../data/batch.ts';
import { activate, activateGrad, linearRows, projectTokens, softmaxXent } from './referenceOps.ts';

type F64 = Float64Array;

export interface RecurrentInit {
  h0?: Float64Array;
  c0?: Float64Array;
} // each [L*B*H], layer-major: index (l*B + b)*H + i

export interface RecurrentForward {
  /** per layer: hidden states [(T+1)*B*H], rows 0..B-1 = that layer's h0 */
  hs: Float64Array[];
  /** per layer (LSTM only, else empty): cell states [(T+1)*B*H], rows 0..B-1 = c0 */
  cs: Float64Array[];
  /** 'ce' / 'mse': [T*B, O], padded rows 0. 'class': [B, O], the head on each sequence's final top state. */
  logits: Float64Array;
  /** Per-row loss already divided by the mean's denominator, so loss = Σ rowLoss: [T*B] (padded rows 0), 'class': [B]. */
  rowLoss: Float64Array;
  loss: number;
  /** Each layer's final state per sequence, [L*B*H] layer-major (= hs block T): the next TBPTT chunk's h0. */
  hT: Float64Array;
  /** LSTM: final cell states, as hT; else null. */
  cT: Float64Array | null;
}

/** What backward needs besides the states. */
interface Tape {
  gi: F64[]; // per layer [T*B, G*H]; padded rows 0
  gh: F64[];
  len: Uint32Array; // real steps per sequence
  dlogits: F64; // ∂loss/∂logits, as logits
  src: Int32Array; // per logits row: the top-layer state row (r = t*B + b of hs[L−1] from block 1) it reads; −1: padded
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

// ---- One step of one batch row. gi, gh: [G*H]; h, c: previous state [H]; *Out: new state [H]. ----
// Each backward writes dgi, dgh (∂L/∂gi, ∂L/∂gh) and adds the direct ∂L/∂h (and sets ∂L/∂c) of the
// previous state; the W_hhᵀ·dgh part of ∂L/∂h_{t-1} is added by the caller.

export function rnnStepForward(gi: F64, gh: F64, H: number, relu: boolean, hOut: F64): void {
  for (let i = 0; i < H; i++) hOut[i] = activate(gi[i] + gh[i], relu); // h' = act(gi + gh)
}

function rnnStepBackward(dhOut: F64, hOut: F64, H: number, relu: boolean, dgi: F64, dgh: F64): void {
  for (let i = 0; i < H; i++) {
    const da = dhOut[i] * activateGrad(hOut[i], relu); // δa = δh' ⊙ act'(a), a = gi + gh
    dgi[i] = da; // ∂a/∂gi = 1
    dgh[i] = da; // ∂a/∂gh = 1
  }
}

function gruGates(gi: F64, gh: F64, H: number, i: number) {
  const r = sigmoid(gi[i] + gh[i]); // r = σ(W_ir x + b_ir + W_hr h + b_hr)
  const z = sigmoid(gi[H + i] + gh[H + i]); // z = σ(W_iz x + b_iz + W_hz h + b_hz)
  const n = Math.tanh(gi[2 * H + i] + r * gh[2 * H + i]); // n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
  return { r, z, n };
}

export function gruStepForward(gi: F64, gh: F64, h: F64, H: number, hOut: F64): void {
  for (let i = 0; i < H; i++) {
    const { z, n } = gruGates(gi, gh, H, i);
    hOut[i] = (1 - z) * n + z * h[i]; // h' = (1 − z) ⊙ n + z ⊙ h
  }
}

function gruStepBackward(gi: F64, gh: F64, h: F64, dhOut: F64, H: number, dgi: F64, dgh: F64, dh: F64): void {
  for (let i = 0; i < H; i++) {
    const { r, z, n } = gruGates(gi, gh, H, i);
    const d = dhOut[i];
    dh[i] += d * z; // ∂h'/∂h = z (direct path)
    const dn = d * (1 - z); // ∂h'/∂n = 1 − z
    const dz = d * (h[i] - n); // ∂h'/∂z = h − n
    const dan = dn * (1 - n * n); // n = tanh(a_n): ∂n/∂a_n = 1 − n²
    const dr = dan * gh[2 * H + i]; // a_n = gi_n + r ⊙ gh_n: ∂a_n/∂r = gh_n
    const dar = dr * r * (1 - r); // r = σ(a_r): σ' = r(1 − r)
    const daz = dz * z * (1 - z); // z = σ(a_z): σ' = z(1 − z)
    dgi[i] = dar; // a_r = gi_r + gh_r
    dgh[i] = dar;
    dgi[H + i] = daz; // a_z = gi_z + gh_z
    dgh[H + i] = daz;
    dgi[2 * H + i] = dan; // ∂a_n/∂gi_n = 1
    dgh[2 * H + i] = dan * r; // ∂a_n/∂gh_n = r
  }
}

function lstmGates(gi: F64, gh: F64, H: number, i: number) {
  const a = (k: number) => gi[k * H + i] + gh[k * H + i]; // a_k = W_ik x + b_ik + W_hk h + b_hk
  return { ig: sigmoid(a(0)), fg: sigmoid(a(1)), gg: Math.tanh(a(2)), og: sigmoid(a(3)) }; // i, f, g, o
}

export function lstmStepForward(gi: F64, gh: F64, c: F64, H: number, hOut: F64, cOut: F64): void {
  for (let i = 0; i < H; i++) {
    const { ig, fg, gg, og } = lstmGates(gi, gh, H, i);
    cOut[i] = fg * c[i] + ig * gg; // c' = f ⊙ c + i ⊙ g
    hOut[i] = og * Math.tanh(cOut[i]); // h' = o ⊙ tanh(c')
  }
}

/** dcOut: ∂L/∂c' from the next step; dc receives ∂L/∂c. LSTM has no direct h → h' path. */
function lstmStepBackward(gi: F64, gh: F64, c: F64, cOut: F64, dhOut: F64, dcOut: F64, H: number, dgi: F64, dgh: F64, dc: F64): void {
  for (let i = 0; i < H; i++) {
    const { ig, fg, gg, og } = lstmGates(gi, gh, H, i);
    const tc = Math.tanh(cOut[i]);
    const dO = dhOut[i] * tc; // ∂h'/∂o = tanh(c')
    const dC = dcOut[i] + dhOut[i] * og * (1 - tc * tc); // δc' = δc'(next) + δh' ⊙ o ⊙ (1 − tanh²(c'))
    const dI = dC * gg; // ∂c'/∂i = g
    const dF = dC * c[i]; // ∂c'/∂f = c
    const dG = dC * ig; // ∂c'/∂g = i
    dc[i] = dC * fg; // ∂c'/∂c = f
    const da = [dI * ig * (1 - ig), dF * fg * (1 - fg), dG * (1 - gg * gg), dO * og * (1 - og)]; // σ' = s(1−s), tanh' = 1 − g²
    for (let k = 0; k < 4; k++) {
      dgi[k * H + i] = da[k]; // a_k = gi_k + gh_k
      dgh[k * H + i] = da[k];
    }
  }
}

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

/** Checks that the batch holds what cfg needs; values are checked at real steps only (padding may hold anything). */
function checkBatch(cfg: ModelConfig, batch: Batch, len: Uint32Array): void {
  const { T, B } = batch;
  const [rows, O] = [T * B, cfg.output];
  const need = <A extends ArrayLike<number>>(name: string, a: A | undefined, n: number): A => {
    if (!a) throw new Error(`batch.${name}: required (input ${cfg.input.kind}, loss ${cfg.loss})`);
    if (a.length !== n) throw new Error(`batch.${name}: expected ${n} values, got ${a.length}`);
    return a;
  };
  const real = (r: number) => Math.floor(r / B) < len[r % B];
  if (cfg.input.kind === 'tokens') {
    const { vocab } = cfg.input;
    need('tokens', batch.tokens, rows).forEach((v, r) => {
      if (real(r) && v >= vocab) throw new Error(`batch.tokens[${r}] = ${v}: must be below the vocabulary size ${vocab}`);
    });
  } else need('inputs', batch.inputs, rows * cfg.input.features);
  if (cfg.loss === 'mse' || cfg.loss === 'regress') need('targetValues', batch.targetValues, (cfg.loss === 'regress' ? B : rows) * O);
  else
    need('targets', batch.targets, cfg.loss === 'class' ? B : rows).forEach((v, r) => {
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
    return { T: batch.T, B: batch.B, H, O, L, cell, GH: GATES[cell] * H, rows: batch.T * batch.B, relu: nonlinearity === 'relu' };
  }

  private run(params: F64, batch: Batch, init?: RecurrentInit): { fwd: RecurrentForward; tape: Tape } {
    const { cfg } = this;
    const { T, B, H, O, L, cell, GH, rows, relu } = this.sizes(batch);
    const p = (n: string) => this.view(params, n);
    const len = seqLengths(batch);
    checkBatch(cfg, batch, len);
    for (const [k, v] of Object.entries(init ?? {}))
      if (v && v.length !== L * B * H) throw new Error(`init.${k}: expected ${L * B * H} floats, got ${v.length}`);
    if (init?.c0 && cell !== 'lstm') throw new Error(`init.c0: only an LSTM has a cell state (cell is ${cell})`);
    const isReal = (r: number) => Math.floor(r / B) < len[r % B]; // row r = t*B + b is a real step: t < lengths[b]
    const hs: F64[] = [];
    const cs: F64[] = [];
    const tape: Tape = { gi: [], gh: [], len, dlogits: new Float64Array(0), src: new Int32Array(0) };
    for (let l = 0; l < L; l++) {
      const [wih, bih, whh, bhh] = ['weight_ih', 'bias_ih', 'weight_hh', 'bias_hh'].map((n) => p(`rnn.${n}_l${l}`));
      const In = l === 0 ? inputSize(cfg) : H;
      const x = l > 0 ? hs[l - 1].subarray(B * H) : batch.inputs; // the layer's inputs x_t, row r (unused for tokens)
      const gi = new Float64Array(rows * GH); // W_ih x_t + b_ih, real rows only: padded inputs are never read
      for (let r = 0; r < rows; r++) {
        if (!isReal(r)) continue;
        if (l === 0 && batch.tokens)
          gi.set(projectTokens(wih, bih, batch.tokens.subarray(r, r + 1), GH, In), r * GH); // column gather
        else gi.set(linearRows(x!.subarray(r * In, (r + 1) * In), wih, bih, 1, GH, In), r * GH);
      }
      const gh = new Float64Array(rows * GH);
      const h = new Float64Array((T + 1) * B * H);
      const c = new Float64Array(cell === 'lstm' ? (T + 1) * B * H : 0);
      if (init?.h0) h.set(init.h0.subarray(l * B * H, (l + 1) * B * H));
      if (init?.c0) c.set(init.c0.subarray(l * B * H, (l + 1) * B * H));
      for (let r = 0; r < rows; r++) {
        const prev = (s: F64) => s.subarray(r * H, (r + 1) * H);
        const next = (s: F64) => s.subarray((r + B) * H, (r + B + 1) * H);
        if (!isReal(r)) {
          next(h).set(prev(h)); // packed sequence: past its end the state is carried unchanged
          if (cell === 'lstm') next(c).set(prev(c));
          continue;
        }
        const giR = gi.subarray(r * GH, (r + 1) * GH);
        const ghR = gh.subarray(r * GH, (r + 1) * GH);
        ghR.set(linearRows(prev(h), whh, bhh, 1, GH, H)); // W_hh h_{t-1} + b_hh
        if (cell === 'rnn') rnnStepForward(giR, ghR, H, relu, next(h));
        else if (cell === 'gru') gruStepForward(giR, ghR, prev(h), H, next(h));
        else lstmStepForward(giR, ghR, prev(c), H, next(h), next(c));
      }
      hs.push(h);
      if (cell === 'lstm') cs.push(c);
      tape.gi.push(gi);
      tape.gh.push(gh);
    }

    // Head + loss. Logits row q reads top-layer state row src[q]: 'ce'/'mse': q = r for real steps
    // (N = Σ_b lengths[b] of them); 'class': q = b, src = (lengths[b] − 1)*B + b, its final state.
    // z = W h + b.  'ce'/'class': rowLoss = (logsumexp(z) − z_y)/D, dz = (softmax(z) − onehot(y))/D, D = N or B.
    // 'mse': rowLoss = Σ_o (z_o − y_o)²/(N·O), dz_o = 2(z_o − y_o)/(N·O); 'regress': the same on the
    // final states, D = B·O.
    const cls = perSequenceLoss(cfg);
    const squared = cfg.loss === 'mse' || cfg.loss === 'regress';
    const nOut = cls ? B : rows;
    const src = Int32Array.from({ length: nOut }, (_, q) => (cls ? (len[q] - 1) * B + q : isReal(q) ? q : -1));
    const N = len.reduce((a, n) => a + n, 0);
    const D = (cls ? B : N) * (squared ? O : 1);
    const [W, bias, top] = [p('head.weight'), p('head.bias'), hs[L - 1].subarray(B * H)];
    const logits = new Float64Array(nOut * O);
    const rowLoss = new Float64Array(nOut);
    const dlogits = new Float64Array(nOut * O);
    for (let q = 0; q < nOut; q++) {
      if (src[q] < 0) continue; // padded step: no output, no loss, target never read
      const z = linearRows(top.subarray(src[q] * H, (src[q] + 1) * H), W, bias, 1, O, H);
      logits.set(z, q * O);
      if (squared)
        for (let o = 0; o < O; o++) {
          const e = z[o] - batch.targetValues![q * O + o];
          rowLoss[q] += (e * e) / D;
          dlogits[q * O + o] = (2 * e) / D;
        }
      else {
        const xe = softmaxXent(z, batch.targets!.subarray(q, q + 1), O, 1 / D);
        rowLoss[q] = xe.rowLoss[0] / D;
        dlogits.set(xe.dlogits, q * O);
      }
    }
    Object.assign(tape, { dlogits, src });
    const loss = rowLoss.reduce((a, v) => a + v, 0);
    const hT = new Float64Array(L * B * H); // final states = hs block T (padded steps carry)
    hs.forEach((h, l) => hT.set(h.subarray(T * B * H), l * B * H));
    const cT = cell === 'lstm' ? new Float64Array(L * B * H) : null;
    cs.forEach((c, l) => cT!.set(c.subarray(T * B * H), l * B * H));
    return { fwd: { hs, cs, logits, rowLoss, loss, hT, cT }, tape };
  }

  /**
   * Loss and ∂loss/∂(params, h0, c0, inputs) by backpropagation through time.
   *
   * `dInputs`: ∂/∂ the first layer's input at each row, padded rows 0. Real inputs: [T*B, F]
   * (= W_ihᵀ δgi). Token inputs: [T*B, G*H], the gradient w.r.t. the column W_ih[:, token] the
   * step gathers (its projection, = δgi): a one-hot input cannot be nudged, its embedding can.
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
    const { B, H, O, L, cell, GH, rows, relu } = this.sizes(batch);
    const { fwd, tape } = this.run(params, batch, init);
    const { len, src } = tape;
    const dlogits = opts?.dlogits ?? tape.dlogits;
    if (dlogits.length !== tape.dlogits.length)
      throw new Error(`opts.dlogits: expected ${tape.dlogits.length} values (the logits' shape), got ${dlogits.length}`);
    const isReal = (r: number) => Math.floor(r / B) < len[r % B];
    const grads = new Float64Array(this.layout.total);
    const g = (n: string) => this.view(grads, n);
    const p = (n: string) => this.view(params, n);
    const dh0 = new Float64Array(L * B * H);
    const dc0 = cell === 'lstm' ? new Float64Array(L * B * H) : null;

    // Head: per logits row q reading state row s = src[q]: dW += dz ⊗ h_s, db += dz, dY_s += Wᵀ dz.
    const top = fwd.hs[L - 1].subarray(B * H);
    const [dW, db, W] = [g('head.weight'), g('head.bias'), p('head.weight')];
    let dY = new Float64Array(rows * H); // ∂L/∂h_t of the current layer's outputs, from above (head or next layer)
    let dInputs = dY; // set at layer 0
    src.forEach((s, q) => {
      if (s < 0) return;
      for (let o = 0; o < O; o++) {
        const d = dlogits[q * O + o];
        db[o] += d;
        for (let i = 0; i < H; i++) {
          dW[o * H + i] += d * top[s * H + i];
          dY[s * H + i] += d * W[o * H + i];
        }
      }
    });

    for (let l = L - 1; l >= 0; l--) {
      const whh = p(`rnn.weight_hh_l${l}`);
      const wih = p(`rnn.weight_ih_l${l}`);
      const [h, c, gi, gh] = [fwd.hs[l], fwd.cs[l], tape.gi[l], tape.gh[l]];
      const dgi = new Float64Array(rows * GH); // padded rows stay 0
      const dgh = new Float64Array(rows * GH);
      const dh = new Float64Array(B * H); // ∂L/∂h_t carried back through time (all rows b)
      const dc = new Float64Array(B * H); // ∂L/∂c_t carried back through time (LSTM)
      for (let r = rows - 1; r >= 0; r--) {
        // A padded step copies the state (h_t = h_{t-1}) and gets no gradient from above (dY_r = 0):
        // δh_{t-1} = δh_t, δc_{t-1} = δc_t, i.e. dh and dc pass through unchanged.
        if (!isReal(r)) continue;
        const b = r % B;
        const row = (s: F64, n: number, at = r) => s.subarray(at * n, (at + 1) * n);
        const dhOut = row(dY, H).map((v, i) => v + dh[b * H + i]); // δh_t = from above + from step t+1
        const dhB = row(dh, H, b).fill(0);
        const [giR, ghR, dgiR, dghR] = [row(gi, GH), row(gh, GH), row(dgi, GH), row(dgh, GH)];
        if (cell === 'rnn') rnnStepBackward(dhOut, row(h, H, r + B), H, relu, dgiR, dghR);
        else if (cell === 'gru') gruStepBackward(giR, ghR, row(h, H), dhOut, H, dgiR, dghR, dhB);
        else lstmStepBackward(giR, ghR, row(c, H), row(c, H, r + B), dhOut, row(dc, H, b).slice(), H, dgiR, dghR, row(dc, H, b));
        for (let j = 0; j < H; j++) for (let k = 0; k < GH; k++) dhB[j] += whh[k * H + j] * dghR[k]; // δh_{t−1} += W_hhᵀ dgh
      }
      dh0.set(dh, l * B * H);
      dc0?.set(dc, l * B * H);
      // Weights, over real rows r: dW_hh += dgh_r ⊗ h_{r−1}, db_hh += dgh_r, dW_ih += dgi_r ⊗ x_r, db_ih += dgi_r; dX_r = W_ihᵀ dgi_r.
      const [dWih, dWhh, dbih, dbhh] = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((n) => g(`rnn.${n}_l${l}`));
      const In = l === 0 ? inputSize(cfg) : H;
      const tokens = l === 0 ? batch.tokens : undefined;
      const x = l === 0 ? batch.inputs : fwd.hs[l - 1].subarray(B * H); // the layer below's outputs h_1..h_T
      const dX = new Float64Array(tokens ? 0 : rows * In); // tokens: dgi is the input gradient (see dInputs)
      for (let r = 0; r < rows; r++) {
        if (!isReal(r)) continue; // padded inputs are never read
        for (let k = 0; k < GH; k++) {
          const [a, e] = [dgi[r * GH + k], dgh[r * GH + k]];
          dbih[k] += a;
          dbhh[k] += e;
          for (let j = 0; j < H; j++) dWhh[k * H + j] += e * h[r * H + j];
          if (tokens)
            dWih[k * In + tokens[r]] += a; // scatter into the token's column
          else
            for (let f = 0; f < In; f++) {
              dWih[k * In + f] += a * x![r * In + f];
              dX[r * In + f] += a * wih[k * In + f];
            }
        }
      }
      dY = dX;
      if (l === 0) dInputs = tokens ? dgi : dX;
    }
    return { loss: fwd.loss, grads, dh0, dc0, dInputs, fwd };
  }
}
