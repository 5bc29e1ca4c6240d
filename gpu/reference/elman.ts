// The float64 CPU reference of the Elman RNN + linear head + per-step softmax cross-entropy.
// It is the specification of the GPU path: each function mirrors one kernel in shaders/, uses the same
// time-major layout (row r = t * B + b) and the same flat parameter layout, and the tests hold
// the kernels to it. Slow and obvious on purpose.

import { inputSize, type ModelConfig } from '../model/config.ts';
import { paramLayout, type ParamLayout } from '../model/params.ts';
import type { Batch } from '../data/batch.ts';

type F64 = Float64Array;

export interface ForwardResult {
  /** Input projection W_ih x + b_ih, [T*B, H]. */
  proj: F64;
  /** Hidden states, [(T+1)*B, H]; rows 0..B-1 hold h0. */
  hs: F64;
  /** Head outputs, [T*B, O]. */
  logits: F64;
  /** Per-row cross-entropy, [T*B]. */
  rowLoss: F64;
  /** Mean cross-entropy over all T*B steps (PyTorch's reduction='mean'). */
  loss: number;
}

/** Column gather: proj[r, i] = W_ih[i, x_r] + b_ih[i]. */
export function projectTokens(wih: F64, bih: F64, tokens: Uint32Array, H: number, V: number): F64 {
  const out = new Float64Array(tokens.length * H);
  tokens.forEach((v, r) => {
    for (let i = 0; i < H; i++) out[r * H + i] = wih[i * V + v] + bih[i];
  });
  return out;
}

/** C[M,N] = A[M,K] · B[N,K]ᵀ (+ bias[N]): a linear layer applied to every row. */
export function linearRows(A: ArrayLike<number>, W: F64, bias: F64 | null, M: number, N: number, K: number): F64 {
  const out = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = bias ? bias[n] : 0;
      for (let k = 0; k < K; k++) s += A[m * K + k] * W[n * K + k];
      out[m * N + n] = s;
    }
  return out;
}

export const activate = (pre: number, relu: boolean) => (relu ? Math.max(0, pre) : Math.tanh(pre));
/** act'(pre) written through the output h = act(pre), as the backward kernel computes it. */
export const activateGrad = (h: number, relu: boolean) => (relu ? (h > 0 ? 1 : 0) : 1 - h * h);

/** One forward step: h_t = act(proj_t + W_hh h_{t-1} + b_hh), for all B rows. Writes hs row block t+1. */
export function forwardStep(hs: F64, proj: F64, whh: F64, bhh: F64, t: number, B: number, H: number, relu: boolean): void {
  for (let b = 0; b < B; b++) {
    const prev = (t * B + b) * H;
    const cur = ((t + 1) * B + b) * H;
    for (let i = 0; i < H; i++) {
      let s = proj[(t * B + b) * H + i] + bhh[i];
      for (let j = 0; j < H; j++) s += whh[i * H + j] * hs[prev + j];
      hs[cur + i] = activate(s, relu);
    }
  }
}

/** Stable log-sum-exp cross-entropy per row, and dlogits = (softmax - onehot) * scale. */
export function softmaxXent(logits: F64, targets: Uint32Array, O: number, scale: number): { rowLoss: F64; dlogits: F64 } {
  const rows = targets.length;
  const rowLoss = new Float64Array(rows);
  const dlogits = new Float64Array(rows * O);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let o = 0; o < O; o++) max = Math.max(max, logits[r * O + o]);
    let sum = 0;
    for (let o = 0; o < O; o++) sum += Math.exp(logits[r * O + o] - max);
    const lse = max + Math.log(sum);
    rowLoss[r] = lse - logits[r * O + targets[r]];
    for (let o = 0; o < O; o++) dlogits[r * O + o] = (Math.exp(logits[r * O + o] - lse) - (o === targets[r] ? 1 : 0)) * scale;
  }
  return { rowLoss, dlogits };
}

/** One backward step, in place: dh[t] becomes δ_t = (dh_t + W_hhᵀ δ_{t+1}) ⊙ act'(h_t). */
export function backwardStep(dh: F64, hs: F64, whh: F64, t: number, T: number, B: number, H: number, relu: boolean): void {
  for (let b = 0; b < B; b++) {
    const row = (t * B + b) * H;
    const next = ((t + 1) * B + b) * H;
    for (let i = 0; i < H; i++) {
      let s = dh[row + i];
      if (t + 1 < T) for (let k = 0; k < H; k++) s += whh[k * H + i] * dh[next + k];
      dh[row + i] = s * activateGrad(hs[((t + 1) * B + b) * H + i], relu);
    }
  }
}

