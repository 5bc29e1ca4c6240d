// Connectivity: how strongly each output of one sequence depends on each earlier input,
// ‖∂y_t/∂x_s‖_F, the quantity behind "can the network carry information across t − s steps?" (the
// adding problem needs a path from the two marked steps to the last one).
//
// y_t is the head's output at step t (pre-softmax logits, or the regression value); x_s is the input
// at step s: the real feature vector, or, for token inputs, the column W_ih[:, token] that step s
// gathers from the first layer's input weights (its projection, G·H values; the bias is included
// but does not matter for a derivative). A one-hot input cannot be nudged, so its gradient W_ihᵀ δgi
// would mix in the columns of every other token; the embedding used at step s, perturbed at that
// step alone, is what the network actually reads.
//
// Reverse mode, reusing the reference's BPTT (RecurrentReference.lossAndGrad with its backward seeded
// by `opts.dlogits`, which also returns the input gradients): one backward pass per (output step t,
// seed u) gives uᵀ ∂y_t/∂x_s for every s at once; summing squares over the seeds gives the norm.
// Each pass is one "replica" of the sequence in a batch: replica (t, u) is the sequence cut to its
// first t + 1 steps (a ragged length, so steps s > t are padding, read by nothing and exactly 0) with
// u seeded on its logits at step t. Many replicas share one lossAndGrad call: the reference keeps
// batch rows independent, so this is plain batching, not an approximation.
//
// Cost: (output steps × seeds) backward passes of O(T·G·H²) (plus the forwards and the weight
// gradients the reference computes alongside). Seeds are the O unit vectors while O ≤ 16 (exact);
// above that, 16 seeded random unit probes u_p and the estimate
//     norms[t][s]² = O · mean_p ‖∂(u_p·y_t)/∂x_s‖²,
// unbiased for ‖∂y_t/∂x_s‖²_F (see probes.ts), so a V = 80 character model costs 16 passes per
// output step, not 80, and its numbers stay on the exact norm's scale.
//
// The state starts at zero (no TBPTT carry): connectivity within the sequence as given.
//
// A bidirectional model's output at t also reads the steps after it (its reverse direction starts at
// the sequence's end), so its replicas keep the whole sequence: norms[t][s] is then nonzero for
// s > t too, which is the point of showing it.

import { directions, perSequenceLoss, GATES, type ModelConfig } from './config.ts';
import type { Batch } from '../data/batch.ts';
import { RecurrentReference } from './reference.ts';
import { MAX_EXACT_OUTPUTS, PROBE_COUNT, outputProbes } from './probes.ts';

export interface Connectivity {
  /** Output steps analysed: every real step for per-step losses, the last real step for per-sequence ones. */
  outputs: number;
  /** Input steps: the sequence's real steps (its `lengths` entry, or T). */
  inputs: number;
  /** ‖∂y_t/∂x_s‖_F, [outputs, inputs] row-major: row i is output step outputSteps[i]; s > t is exactly 0 unless the model is bidirectional. */
  norms: Float64Array;
  outputSteps: number[];
}

/** Bounds the reference's per-call tape (T·replicas rows × G·H floats per array) to ~32 MB. */
const MAX_TAPE_FLOATS = 1 << 22;

