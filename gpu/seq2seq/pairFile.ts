// A sequence-to-sequence task from a user's file of pairs: one `source<TAB>target` per line, every
// character a symbol (spaces included). Blank lines are skipped, CRLF and a trailing newline are fine.
// The last 10% of the pairs in file order validate (at least 1, at most 1,000) and the others train, in
// a seeded shuffled order, epoch after epoch, like an uploaded tree file. Putting the longest pairs last
// makes validation a length-generalisation test, as for the generated tasks; the file decides.
// The vocabulary is the 3 specials, then the file's characters, sorted. Pure: the page checks an upload
// with it (errors name the line) and the worker trains on it.

import { Rng } from '../core/rng.ts';
import { checkB, checkSeed } from '../data/tasks/task.ts';
import { encodePairs, pairVocabulary, type PairTask } from './pairs.ts';

/** Bounds of an uploaded pair file. */
export const PAIR_FILE_LIMITS = { characters: 5_000_000, pairs: 100_000, symbolsPerSide: 200, symbols: 1000 } as const;

export class PairFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PairFileError';
  }
}

export interface FilePair {
  source: string[];
  target: string[];
  /** 1-based line of the file. */
  line: number;
}

const count = (n: number) => n.toLocaleString('en-US');

/** The pairs of a file, checked; throws PairFileError naming the line and what is wrong. */
export function parsePairFile(text: string): FilePair[] {
  if (text.length > PAIR_FILE_LIMITS.characters)
    throw new PairFileError(`the file has ${count(text.length)} characters; the limit is ${count(PAIR_FILE_LIMITS.characters)}`);
  const pairs: FilePair[] = [];
  const symbols = new Set<string>();
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = i + 1;
      if (raw.trim() === '' && !raw.includes('\t')) return; // a lone tab is a pair with both sides empty
      const fields = raw.split('\t');
      if (fields.length === 1) throw new PairFileError(`line ${line}: no tab; write each pair as source<TAB>target`);
      if (fields.length > 2) throw new PairFileError(`line ${line}: ${fields.length - 1} tabs; write each pair as source<TAB>target, with one tab`);
      const [source, target] = fields.map((f) => Array.from(f));
      for (const [side, s] of [
        ['source', source],
        ['target', target],
      ] as const) {
        if (s.length === 0) throw new PairFileError(`line ${line}: the ${side} is empty`);
        if (s.length > PAIR_FILE_LIMITS.symbolsPerSide)
          throw new PairFileError(`line ${line}: the ${side} has ${s.length} characters; the limit is ${PAIR_FILE_LIMITS.symbolsPerSide}`);
        for (const c of s) {
          symbols.add(c);
          if (symbols.size > PAIR_FILE_LIMITS.symbols)
            throw new PairFileError(
              `line ${line}: ${JSON.stringify(c)} is distinct character number ${symbols.size}; the limit is ${count(PAIR_FILE_LIMITS.symbols)}`,
            );
        }
      }
      pairs.push({ source, target, line });
      if (pairs.length > PAIR_FILE_LIMITS.pairs) throw new PairFileError(`line ${line}: more than ${count(PAIR_FILE_LIMITS.pairs)} pairs; that is the limit`);
    });
  if (pairs.length < 2)
    throw new PairFileError(`the file holds ${pairs.length} pair${pairs.length === 1 ? '' : 's'}; at least 2 are needed (10% of them, at least one, validate)`);
  return pairs;
}

/** How many of `n` pairs validate: the last 10%, at least one and at most 1,000 (each validation decodes them all). */
export const pairValidationCount = (n: number): number => Math.min(1000, Math.max(1, Math.floor(n / 10)));

/** A PairTask over the pairs of a file (see the top of this file). Throws PairFileError. */
export function pairFileTask(text: string, { seed }: { seed: number }): PairTask {
  checkSeed('file', seed);
  const pairs = parsePairFile(text);
  const split = pairs.length - pairValidationCount(pairs.length);
  const train = pairs.slice(0, split);
  const validation = pairs.slice(split);
  const vocabulary = pairVocabulary([...new Set(pairs.flatMap((p) => [...p.source, ...p.target]))].sort());
  const shape = (list: FilePair[]) => ({ S: Math.max(...list.map((p) => p.source.length)), U: 1 + Math.max(...list.map((p) => p.target.length)) });
  const trainShape = shape(train);
  const validationShape = shape(validation);

  // Each epoch a new shuffle of all training pairs from the task's own Rng: the same seed, the same draws.
  const rng = new Rng(seed);
  let order: number[] = [];
  const next = () => {
    if (order.length === 0) {
      order = train.map((_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
    }
    return train[order.pop()!];
  };

  return {
    name: 'file',
    description: `${count(pairs.length)} pairs from a file: ${count(train.length)} train, the last ${count(validation.length)} validate.`,
    vocabulary,
    batch: (B) => (checkB('file', B), encodePairs(Array.from({ length: B }, next), vocabulary, trainShape)),
    validation: (B) => (checkB('file', B), encodePairs(validation.slice(0, B), vocabulary, validationShape)),
    maxSource: { train: trainShape.S, validation: validationShape.S },
    maxTarget: { train: trainShape.U, validation: validationShape.U },
    validationSize: validation.length,
  };
}
