// Float64 references of the building blocks the kernels compute: the token projection (a column
// gather), a linear layer over rows, the activations, and the per-row softmax cross-entropy.
// recurrent.ts composes them into the whole network; both are the specification of the GPU path.

type F64 = Float64Array;

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
