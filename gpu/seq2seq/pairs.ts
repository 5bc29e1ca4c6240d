// Sequence-to-sequence (encoder–decoder) data: the shape every pair task shares.
//
// One vocabulary serves both sides: ids 0 '<pad>', 1 '<bos>', 2 '<eos>', then the task's symbols. A
// shared list keeps the model to one embedding size and lets reverse and sort copy symbols without a
// mapping between two lists; a side that never uses a symbol simply never sees its id. Every symbol is
// a single character (a code point), so "12+345" is 6 source tokens.
//
// Batches are time-major like the rest of rnnlab: row s·B + b. The source is its symbols padded with
// <pad>; the target is the target's symbols followed by <eos> (so that the decoder learns where to
// stop), padded with <pad>. Under teacher forcing the decoder reads <bos> then the target shifted by
// one step. A task gives every training batch the same S and U (maxSource.train, maxTarget.train) and
// every validation batch the validation ones, so a trainer can size its buffers once.

import type { Rng } from '../core/rng.ts';

export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const SPECIALS: readonly string[] = ['<pad>', '<bos>', '<eos>'];

export interface PairBatch {
  B: number;
  /** Source steps (the longest source the batch can hold). */
  S: number;
  /** Target steps, <eos> included. */
  U: number;
  /** Source ids, S·B, row s·B + b, padded with <pad>. */
  source: Uint32Array;
  /** Source symbols per sequence (1..S), B. */
  sourceLengths: Uint32Array;
  /** Target ids followed by <eos>, U·B, row u·B + b, padded with <pad>. */
  target: Uint32Array;
  /** Target steps per sequence, <eos> included (1..U), B. */
  targetLengths: Uint32Array;
}

export interface PairTask {
  /** 'reverse' | 'sort' | 'addition' | 'dates' | 'file'. */
  name: string;
  /** One sentence for the UI. */
  description: string;
  /** The shared source and target vocabulary: the 3 specials, then the symbols. */
  vocabulary: string[];
  /** A training batch of B pairs. Generated tasks draw it from rng; a file task walks its own seeded epochs. */
  batch(B: number, rng: Rng): PairBatch;
  /**
   * A fixed validation batch. Generated tasks' validation sources are longer than any training source
   * (length generalisation); a file task validates on its last pairs, and holds only validationSize of
   * them, so its batch has min(B, validationSize) pairs.
   */
  validation(B: number): PairBatch;
  /** S of training and of validation batches. */
  maxSource: { train: number; validation: number };
  /** U of training and of validation batches (<eos> included). */
  maxTarget: { train: number; validation: number };
  /** How many validation pairs a file task holds (generated tasks: unlimited, undefined). */
  validationSize?: number;
}

/** A pair as text ("12+345" → "357") or as lists of symbols. */
export interface Pair {
  source: string | readonly string[];
  target: string | readonly string[];
}

/** The symbols of a string (code points, so an emoji is one symbol) or a copy of a symbol list. */
export const symbolsOf = (s: string | readonly string[]): string[] => (typeof s === 'string' ? Array.from(s) : s.slice());

/** The specials, then `symbols` in the given order; each must be a single character, none repeated. */
export function pairVocabulary(symbols: Iterable<string>): string[] {
  const out = [...SPECIALS];
  const seen = new Set<string>();
  for (const s of symbols) {
    if (Array.from(s).length !== 1) throw new Error(`a vocabulary symbol must be a single character, got ${JSON.stringify(s)}`);
    if (seen.has(s)) throw new Error(`the vocabulary repeats the symbol ${JSON.stringify(s)}`);
    seen.add(s);
    out.push(s);
  }
  return out;
}

/**
 * A time-major batch of `pairs`, with S and U from `shape` (a task's fixed sizes) or else the longest
 * pair. Throws when a symbol is not in the vocabulary, a source is empty or a pair does not fit.
 */
export function encodePairs(pairs: readonly Pair[], vocabulary: readonly string[], shape?: { S: number; U: number }): PairBatch {
  const B = pairs.length;
  if (B === 0) throw new Error('encodePairs: no pairs');
  const ids = new Map<string, number>();
  vocabulary.forEach((s, i) => i >= SPECIALS.length && ids.set(s, i));
  const symbols = pairs.map((p) => ({ source: symbolsOf(p.source), target: symbolsOf(p.target) }));
  const S = shape?.S ?? Math.max(...symbols.map((p) => p.source.length));
  const U = shape?.U ?? Math.max(...symbols.map((p) => p.target.length + 1));
  const batch: PairBatch = {
    B,
    S,
    U,
    source: new Uint32Array(S * B),
    sourceLengths: new Uint32Array(B),
    target: new Uint32Array(U * B),
    targetLengths: new Uint32Array(B),
  };
  const id = (symbol: string, b: number, side: string) => {
    const i = ids.get(symbol);
    if (i === undefined) throw new Error(`pair ${b + 1}: the ${side} symbol ${JSON.stringify(symbol)} is not in the vocabulary`);
    return i;
  };
  symbols.forEach(({ source, target }, b) => {
    if (source.length === 0) throw new Error(`pair ${b + 1}: the source is empty`);
    if (source.length > S) throw new Error(`pair ${b + 1}: the source has ${source.length} symbols; the batch holds ${S}`);
    if (target.length + 1 > U) throw new Error(`pair ${b + 1}: the target has ${target.length} symbols and <eos>; the batch holds ${U} steps`);
    source.forEach((s, t) => (batch.source[t * B + b] = id(s, b, 'source')));
    target.forEach((s, u) => (batch.target[u * B + b] = id(s, b, 'target')));
    batch.target[target.length * B + b] = EOS;
    batch.sourceLengths[b] = source.length;
    batch.targetLengths[b] = target.length + 1;
  });
  return batch;
}

/** The first n ids of sequence b of a time-major array with B sequences. */
export function column(ids: ArrayLike<number>, B: number, b: number, n: number): number[] {
  return Array.from({ length: n }, (_, t) => ids[t * B + b]);
}

/** The text of a sequence of ids, up to (not including) the first <eos>; <pad> and <bos> print by name. */
export function decodeTokens(ids: ArrayLike<number>, vocabulary: readonly string[]): string {
  let out = '';
  for (let i = 0; i < ids.length && ids[i] !== EOS; i++) {
    const symbol = vocabulary[ids[i]];
    if (symbol === undefined) throw new RangeError(`token id ${ids[i]} at position ${i} is outside the vocabulary of ${vocabulary.length}`);
    out += symbol;
  }
  return out;
}
