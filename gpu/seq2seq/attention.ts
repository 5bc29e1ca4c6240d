// The decoder's readout in float64: from its top state s (one batch row, one step) to the logits,
// through Luong-style attention over the encoder outputs. Forward and hand-written backward, one
// row at a time; reference.ts composes them. W = D·H (encoder output width = decoder width).
//
//   score_j = s · e_j                         'dot'
//           = s · (W_a e_j)                   'general'    (k_j = W_a e_j, precomputed: memoryKeys)
//           = v · tanh(W_q s + W_k e_j)       'additive'   (k_j = W_k e_j, precomputed)
//   over the real source steps j < lengths[b] only (the others are −∞: α_j = 0, e_j never read)
//   α = softmax(score);  c = Σ_j α_j e_j;  h̃ = tanh(W_c [c; s] + b_c);  z = W_o h̃ + b_o
//   'none': z = W_o s + b_o (no attention, no combine layer)

import type { Seq2SeqConfig } from './config.ts';
import { linearRows } from '../recurrent/referenceOps.ts';

type F64 = Float64Array;
/** A named tensor of the seq2seq flat buffer (params or grads). */
export type Tensor = (name: string) => F64;

/** The encoder outputs a decoder attends over. */
export interface Memory {
  S: number;
  B: number;
  /** Real source steps per sequence. */
  lengths: Uint32Array;
  /** e: the encoder's top-layer outputs [S*B, W], row j·B + b, padded rows 0. */
  enc: F64;
  /** k: 'general' W_a e [S*B, W]; 'additive' W_k e [S*B, A]; else empty. Padded rows 0. */
  keys: F64;
}

/** The keys of every real encoder row (computed once per source, not per decoder step). */
export function memoryKeys(cfg: Seq2SeqConfig, p: Tensor, enc: F64, S: number, B: number, lengths: Uint32Array): Memory {
  const W = enc.length / (S * B);
  const kw = cfg.attention === 'general' ? p('attention.weight') : cfg.attention === 'additive' ? p('attention.key.weight') : null;
  const K = kw ? kw.length / W : 0;
  const keys = new Float64Array(S * B * K);
  if (kw)
    for (let r = 0; r < S * B; r++) if (Math.floor(r / B) < lengths[r % B]) keys.set(linearRows(enc.subarray(r * W, (r + 1) * W), kw, null, 1, K, W), r * K);
  return { S, B, lengths, enc, keys };
}

/** Backward of memoryKeys: dW_k += Σ_j dk_j ⊗ e_j and dE_j += W_kᵀ dk_j (W_a for 'general'). */
export function memoryKeysBackward(cfg: Seq2SeqConfig, p: Tensor, g: Tensor, mem: Memory, dKeys: F64, dEnc: F64): void {
  if (cfg.attention !== 'general' && cfg.attention !== 'additive') return;
  const name = cfg.attention === 'general' ? 'attention.weight' : 'attention.key.weight';
  const { S, B, lengths, enc } = mem;
  const W = enc.length / (S * B);
  const K = dKeys.length / (S * B);
  for (let r = 0; r < S * B; r++) {
    if (Math.floor(r / B) >= lengths[r % B]) continue;
    addOuter(g(name), dKeys.subarray(r * K, (r + 1) * K), enc.subarray(r * W, (r + 1) * W));
    addTransposed(dEnc.subarray(r * W, (r + 1) * W), p(name), dKeys.subarray(r * K, (r + 1) * K));
  }
}

export interface Readout {
  /** α over the S source steps, 0 on padded ones (empty for 'none'). */
  alpha: F64;
  context: F64;
  /** h̃ (for 'none': s itself, what the output layer reads). */
  htilde: F64;
  logits: F64;
}

/** Sequence b's readout of the decoder's top state s [W]. */
export function readout(cfg: Seq2SeqConfig, p: Tensor, mem: Memory, b: number, s: F64): Readout {
  const W = s.length;
  const V = cfg.vocab;
  if (cfg.attention === 'none')
    return { alpha: new Float64Array(0), context: new Float64Array(0), htilde: s.slice(), logits: linearRows(s, p('out.weight'), p('out.bias'), 1, V, W) };
  const { B, S, lengths, enc, keys } = mem;
  const n = lengths[b];
  const e = (j: number) => enc.subarray((j * B + b) * W, (j * B + b + 1) * W);
  const score = new Float64Array(n);
  if (cfg.attention === 'additive') {
    const A = cfg.attentionSize!;
    const q = linearRows(s, p('attention.query.weight'), null, 1, A, W); // W_q s
    const v = p('attention.v.weight');
    for (let j = 0; j < n; j++) for (let m = 0; m < A; m++) score[j] += v[m] * Math.tanh(q[m] + keys[(j * B + b) * A + m]);
  } else {
    const k = (j: number) => (cfg.attention === 'dot' ? e(j) : keys.subarray((j * B + b) * W, (j * B + b + 1) * W));
    for (let j = 0; j < n; j++) score[j] = dot(s, k(j));
  }
  const alpha = new Float64Array(S);
  const max = Math.max(...score);
  let sum = 0;
  for (let j = 0; j < n; j++) sum += alpha[j] = Math.exp(score[j] - max);
  const context = new Float64Array(W);
  for (let j = 0; j < n; j++) {
    alpha[j] /= sum;
    const ej = e(j);
    for (let i = 0; i < W; i++) context[i] += alpha[j] * ej[i];
  }
  const x = new Float64Array(2 * W);
  x.set(context);
  x.set(s, W);
  const htilde = linearRows(x, p('combine.weight'), p('combine.bias'), 1, W, 2 * W).map(Math.tanh);
  return { alpha, context, htilde, logits: linearRows(htilde, p('out.weight'), p('out.bias'), 1, V, W) };
}

