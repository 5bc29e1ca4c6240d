// The float64 reference (gpu/recurrent/reference.ts) as the CPU session runs it: one truncated-BPTT
// chunk at a time, and the heatmap's channels read from a forward pass.
//
// A chunk of truncated BPTT can hold sequences with no real step (lengths 0: a short sentence of the
// tagging task has ended before the chunk starts). The GPU model carries their state unchanged, adds
// no loss and no gradient; the reference only takes lengths 1..T (PyTorch's packed sequences). So
// such chunks run the reference on the other sequences and put the carried states back: the loss
// (a mean over real steps) and the gradients are the same, and a chunk with no real step at all has
// loss 0 and zero gradients, as on the GPU.

import { sequenceLength, type Batch } from '../data/batch.ts';
import { directions, GATES, inputSize, layerSuffix, perSequenceLoss } from './config.ts';
import type { RecurrentInit, RecurrentReference } from './reference.ts';
import { linearRows, projectTokens } from './referenceOps.ts';
import { SHOWN_GATES, type HeatmapChannel } from './heatmap.ts';

/** A chunk's forward (and backward) pass, as the reference's (RecurrentForward): states per layer and direction, final states [L*D*B*H]. */
export interface ChunkPass {
  loss: number;
  /** null: forward only. */
  grads: Float64Array | null;
  hs: Float64Array[];
  cs: Float64Array[];
  /** Per layer: its output [T*B, D*H] (null where the chunk held a sequence with no real step: a unidirectional TBPTT chunk, which reads hs). */
  outputs: Float64Array[] | null;
  hT: Float64Array;
  cT: Float64Array | null;
}

/** Forward (and with `grad`, backward) through one chunk from `init` (zeros when omitted). */
export function runChunk(ref: RecurrentReference, params: Float64Array, batch: Batch, init: RecurrentInit | undefined, grad: boolean): ChunkPass {
  const { T, B, lengths } = batch;
  const keep = lengths ? Array.from({ length: B }, (_, b) => b).filter((b) => lengths[b] > 0) : null;
  if (!keep || keep.length === B) {
    if (grad) {
      const { loss, grads, fwd } = ref.lossAndGrad(params, batch, init);
      return { loss, grads, hs: fwd.hs, cs: fwd.cs, outputs: fwd.outputs, hT: fwd.hT, cT: fwd.cT };
    }
    const { loss, hs, cs, outputs, hT, cT } = ref.forward(params, batch, init);
    return { loss, grads: null, hs, cs, outputs, hT, cT };
  }
  const { hidden: H, layers: L, cell } = ref.cfg;
  const lstm = cell === 'lstm';
  const h0 = init?.h0 ?? new Float64Array(L * B * H);
  const c0 = init?.c0 ?? new Float64Array(lstm ? L * B * H : 0);
  const n = keep.length;
  // The kept sequences' states, [L*n*H] layer-major.
  const pick = (s: Float64Array) => {
    const out = new Float64Array(L * n * H);
    for (let l = 0; l < L; l++) keep.forEach((b, j) => out.set(s.subarray((l * B + b) * H, (l * B + b + 1) * H), (l * n + j) * H));
    return out;
  };
  const sub = n > 0 ? runChunk(ref, params, subBatch(ref, batch, keep), { h0: pick(h0), c0: lstm ? pick(c0) : undefined }, grad) : null;
  // Full-batch states: the kept sequences' from `sub`, the others' carried from init at every step.
  const column = new Int32Array(B).fill(-1);
  keep.forEach((b, j) => (column[b] = j));
  const widen = (states: Float64Array[] | undefined, init0: Float64Array) =>
    Array.from({ length: L }, (_, l) => {
      const out = new Float64Array((T + 1) * B * H);
      for (let t = 0; t <= T; t++)
        for (let b = 0; b < B; b++) {
          const j = column[b];
          const from = j >= 0 ? states![l].subarray((t * n + j) * H, (t * n + j + 1) * H) : init0.subarray((l * B + b) * H, (l * B + b + 1) * H);
          out.set(from, (t * B + b) * H);
        }
      return out;
    });
  const hs = widen(sub?.hs, h0);
  const cs = lstm ? widen(sub?.cs, c0) : [];
  const final = (states: Float64Array[]) => {
    const out = new Float64Array(L * B * H);
    states.forEach((s, l) => out.set(s.subarray(T * B * H), l * B * H));
    return out;
  };
  const grads = grad ? (sub?.grads ?? new Float64Array(ref.layout.total)) : null;
  return { loss: sub?.loss ?? 0, grads, hs, cs, outputs: null, hT: final(hs), cT: lstm ? final(cs) : null };
}