export function connectivity(cfg: ModelConfig, params: Float64Array | Float32Array, batch: Batch, sequence = 0): Connectivity {
  const { T, B } = batch;
  if (!(Number.isInteger(sequence) && sequence >= 0 && sequence < B)) throw new Error(`sequence: must be an integer in 0..${B - 1}, got ${sequence}`);
  const len = batch.lengths ? batch.lengths[sequence] : T;
  if (!(len >= 1 && len <= T)) throw new Error(`batch.lengths[${sequence}] = ${len}: must be between 1 and T = ${T}`);
  if (cfg.input.kind === 'tokens' ? !batch.tokens : !batch.inputs)
    throw new Error(`batch.${cfg.input.kind === 'tokens' ? 'tokens' : 'inputs'}: required (input ${cfg.input.kind})`);
  const ref = new RecurrentReference(cfg);
  const p = params instanceof Float64Array ? params : Float64Array.from(params);
  if (p.length !== ref.layout.total) throw new Error(`params: expected ${ref.layout.total} floats, got ${p.length}`);

  const O = cfg.output;
  const GH = GATES[cfg.cell] * cfg.hidden;
  const D = cfg.input.kind === 'tokens' ? directions(cfg) * GH : cfg.input.features; // floats per input x_s (tokens: each direction's gathered column)
  const perSeq = perSequenceLoss(cfg);
  const outputSteps = perSeq ? [len - 1] : Array.from({ length: len }, (_, t) => t);
  const exact = O <= MAX_EXACT_OUTPUTS;
  const S = exact ? O : PROBE_COUNT;
  const seeds = exact ? identity(O) : outputProbes(O);
  const scale = exact ? 1 : O / S;

  const sq = new Float64Array(outputSteps.length * len); // Σ over seeds of ‖uᵀ ∂y_t/∂x_s‖²
  // Jobs (output index i, seed k), by increasing t, so each call's replicas have similar lengths.
  const jobs = outputSteps.flatMap((_, i) => Array.from({ length: S }, (_, k) => [i, k] as const));
  for (let j0 = 0; j0 < jobs.length;) {
    let j1 = j0 + 1; // as many replicas as fit: (count) × (longest, the last) × G·H ≤ MAX_TAPE_FLOATS
    const cut = (i: number) => (cfg.bidirectional ? len : outputSteps[i] + 1);
    while (j1 < jobs.length && (j1 + 1 - j0) * cut(jobs[j1][0]) * directions(cfg) * GH <= MAX_TAPE_FLOATS) j1++;
    const chunk = jobs.slice(j0, j1);
    j0 = j1;
    const steps = chunk.map(([i]) => cut(i)); // replica b's length: t + 1, or the whole sequence for a bidirectional model
    const Tr = Math.max(...steps);
    const rb = replicaBatch(cfg, batch, sequence, steps, Tr);
    const dlogits = new Float64Array((perSeq ? chunk.length : Tr * chunk.length) * O);
    chunk.forEach(([i, k], b) => {
      const q = perSeq ? b : outputSteps[i] * chunk.length + b; // logits row of (t, replica b)
      dlogits.set(seeds.subarray(k * O, (k + 1) * O), q * O);
    });
    const { dInputs } = ref.lossAndGrad(p, rb, undefined, { dlogits });
    chunk.forEach(([i], b) => {
      for (let s = 0; s < steps[b]; s++) {
        const at = (s * chunk.length + b) * D;
        let acc = 0;
        for (let f = 0; f < D; f++) acc += dInputs[at + f] * dInputs[at + f];
        sq[i * len + s] += acc;
      }
    });
  }
  return { outputs: outputSteps.length, inputs: len, norms: sq.map((v) => Math.sqrt(scale * v)), outputSteps };
}

function identity(O: number): Float64Array {
  const e = new Float64Array(O * O);
  for (let o = 0; o < O; o++) e[o * O + o] = 1;
  return e;
}

/**
 * The sequence's first steps[b] steps as replica b of a time-major batch with Tr steps. Targets are
 * zeros: the loss is computed but unused, the backward's seed replaces its gradient.
 */
function replicaBatch(cfg: ModelConfig, batch: Batch, sequence: number, steps: number[], Tr: number): Batch {
  const R = steps.length;
  const out: Batch = { T: Tr, B: R, lengths: Uint32Array.from(steps) };
  const rows = Tr * R;
  if (cfg.input.kind === 'tokens') {
    const tokens = new Uint32Array(rows); // padding: token 0, never read
    steps.forEach((n, b) => {
      for (let t = 0; t < n; t++) tokens[t * R + b] = batch.tokens![t * batch.B + sequence];
    });
    out.tokens = tokens;
  } else {
    const F = cfg.input.features;
    const inputs = new Float32Array(rows * F);
    steps.forEach((n, b) => {
      for (let t = 0; t < n; t++) inputs.set(batch.inputs!.subarray((t * batch.B + sequence) * F, (t * batch.B + sequence + 1) * F), (t * R + b) * F);
    });
    out.inputs = inputs;
  }
  const O = cfg.output;
  if (cfg.loss === 'mse') out.targetValues = new Float32Array(rows * O);
  else if (cfg.loss === 'regress') out.targetValues = new Float32Array(R * O);
  else out.targets = new Uint32Array(cfg.loss === 'class' ? R : rows);
  return out;
}
