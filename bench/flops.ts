// FLOPs of one training step of rnnlab's model (forward + loss + backward + gradient norm + Adam), as
// the engine computes it, for achieved GFLOP/s = counted FLOPs / measured time.
//
// Counting rules:
// - A matrix product [m,k]·[k,n] is 2·m·n·k FLOPs. These are exact: they are the GEMMs and the
//   per-step W_hh products the engine runs (`matmul` in the result).
// - Token inputs are not multiplied by one-hot vectors: the projection is a column gather plus the
//   bias (1 FLOP per gate unit) and dW_ih a scatter-add (1 FLOP per gate unit). A dense one-hot GEMM,
//   as tf.layers does, would be 2·N·V·G·H each way; it is not counted, so GFLOP/s is useful work.
// - Pointwise work is nominal: 1 FLOP per add, multiply or nonlinearity (sigmoid, tanh and exp
//   count as 1), with the per-unit constants below. It is small next to the products once H ≥ 32.
// Everything but the optimizer is proportional to T·B, so FLOPs(T) = a + b·T exactly.
import { GATES, type Cell } from '../gpu/recurrent/config.ts';

export interface FlopSpec {
  cell: Cell;
  /** Input size: the vocabulary for token inputs, the features for real ones. */
  V: number;
  H: number;
  T: number;
  B: number;
  /** Head size; default V. */
  O?: number;
  layers?: number;
  input?: 'tokens' | 'real';
}

export interface FlopCount {
  forward: number;
  backward: number;
  optimizer: number;
  total: number;
  /** The matrix products alone (forward and backward). */
  matmul: number;
  params: number;
}

/**
 * Nominal pointwise FLOPs per row. Per gate unit (G·H of them): forward 2 (+ projection, + b_hh) and
 * 1 activation; backward 3 (the activation's derivative times the incoming gradient). Per hidden unit,
 * combining the gates: forward GRU 6 (r⊙hn, +, 1−z, ·n, z·h, +), LSTM 5 (f·c, i·g, +, tanh c, o·);
 * backward Elman 1 (dh from the head + from t+1), GRU 10, LSTM 10.
 */
const PER_GATE_UNIT = { forward: 3, backward: 3 };
const PER_HIDDEN_UNIT: Record<Cell, { forward: number; backward: number }> = {
  rnn: { forward: 0, backward: 1 },
  gru: { forward: 6, backward: 10 },
  lstm: { forward: 5, backward: 10 },
};
/** Softmax cross-entropy per logit: max, subtract, exp, sum, log/normalise (5) and dlogits = p − y, scaled (2). */
const SOFTMAX_XENT = 7;
/** Per parameter: the gradient norm (square, add), the clip scale (1) and Adam's update (m: 3, v: 4, step: 5). */
const OPTIMIZER = 2 + 1 + 12;

export function paramCount(s: FlopSpec): number {
  const { H, V } = s;
  const O = s.O ?? V;
  const L = s.layers ?? 1;
  const GH = GATES[s.cell] * H;
  let n = O * H + O;
  for (let l = 0; l < L; l++) n += GH * ((l === 0 ? V : H) + H + 2);
  return n;
}

export function trainingStepFlops(s: FlopSpec): FlopCount {
  const { cell, V, H, T, B } = s;
  const O = s.O ?? V;
  const L = s.layers ?? 1;
  const tokens = (s.input ?? 'tokens') === 'tokens';
  for (const [k, v] of Object.entries({ V, H, T, B, O, L }))
    if (!(Number.isInteger(v) && v > 0)) throw new Error(`trainingStepFlops: ${k} must be a positive integer, got ${v}`);
  const N = T * B;
  const GH = GATES[cell] * H;
  const mm = (m: number, n: number, k: number) => 2 * m * n * k;
  let matmul = 0;
  const product = (m: number, n: number, k: number) => {
    const f = mm(m, n, k);
    matmul += f;
    return f;
  };

  let forward = 0;
  let backward = 0;
  for (let l = 0; l < L; l++) {
    const gathered = l === 0 && tokens;
    const In = l === 0 ? V : H;
    // Forward: the input projection of all steps, then W_hh·h_{t-1} and the gates at every step.
    forward += gathered ? N * GH : product(N, GH, In) + N * GH;
    forward += product(N, GH, H);
    forward += N * (GH * PER_GATE_UNIT.forward + H * PER_HIDDEN_UNIT[cell].forward);
    // Backward: dh_{t-1} += W_hhᵀ·dA_t and the gates' derivatives at every step; then dW_hh = dAᵀ·h,
    // the two bias sums, dW_ih (a scatter-add for tokens) and, above layer 0, dL/dh of the layer below.
    backward += product(N, H, GH);
    backward += N * (GH * PER_GATE_UNIT.backward + H * PER_HIDDEN_UNIT[cell].backward);
    backward += product(GH, H, N);
    backward += 2 * N * GH;
    backward += gathered ? N * GH : product(GH, In, N);
    if (l > 0) backward += product(N, H, GH);
  }
  // Head: logits = h·Wᵀ + b, softmax cross-entropy and its gradient, the mean loss.
  forward += product(N, O, H) + N * O + N * O * SOFTMAX_XENT + N;
  // dW = dlogitsᵀ·h, db = Σ dlogits, dh = dlogits·W.
  backward += product(O, H, N) + N * O + product(N, H, O);

  const params = paramCount(s);
  const optimizer = params * OPTIMIZER;
  return { forward, backward, optimizer, total: forward + backward + optimizer, matmul, params };
}