/** The sequences `keep` of a batch (time-major rows t*B + b), as a batch of their own. */
function subBatch(ref: RecurrentReference, batch: Batch, keep: number[]): Batch {
  const { T, B } = batch;
  const n = keep.length;
  const perSeq = perSequenceLoss(ref.cfg);
  const take = <A extends Float32Array | Uint32Array>(a: A | undefined, steps: number): A | undefined => {
    if (!a) return undefined;
    const w = a.length / (steps * B);
    const out = new (a.constructor as new (length: number) => A)(steps * n * w);
    for (let t = 0; t < steps; t++) keep.forEach((b, j) => out.set(a.subarray((t * B + b) * w, (t * B + b + 1) * w), (t * n + j) * w));
    return out;
  };
  return {
    T,
    B: n,
    tokens: take(batch.tokens, T),
    inputs: take(batch.inputs, T),
    targets: take(batch.targets, perSeq ? 1 : T),
    targetValues: take(batch.targetValues, perSeq ? 1 : T),
    lengths: take(batch.lengths, 1),
  };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * The heatmap of a chunk's pass, as the GPU's: for the top layer and sequence 0 at steps 1..T, 'h',
 * the gates (GRU r, z; LSTM i, f, o; 0 at padded steps) and the LSTM's 'c'; a bidirectional layer's
 * channels hold the forward units, then the reverse ones (2H). The reference keeps its gate
 * pre-activations private, so the top layer's are recomputed here for sequence 0 only, from the
 * states and the layer's input (T small matrix-vector products per direction).
 */
export function heatmapChannels(ref: RecurrentReference, params: Float64Array, batch: Batch, pass: ChunkPass): HeatmapChannel[] {
  const { cfg } = ref;
  const { T, B } = batch;
  const H = cfg.hidden;
  const D = directions(cfg);
  const l = cfg.layers - 1;
  const GH = GATES[cfg.cell] * H;
  const real = batch.lengths ? batch.lengths[0] : T;
  const row = (s: Float64Array, block: number) => s.subarray(block * B * H, block * B * H + H); // sequence 0 at a block
  const shown = SHOWN_GATES[cfg.cell];
  const names = ['h', ...shown.map(([name]) => name), ...(cfg.cell === 'lstm' ? ['c'] : [])];
  const values = names.map(() => new Float32Array(T * D * H));
  const put = (channel: number, t: number, d: number, v: ArrayLike<number>) => values[channel].set(v, (t * D + d) * H);
  const In = l === 0 ? inputSize(cfg) : D * H;
  for (let d = 0; d < D; d++) {
    const [hs, cs] = [pass.hs[l * D + d], pass.cs[l * D + d]];
    const [prev, out] = d === 0 ? [(t: number) => t, (t: number) => t + 1] : [(t: number) => t + 1, (t: number) => t];
    const p = (name: string) => ref.view(params, `rnn.${name}${layerSuffix(l, d)}`);
    const [wih, bih, whh, bhh] = [p('weight_ih'), p('bias_ih'), p('weight_hh'), p('bias_hh')];
    for (let t = 0; t < T; t++) {
      if (d === 1 && t >= real) continue; // the reverse direction has no state past the end: 0
      put(0, t, d, row(hs, out(t)));
      if (cs) put(names.length - 1, t, d, row(cs, out(t)));
      if (!shown.length || t >= real) continue;
      const gi =
        l > 0
          ? linearRows(layerInput(pass, l - 1, t, B, H), wih, bih, 1, GH, In)
          : batch.tokens
            ? projectTokens(wih, bih, batch.tokens.subarray(t * B, t * B + 1), GH, In)
            : linearRows(batch.inputs!.subarray(t * B * In, t * B * In + In), wih, bih, 1, GH, In);
      const gh = linearRows(row(hs, prev(t)), whh, bhh, 1, GH, H);
      shown.forEach(([, k], g) =>
        put(
          1 + g,
          t,
          d,
          Array.from({ length: H }, (_, i) => sigmoid(gi[k * H + i] + gh[k * H + i])),
        ),
      );
    }
  }
  return names.map((name, i) => ({ name, units: D * H, values: values[i] }));
}

/** Sequence 0's output of layer l at step t: its output row, or (a unidirectional TBPTT chunk) hs block t+1. */
function layerInput(pass: ChunkPass, l: number, t: number, B: number, H: number): Float64Array {
  if (!pass.outputs) return pass.hs[l].subarray((t + 1) * B * H, (t + 1) * B * H + H);
  const W = pass.outputs[l].length / (pass.hs[l].length / H - B); // D*H wide: outputs are [T*B, D*H], hs [(T+1)*B, H]
  return pass.outputs[l].subarray(t * B * W, t * B * W + W);
}

/**
 * Sequence 0's head outputs in a chunk: [len, O] at its real steps (row t = step t of the chunk) for
 * per-step losses, or [O] at its final states ([forward; reverse] for a bidirectional model) for
 * per-sequence ones.
 */
export function sequence0Outputs(ref: RecurrentReference, params: Float64Array, chunk: Batch, pass: ChunkPass): Float64Array {
  const { hidden: H, output: O, layers: L } = ref.cfg;
  const D = directions(ref.cfg);
  const [w, b] = [ref.view(params, 'head.weight'), ref.view(params, 'head.bias')];
  if (perSequenceLoss(ref.cfg)) {
    const final = new Float64Array(D * H);
    for (let d = 0; d < D; d++) final.set(pass.hT.subarray(((L - 1) * D + d) * chunk.B * H, ((L - 1) * D + d) * chunk.B * H + H), d * H);
    return linearRows(final, w, b, 1, O, D * H);
  }
  const n = sequenceLength(chunk, 0);
  const states = new Float64Array(n * D * H);
  for (let t = 0; t < n; t++) states.set(layerInput(pass, L - 1, t, chunk.B, H), t * D * H);
  return linearRows(states, w, b, n, O, D * H);
}
