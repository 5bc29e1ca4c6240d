// Character-level language-model data: a vocabulary of the characters in a text, and a sampler
// of random windows (x = text[s..s+T), y = text[s+1..s+T+1)) as time-major batches.

import { Rng } from '../core/rng.ts';
import type { Batch } from './batch.ts';

export class CharVocab {
  readonly chars: string[];
  private index: Map<string, number>;

  constructor(chars: string[]) {
    this.chars = chars;
    this.index = new Map(chars.map((c, i) => [c, i]));
  }

  /** Sorted distinct code points of `text` (so the same text gives the same ids everywhere). */
  static fromText(text: string): CharVocab {
    return new CharVocab([...new Set(Array.from(text))].sort());
  }

  get size(): number {
    return this.chars.length;
  }

  encode(text: string): Uint32Array {
    const chars = Array.from(text);
    const ids = new Uint32Array(chars.length);
    chars.forEach((c, i) => {
      const id = this.index.get(c);
      if (id === undefined) throw new Error(`character ${JSON.stringify(c)} is not in the vocabulary`);
      ids[i] = id;
    });
    return ids;
  }

  decode(ids: ArrayLike<number>): string {
    return Array.from(ids, (i) => this.chars[i] ?? '\uFFFD').join('');
  }
}

export class CharBatcher {
  private rng: Rng;

  constructor(
    readonly ids: Uint32Array,
    readonly T: number,
    readonly B: number,
    seed: number,
  ) {
    if (ids.length < T + 1) throw new Error(`the text has ${ids.length} characters; sequences of ${T} need at least ${T + 1}`);
    this.rng = new Rng(seed);
  }

  next(): Batch {
    const { T, B, ids } = this;
    const tokens = new Uint32Array(T * B);
    const targets = new Uint32Array(T * B);
    for (let b = 0; b < B; b++) {
      const s = this.rng.int(ids.length - T);
      for (let t = 0; t < T; t++) {
        tokens[t * B + b] = ids[s + t];
        targets[t * B + b] = ids[s + t + 1];
      }
    }
    return { T, B, tokens, targets };
  }
}
