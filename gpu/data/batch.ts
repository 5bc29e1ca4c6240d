// A training batch in the layout the kernels use: time-major, row r = t * B + b.
// Users write batch-first (x[b][t], as PyTorch's batch_first=True); `fromBatchFirst` converts.

/**
 * How a batch's targets are scored. Per step: 'ce' softmax cross-entropy, 'mse' squared error
 * (PyTorch's MSELoss, mean over steps and outputs). Per sequence, on its final state: 'class'
 * cross-entropy, 'regress' squared error.
 */
export type Loss = 'ce' | 'mse' | 'class' | 'regress';

export interface Batch {
  T: number;
  B: number;
  /** Token ids, T*B (token inputs). */
  tokens?: Uint32Array;
  /** Real inputs, T*B*F (real inputs). */
  inputs?: Float32Array;
  /** Loss 'ce': the target class of every step, T*B. Loss 'class': one class per sequence, B. */
  targets?: Uint32Array;
  /** Loss 'mse': the target vector of every step, T*B*O. */
  targetValues?: Float32Array;
  /**
   * Real steps per sequence (1..T), B; default: all T. Steps past a sequence's end add no loss and
   * carry its state unchanged (PyTorch's packed sequences); their inputs and targets are never read.
   */
  lengths?: Uint32Array;
}

export function tokensFromBatchFirst(x: number[][], T: number, B: number): Uint32Array {
  const out = new Uint32Array(T * B);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out[t * B + b] = x[b][t];
  return out;
}

export function realFromBatchFirst(x: number[][][], T: number, B: number, F: number): Float32Array {
  const out = new Float32Array(T * B * F);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let f = 0; f < F; f++) out[(t * B + b) * F + f] = x[b][t][f];
  return out;
}

/**
 * Rows grouped by token id (counting sort, stable): rows of token v are rows[offsets[v] .. offsets[v+1]).
 * The input-weight gradient sums δ over each token's rows in this fixed order: a deterministic
 * scatter-add without float atomics, and O(T·B·H) instead of a matmul against one-hot vectors.
 */
export function groupRowsByToken(tokens: Uint32Array, vocab: number): { offsets: Uint32Array; rows: Uint32Array } {
  const offsets = new Uint32Array(vocab + 1);
  for (const v of tokens) offsets[v + 1]++;
  for (let v = 0; v < vocab; v++) offsets[v + 1] += offsets[v];
  const next = offsets.slice(0, vocab);
  const rows = new Uint32Array(tokens.length);
  for (let r = 0; r < tokens.length; r++) rows[next[tokens[r]]++] = r;
  return { offsets, rows };
}

/** The real steps of a batch (its loss is a mean over them): the sum of its lengths, or T·B. */
export function realSteps(batch: Batch): number {
  return batch.lengths ? batch.lengths.reduce((s, n) => s + n, 0) : batch.T * batch.B;
}

/** The real steps of sequence `b` of a batch. */
export function sequenceLength(batch: Batch, b: number): number {
  return batch.lengths ? batch.lengths[b] : batch.T;
}
