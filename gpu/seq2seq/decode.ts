// Decoding with the float64 reference, one decoder step at a time (Seq2SeqReference.step, the step
// the training forward runs too): greedy decoding and beam search. Scores are plain total
// log-probabilities, Σ_u log softmax(z_u)[y_u] with <eos> included: no length penalty, so among
// finished hypotheses shorter ones are favoured (every extra token adds a negative term).

import { Seq2SeqReference, argmax, logSumExp, type DecoderState } from './reference.ts';
import type { Memory } from './attention.ts';
import { BOS, EOS, PAD, type PairBatch } from './pairs.ts';

type F64 = Float64Array;

export interface Hypothesis {
  /** The generated ids after <bos>, <eos> included when it was generated. */
  tokens: number[];
  /** Σ of log-probabilities of the tokens. */
  logProb: number;
  /** It ended with <eos> (else it reached maxLength). */
  finished: boolean;
}

/** Greedy decoding of B sources: at each step the most probable token (argmax), until <eos> or maxLength tokens. */
export function greedyDecode(
  ref: Seq2SeqReference,
  params: F64,
  sources: Pick<PairBatch, 'S' | 'B' | 'source' | 'sourceLengths'>,
  maxLength: number,
): Hypothesis[] {
  const P = ref.prepare(params);
  const { B } = sources;
  const V = ref.cfg.vocab;
  const { memory, state: initial } = ref.encode(P, sources.source, sources.sourceLengths, sources.S);
  const out: Hypothesis[] = Array.from({ length: B }, () => ({ tokens: [], logProb: 0, finished: false }));
  let state = initial;
  for (let u = 0; u < maxLength && out.some((h) => !h.finished); u++) {
    // A finished row still steps (reading <pad>); its result is ignored.
    const tokens = Uint32Array.from(out, (h) => (u === 0 ? BOS : h.finished ? PAD : h.tokens[u - 1]));
    const step = ref.step(P, memory, state, tokens);
    out.forEach((h, b) => {
      if (h.finished) return;
      const z = step.logits.subarray(b * V, (b + 1) * V);
      const y = argmax(z);
      h.tokens.push(y);
      h.logProb += z[y] - logSumExp(z);
      h.finished = y === EOS;
    });
    state = step.state;
  }
  return out;
}

/**
 * Beam search over one source (its ids, unpadded). The beam holds `width` hypotheses: at each step
 * every live one is extended by every token, and the best (width − finished so far) extensions
 * survive; those ending in <eos> are finished and leave the beam. It stops when `width` hypotheses
 * have finished or after maxLength tokens (the live ones are then returned unfinished). Returns the
 * `width` hypotheses, best first. Width 1 is greedy decoding.
 */
export function beamSearch(ref: Seq2SeqReference, params: F64, source: ArrayLike<number>, opts: { width: number; maxLength: number }): Hypothesis[] {
  const { width, maxLength } = opts;
  if (!(Number.isInteger(width) && width >= 1)) throw new Error(`beamSearch: width must be a positive integer, got ${width}`);
  const P = ref.prepare(params);
  const V = ref.cfg.vocab;
  const enc = ref.encode(P, Uint32Array.from(source), new Uint32Array([source.length]), source.length);
  let live = [{ tokens: [] as number[], logProb: 0, row: 0 }]; // row: the hypothesis's row in `state`
  let state = enc.state;
  const done: Hypothesis[] = [];
  for (let u = 0; u < maxLength && live.length > 0; u++) {
    const memory = selectMemory(enc.memory, live.length);
    const tokens = Uint32Array.from(live, (h) => (u === 0 ? BOS : h.tokens[u - 1]));
    const step = ref.step(
      P,
      memory,
      gatherState(
        ref,
        state,
        live.map((h) => h.row),
      ),
      tokens,
    );
    const candidates: { parent: number; y: number; logProb: number }[] = [];
    live.forEach((h, i) => {
      const z = step.logits.subarray(i * V, (i + 1) * V);
      const lse = logSumExp(z);
      for (let y = 0; y < V; y++) candidates.push({ parent: i, y, logProb: h.logProb + (z[y] - lse) });
    });
    candidates.sort((a, b) => b.logProb - a.logProb); // stable: ties keep (parent, token) order, as argmax does
    const next: typeof live = [];
    for (const c of candidates.slice(0, width - done.length)) {
      const tokens = [...live[c.parent].tokens, c.y];
      if (c.y === EOS) done.push({ tokens, logProb: c.logProb, finished: true });
      else next.push({ tokens, logProb: c.logProb, row: c.parent });
    }
    live = next;
    state = step.state;
  }
  const all = [...done, ...live.map(({ tokens, logProb }) => ({ tokens, logProb, finished: false }))];
  return all.sort((a, b) => b.logProb - a.logProb);
}

/** A one-source memory repeated for n rows (every hypothesis attends over the same encoder outputs). */
function selectMemory(mem: Memory, n: number): Memory {
  const W = mem.enc.length / mem.S; // one source: B = 1
  const K = mem.keys.length / mem.S;
  const repeat = (a: F64, w: number) => {
    const out = new Float64Array(mem.S * n * w);
    for (let j = 0; j < mem.S; j++) for (let b = 0; b < n; b++) out.set(a.subarray(j * w, (j + 1) * w), (j * n + b) * w);
    return out;
  };
  return { S: mem.S, B: n, lengths: new Uint32Array(n).fill(mem.lengths[0]), enc: repeat(mem.enc, W), keys: repeat(mem.keys, K) };
}

/** The decoder state's rows `rows` (each layer's), in that order. */
function gatherState(ref: Seq2SeqReference, state: DecoderState, rows: number[]): DecoderState {
  const { W } = ref;
  const L = ref.cfg.layers;
  const B = state.h.length / (L * W);
  const gather = (s: F64) => {
    const out = new Float64Array(L * rows.length * W);
    for (let l = 0; l < L; l++) rows.forEach((r, i) => out.set(s.subarray((l * B + r) * W, (l * B + r + 1) * W), (l * rows.length + i) * W));
    return out;
  };
  return { h: gather(state.h), c: state.c ? gather(state.c) : null };
}