export class ElmanReference {
  readonly layout: ParamLayout;
  constructor(readonly cfg: ModelConfig) {
    this.layout = paramLayout(cfg);
  }

  view(flat: F64, name: string): F64 {
    const s = this.layout.byName.get(name)!;
    return flat.subarray(s.offset, s.offset + s.size);
  }

  forward(params: F64, batch: Batch, h0?: F64): ForwardResult {
    const { cfg } = this;
    const { T, B } = batch;
    const H = cfg.hidden;
    const O = cfg.output;
    const relu = cfg.nonlinearity === 'relu';
    const p = (n: string) => this.view(params, n);
    const proj =
      cfg.input.kind === 'tokens'
        ? projectTokens(p('rnn.weight_ih_l0'), p('rnn.bias_ih_l0'), batch.tokens!, H, cfg.input.vocab)
        : linearRows(batch.inputs!, p('rnn.weight_ih_l0'), p('rnn.bias_ih_l0'), T * B, H, cfg.input.features);
    const hs = new Float64Array((T + 1) * B * H);
    if (h0) hs.set(h0);
    for (let t = 0; t < T; t++) forwardStep(hs, proj, p('rnn.weight_hh_l0'), p('rnn.bias_hh_l0'), t, B, H, relu);
    const logits = linearRows(hs.subarray(B * H), p('head.weight'), p('head.bias'), T * B, O, H);
    const { rowLoss } = softmaxXent(logits, batch.targets!, O, 1);
    const loss = rowLoss.reduce((a, b) => a + b, 0) / (T * B);
    return { proj, hs, logits, rowLoss, loss };
  }

  /** Loss and the gradient of the mean loss with respect to every parameter (flat, same layout). */
  lossAndGrad(params: F64, batch: Batch, h0?: F64): { loss: number; grads: F64; fwd: ForwardResult } {
    const { cfg } = this;
    const { T, B } = batch;
    const H = cfg.hidden;
    const O = cfg.output;
    const F = inputSize(cfg);
    const rows = T * B;
    const relu = cfg.nonlinearity === 'relu';
    const fwd = this.forward(params, batch, h0);
    const grads = new Float64Array(this.layout.total);
    const g = (n: string) => this.view(grads, n);
    const p = (n: string) => this.view(params, n);

    const { dlogits } = softmaxXent(fwd.logits, batch.targets!, O, 1 / rows);
    const hOut = fwd.hs.subarray(B * H);
    // head: dW = dlogitsᵀ · h, db = Σ_rows dlogits, dh = dlogits · W
    const dW = g('head.weight');
    const db = g('head.bias');
    const W = p('head.weight');
    const dh = new Float64Array(rows * H);
    for (let r = 0; r < rows; r++)
      for (let o = 0; o < O; o++) {
        const d = dlogits[r * O + o];
        db[o] += d;
        for (let i = 0; i < H; i++) {
          dW[o * H + i] += d * hOut[r * H + i];
          dh[r * H + i] += d * W[o * H + i];
        }
      }
    for (let t = T - 1; t >= 0; t--) backwardStep(dh, fwd.hs, p('rnn.weight_hh_l0'), t, T, B, H, relu);
    // dh now holds δ for every step.
    const dWhh = g('rnn.weight_hh_l0');
    const dWih = g('rnn.weight_ih_l0');
    const dbih = g('rnn.bias_ih_l0');
    const dbhh = g('rnn.bias_hh_l0');
    for (let r = 0; r < rows; r++)
      for (let i = 0; i < H; i++) {
        const d = dh[r * H + i];
        dbih[i] += d;
        dbhh[i] += d;
        for (let j = 0; j < H; j++) dWhh[i * H + j] += d * fwd.hs[r * H + j];
        if (batch.tokens) dWih[i * F + batch.tokens[r]] += d;
        else for (let f = 0; f < F; f++) dWih[i * F + f] += d * batch.inputs![r * F + f];
      }
    return { loss: fwd.loss, grads, fwd };
  }
}