/**
 * Backward of readout for one row given dz = ∂L/∂logits: adds into the grads g, into dKeys and dEnc
 * (the memory's, summed over every decoder step), and returns ∂L/∂s. Recomputes the forward.
 */
export function readoutBackward(cfg: Seq2SeqConfig, p: Tensor, g: Tensor, mem: Memory, b: number, s: F64, dz: F64, dKeys: F64, dEnc: F64): F64 {
  const W = s.length;
  const { alpha, context, htilde } = readout(cfg, p, mem, b, s);
  // z = W_o y + b_o:  dW_o += dz ⊗ y, db_o += dz, dy = W_oᵀ dz
  addOuter(g('out.weight'), dz, htilde);
  g('out.bias').forEach((_, o, db) => (db[o] += dz[o]));
  const dy = new Float64Array(W);
  addTransposed(dy, p('out.weight'), dz);
  if (cfg.attention === 'none') return dy;
  // h̃ = tanh(a), a = W_c x + b_c, x = [c; s]:  da = dh̃ ⊙ (1 − h̃²), dW_c += da ⊗ x, db_c += da, dx = W_cᵀ da
  const da = dy.map((d, i) => d * (1 - htilde[i] * htilde[i]));
  const x = new Float64Array(2 * W);
  x.set(context);
  x.set(s, W);
  addOuter(g('combine.weight'), da, x);
  g('combine.bias').forEach((_, i, db) => (db[i] += da[i]));
  const dx = new Float64Array(2 * W);
  addTransposed(dx, p('combine.weight'), da);
  const dc = dx.subarray(0, W);
  const ds = dx.slice(W);
  // c = Σ_j α_j e_j:  dα_j = dc · e_j, de_j += α_j dc;  softmax: dscore_j = α_j (dα_j − Σ_k α_k dα_k)
  const { B, lengths, enc, keys } = mem;
  const n = lengths[b];
  const row = (j: number) => j * B + b;
  const dAlpha = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    dAlpha[j] = dot(dc, enc.subarray(row(j) * W, (row(j) + 1) * W));
    for (let i = 0; i < W; i++) dEnc[row(j) * W + i] += alpha[j] * dc[i];
  }
  const mean = dAlpha.reduce((a, d, j) => a + alpha[j] * d, 0);
  const dScore = dAlpha.map((d, j) => alpha[j] * (d - mean));
  if (cfg.attention === 'additive') {
    // score_j = v · t_j, t_j = tanh(q + k_j), q = W_q s:  dv += dscore_j t_j, dpre_j = dscore_j v ⊙ (1 − t_j²),
    // dq = Σ_j dpre_j, dk_j += dpre_j;  dW_q += dq ⊗ s, ds += W_qᵀ dq
    const A = cfg.attentionSize!;
    const q = linearRows(s, p('attention.query.weight'), null, 1, A, W);
    const [v, dv] = [p('attention.v.weight'), g('attention.v.weight')];
    const dq = new Float64Array(A);
    for (let j = 0; j < n; j++)
      for (let m = 0; m < A; m++) {
        const t = Math.tanh(q[m] + keys[row(j) * A + m]);
        dv[m] += dScore[j] * t;
        const dpre = dScore[j] * v[m] * (1 - t * t);
        dq[m] += dpre;
        dKeys[row(j) * A + m] += dpre;
      }
    addOuter(g('attention.query.weight'), dq, s);
    addTransposed(ds, p('attention.query.weight'), dq);
  } else
    for (let j = 0; j < n; j++) {
      // score_j = s · k_j ('dot': k_j = e_j):  ds += dscore_j k_j, dk_j += dscore_j s
      const [k, dk] = cfg.attention === 'dot' ? [enc, dEnc] : [keys, dKeys];
      for (let i = 0; i < W; i++) {
        ds[i] += dScore[j] * k[row(j) * W + i];
        dk[row(j) * W + i] += dScore[j] * s[i];
      }
    }
  return ds;
}

const dot = (a: F64, b: F64) => a.reduce((acc, x, i) => acc + x * b[i], 0);

/** dW[N, K] += dy[N] ⊗ x[K] (the weight gradient of y = W x). */
function addOuter(dW: F64, dy: F64, x: F64): void {
  for (let n = 0; n < dy.length; n++) for (let k = 0; k < x.length; k++) dW[n * x.length + k] += dy[n] * x[k];
}

/** dx[K] += W[N, K]ᵀ dy[N] (the input gradient of y = W x). */
function addTransposed(dx: F64, W: F64, dy: F64): void {
  const K = dx.length;
  for (let n = 0; n < dy.length; n++) for (let k = 0; k < K; k++) dx[k] += W[n * K + k] * dy[n];
}
