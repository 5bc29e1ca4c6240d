// The built-in tasks: every task seeded and filled to its model's shapes, and each task's own rules
// (adding's markers and sums, copy's delimiter and copies, the forecasts' next values, tagging's BIO tags).
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import type { Batch } from '../batch.ts';
import { createTask, TASK_NAMES } from './index.ts';
import { COPY_BLANK, COPY_DELIMITER, copyConstantBaseline, copyLength } from './copy.ts';
import { mackeyGlassSeries } from './mackeyGlass.ts';
import {
  CITIES,
  CONNECTIVES,
  FILLERS,
  generateSentence,
  NEXT_WORD_NAMES,
  nextWordDecides,
  PAD,
  TAG,
  TAGGING_TAGS,
  TAGGING_VOCABULARY,
  TEAMS,
  TEMPLATES,
} from './tagging.ts';

const arrays = (b: Batch) => [b.tokens, b.inputs, b.targets, b.targetValues, b.lengths];

describe('all tasks', () => {
  for (const name of TASK_NAMES) {
    const T = 24;

    it(`${name}: named and described`, () => {
      const a = createTask(name, { T, seed: 7 });
      expect(a.name).toBe(name);
      expect(a.description.length).toBeGreaterThan(10);
    });

    it(`${name}: the same seeds give the same batches, validation and baseline; other seeds other batches and validation`, () => {
      const a = createTask(name, { T, seed: 7 });
      const b = createTask(name, { T, seed: 7 });
      const c = createTask(name, { T, seed: 8 });
      const x = a.batch(16, new Rng(1));
      expect(arrays(x)).toEqual(arrays(b.batch(16, new Rng(1))));
      expect(arrays(x)).not.toEqual(arrays(a.batch(16, new Rng(2))));
      expect(arrays(a.validation(16))).toEqual(arrays(b.validation(16)));
      expect(arrays(a.validation(16))).toEqual(arrays(a.validation(16)));
      expect(arrays(a.validation(16))).not.toEqual(arrays(c.validation(16)));
      expect(a.baseline).toBe(b.baseline);
    });

    it(`${name}: batches and validation fill the declared model's shapes with valid values, padding included; the baseline is finite`, () => {
      const a = createTask(name, { T, seed: 7 });
      for (const batch of [a.batch(16, new Rng(1)), a.validation(16)]) {
        const { T: bt, B } = batch;
        expect([bt, B]).toEqual([T, 16]);
        const { input, output, loss } = a.model;
        if (input.kind === 'tokens') {
          expect(batch.tokens!.length).toBe(T * B);
          expect(Math.max(...batch.tokens!)).toBeLessThan(input.vocab);
          expect(a.vocabulary!.length).toBe(input.vocab);
        } else {
          expect(batch.inputs!.length).toBe(T * B * input.features);
          expect(batch.inputs!.every(Number.isFinite)).toBe(true);
        }
        if (loss === 'mse' || loss === 'regress') {
          expect(batch.targetValues!.length).toBe((loss === 'regress' ? B : T * B) * output);
          expect(batch.targetValues!.every(Number.isFinite)).toBe(true);
        } else {
          expect(batch.targets!.length).toBe(loss === 'class' ? B : T * B);
          expect(Math.max(...batch.targets!)).toBeLessThan(output);
        }
        expect(batch.lengths!.length).toBe(B);
        for (const n of batch.lengths!) expect(n >= 1 && n <= T).toBe(true);
      }
      expect(Number.isFinite(a.baseline)).toBe(true);
    });
  }

  it('sequence b of validation does not depend on B', () => {
    const task = createTask('copy', { T: 20, seed: 3 });
    const small = task.validation(4);
    const large = task.validation(32);
    for (let b = 0; b < 4; b++) for (let t = 0; t < 20; t++) expect(large.tokens![t * 32 + b]).toBe(small.tokens![t * 4 + b]);
  });

  it('createTask: an unknown name is refused, listing the tasks', () => {
    expect(() => createTask('addition', { T: 10, seed: 1 })).toThrow(/unknown task "addition".*adding, copy, sine, mackey-glass, tagging/);
    expect(() => createTask('toString', { T: 10, seed: 1 })).toThrow(/unknown task/);
  });

  it('createTask: a bad length or batch size is refused, naming it', () => {
    expect(() => createTask('copy', { T: 2, seed: 1 })).toThrow(/T must be an integer ≥ 3/);
    expect(() => createTask('adding', { T: 10.5, seed: 1 })).toThrow(/T must be/);
    expect(() => createTask('sine', { T: 10, seed: 1 }).batch(0, new Rng(1))).toThrow(/batch size/);
  });
});

describe('adding', () => {
  const B = 64;
  /** Batches of 64 for T = 2, 3, 17, 50, with each sequence's marked steps. */
  const cases = () =>
    [2, 3, 17, 50].map((T) => {
      const batch = createTask('adding', { T, seed: 1 }).batch(B, new Rng(T));
      const x = batch.inputs!;
      const marked = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => t).filter((t) => x[(t * B + b) * 2 + 1] === 1));
      return { T, batch, x, marked };
    });

  it('inputs are a value in [0, 1) and a marker 0 or 1 per step', () => {
    for (const { T, x } of cases())
      for (let b = 0; b < B; b++)
        for (let t = 0; t < T; t++) {
          const v = x[(t * B + b) * 2];
          const m = x[(t * B + b) * 2 + 1];
          expect(v >= 0 && v < 1).toBe(true);
          expect(m === 0 || m === 1).toBe(true);
        }
  });

  it('two markers per sequence, one in each half', () => {
    for (const { T, marked } of cases()) {
      const half = Math.floor(T / 2);
      for (const m of marked) {
        expect(m.length).toBe(2);
        expect(m[0]).toBeLessThan(half);
        expect(m[1]).toBeGreaterThanOrEqual(half);
      }
    }
  });

  it('the target is the sum of the two marked values, one per sequence', () => {
    for (const { batch, x, marked } of cases()) {
      expect(batch.targetValues!.length).toBe(B); // sequence regression: B·O values
      marked.forEach(([m0, m1], b) => expect(batch.targetValues![b]).toBe(Math.fround(x[(m0 * B + b) * 2] + x[(m1 * B + b) * 2])));
    }
  });

  it('every sequence is T steps long', () => {
    for (const { T, batch } of cases()) expect([...batch.lengths!]).toEqual(new Array(B).fill(T));
  });

  it('baseline: predicting 1 has MSE 1/6', () => {
    const task = createTask('adding', { T: 20, seed: 5 });
    expect(task.baseline).toBe(1 / 6);
    const y = task.validation(8192).targetValues!;
    let mse = 0;
    for (const v of y) mse += (v - 1) ** 2;
    expect(Math.abs(mse / y.length - 1 / 6)).toBeLessThan(0.01);
  });
});

describe('copy', () => {
  const Ts = [3, 10, 17, 40];
  const B = 32;
  /** Each T's S, and the tokens and targets of sequence b at step t. */
  const cases = () =>
    Ts.map((T) => {
      const { tokens, targets } = createTask('copy', { T, seed: 2 }).batch(B, new Rng(T));
      return { T, S: copyLength(T), token: (b: number, t: number) => tokens![t * B + b], target: (b: number, t: number) => targets![t * B + b] };
    });

  it('copies S = min(8, ⌊(T − 1)/2⌋) symbols, so that 2S + 1 steps fit in T', () => {
    for (const { T, S } of cases()) {
      expect(S).toBe(Math.min(8, Math.floor((T - 1) / 2)));
      expect(T).toBeGreaterThanOrEqual(2 * S + 1);
    }
  });

  it('the inputs: S symbols of 8, blanks, the delimiter at step T − S − 1, blanks', () => {
    for (const { T, S, token } of cases())
      for (let b = 0; b < B; b++)
        for (let t = 0; t < T; t++) {
          if (t < S) expect(token(b, t)).toBeLessThan(8);
          else if (t === T - S - 1) expect(token(b, t)).toBe(COPY_DELIMITER);
          else expect(token(b, t)).toBe(COPY_BLANK);
        }
  });

  it('the targets: blanks, then the first S inputs in the last S steps', () => {
    for (const { T, S, token, target } of cases())
      for (let b = 0; b < B; b++)
        for (let t = 0; t < T; t++) {
          if (t < T - S) expect(target(b, t)).toBe(COPY_BLANK);
          else expect(target(b, t)).toBe(token(b, t - (T - S)));
        }
  });

  it('the baseline is the memoryless S·ln8/T, below the constant-distribution one', () => {
    const task = createTask('copy', { T: 30, seed: 1 });
    expect(task.baseline).toBeCloseTo((8 * Math.log(8)) / 30, 12);
    expect(copyConstantBaseline(30)).toBeGreaterThan(task.baseline!);
  });

  it('the vocabulary: 8 symbols, the blank and the delimiter', () => {
    expect(createTask('copy', { T: 30, seed: 1 }).vocabulary).toHaveLength(10);
  });
});

describe('forecasting', () => {
  for (const name of ['sine', 'mackey-glass']) {
    const T = 40;

    it(`${name}: the target at t is the input at t + 1`, () => {
      const task = createTask(name, { T, seed: 4 });
      for (const batch of [task.batch(16, new Rng(9)), task.validation(16)]) {
        const { inputs, targetValues, B } = batch;
        for (let b = 0; b < B; b++) for (let t = 0; t + 1 < T; t++) expect(targetValues![t * B + b]).toBe(inputs![(t + 1) * B + b]);
      }
    });

    it(`${name}: the persistence baseline is within (0, 0.2)`, () => {
      const task = createTask(name, { T, seed: 4 });
      expect(task.baseline).toBeGreaterThan(0);
      expect(task.baseline).toBeLessThan(0.2);
    });
  }

  it('sine: values are a noisy unit sine', () => {
    const x = createTask('sine', { T: 100, seed: 1 }).validation(32).inputs!;
    expect(Math.max(...x.map(Math.abs))).toBeLessThan(1.4);
    expect(Math.max(...x)).toBeGreaterThan(0.8);
  });

  it('mackey-glass: the raw series stays in its known range (0.2, 1.5), generated once', () => {
    const raw = mackeyGlassSeries(3000);
    expect(Math.min(...raw)).toBeGreaterThan(0.2);
    expect(Math.max(...raw)).toBeLessThan(1.5);
    expect(mackeyGlassSeries(3000)).toBe(raw); // generated once
  });

  it('mackey-glass: batches and validation are standardised (mean 0, sd 1) and within ±4', () => {
    const task = createTask('mackey-glass', { T: 500, seed: 1 });
    for (const x of [task.validation(32).inputs!, task.batch(32, new Rng(1)).inputs!]) {
      let mean = 0;
      for (const v of x) mean += v;
      mean /= x.length;
      let variance = 0;
      for (const v of x) variance += (v - mean) ** 2;
      expect(Math.abs(mean)).toBeLessThan(0.1);
      expect(Math.abs(Math.sqrt(variance / x.length) - 1)).toBeLessThan(0.15);
      expect(Math.max(...x.map(Math.abs))).toBeLessThan(4);
    }
  });
});

describe('tagging', () => {
  const T = 40;
  const task = createTask('tagging', { T, seed: 11 });
  const vocab = TAGGING_VOCABULARY;
  const entityWords = new Set([...TEAMS, ...CITIES].flatMap((e) => e.split(' ')));

  /** Tags recovered by greedy longest match of the entity lists (entities are never adjacent). */
  function parse(words: string[]): number[] {
    const names = [...TEAMS.map((e) => [e.split(' '), true] as const), ...CITIES.map((e) => [e.split(' '), false] as const)];
    const tags: number[] = [];
    for (let i = 0; i < words.length;) {
      let best: readonly [string[], boolean] | undefined;
      for (const n of names) if (n[0].every((w, k) => words[i + k] === w) && (!best || n[0].length > best[0].length)) best = n;
      if (!best) {
        tags.push(TAG.O);
        i++;
        continue;
      }
      best[0].forEach((_, k) => tags.push(best![1] ? (k ? TAG.I_TEAM : TAG.B_TEAM) : k ? TAG.I_CITY : TAG.B_CITY));
      i += best[0].length;
    }
    return tags;
  }

  function sentences(batch: Batch): { words: string[]; tags: number[] }[] {
    const out = [];
    for (let b = 0; b < batch.B; b++) {
      const n = batch.lengths![b];
      const words: string[] = [];
      const tags: number[] = [];
      for (let t = 0; t < batch.T; t++) {
        const r = t * batch.B + b;
        if (t < n) {
          words.push(vocab[batch.tokens![r]]);
          tags.push(batch.targets![r]);
        } else {
          expect(batch.tokens![r]).toBe(0);
          expect(batch.targets![r]).toBe(TAG.O);
        }
      }
      expect(words).not.toContain(PAD); // lengths = the non-pad tokens
      out.push({ words, tags });
    }
    return out;
  }

  it('the model: tokens of the vocabulary in, one of the five named tags out (cross-entropy)', () => {
    expect(TAGGING_TAGS).toEqual(['O', 'B-TEAM', 'I-TEAM', 'B-CITY', 'I-CITY']);
    expect(task.model).toEqual({ input: { kind: 'tokens', vocab: vocab.length }, output: 5, loss: 'ce' });
  });

  it('the vocabulary: the padding first, no word twice', () => {
    expect(vocab[0]).toBe(PAD);
    expect(new Set(vocab).size).toBe(vocab.length);
  });

  it('the names: at least 24 teams and 24 cities, some of several words, none holding a template, connective or filler word', () => {
    expect(TEAMS.length).toBeGreaterThanOrEqual(24);
    expect(CITIES.length).toBeGreaterThanOrEqual(24);
    expect(TEAMS.some((e) => e.includes(' ')) && CITIES.some((e) => e.includes(' '))).toBe(true);
    // Template, connective and filler words never occur inside a name.
    const others = [...TEMPLATES.flatMap((s) => s.split(' ')).filter((w) => w[0] !== '$'), ...CONNECTIVES, ...FILLERS];
    for (const w of others) expect(entityWords.has(w)).toBe(false);
  });

  it('the baseline is within (0.3, ln 5)', () => {
    expect(task.baseline).toBeGreaterThan(0.3);
    expect(task.baseline).toBeLessThan(Math.log(5));
  });

  it('every entity is tagged B- then I-, every other word O', () => {
    for (const batch of [task.batch(128, new Rng(1)), task.validation(128)]) {
      for (const { words, tags } of sentences(batch)) {
        expect(tags).toEqual(parse(words));
        words.forEach((w, i) => {
          if (!entityWords.has(w)) expect(tags[i]).toBe(TAG.O);
          else expect(tags[i]).not.toBe(TAG.O);
        });
      }
    }
  });

  const train = () => sentences(task.batch(256, new Rng(2)));

  it('entities start at five or more positions in training sentences', () => {
    const firsts = new Set(
      train()
        .map((s) => s.tags.findIndex((g) => g !== TAG.O))
        .filter((i) => i >= 0),
    );
    expect(firsts.size).toBeGreaterThanOrEqual(5);
  });

  it('most training sentences (over 80%) name an entity', () => {
    const ss = train();
    expect(ss.filter((s) => s.tags.some((g) => g !== TAG.O)).length).toBeGreaterThan(0.8 * ss.length);
  });

  it('training sentences are of more than five lengths, at most T/2', () => {
    const ss = train();
    expect(new Set(ss.map((s) => s.words.length)).size).toBeGreaterThan(5);
    expect(Math.max(...ss.map((s) => s.words.length))).toBeLessThanOrEqual(T / 2);
  });

  it('validation sentences are longer: up to T, on average 5 words more than training ones', () => {
    const valid = sentences(task.validation(256));
    const mean = (ss: { words: string[] }[]) => ss.reduce((a, s) => a + s.words.length, 0) / ss.length;
    expect(Math.max(...valid.map((s) => s.words.length))).toBe(T);
    expect(mean(valid)).toBeGreaterThan(mean(train()) + 5);
  });

  it('Paris and Manchester: the next word decides their tag, and where a clause may begin nothing before it does', () => {
    expect(NEXT_WORD_NAMES).toEqual(['Manchester', 'Paris']);
    const rng = new Rng(5);
    const byLeft = new Map<string, Set<number>>(); // unmarked: the two words before → the tags seen
    const marked = new Set<number>();
    for (let i = 0; i < 8000; i++) {
      const { words: ids, tags } = generateSentence(rng, 3 + rng.int(30));
      const words = ids.map((w) => vocab[w]);
      const decides = nextWordDecides(words);
      words.forEach((w, t) => {
        if (!NEXT_WORD_NAMES.includes(w)) return expect(decides[t]).toBe(false);
        // A team iff the next word goes on with its name (Saint-Germain, United).
        expect(tags[t]).toBe(words[t + 1] === 'Saint-Germain' || words[t + 1] === 'United' ? TAG.B_TEAM : TAG.B_CITY);
        if (decides[t]) return void marked.add(tags[t]);
        const left = `${words[t - 2] ?? ''} ${words[t - 1]}`;
        byLeft.set(left, (byLeft.get(left) ?? new Set()).add(tags[t]));
      });
    }
    // Marked: both tags occur. Unmarked: the two words before always tell which.
    expect([...marked].sort()).toEqual([TAG.B_TEAM, TAG.B_CITY]);
    for (const [left, seen] of byLeft) expect(seen.size, `after “${left}”`).toBe(1);
    expect(byLeft.size).toBeGreaterThan(20);
  });

  it('generateSentence hits the requested length exactly', () => {
    const rng = new Rng(3);
    for (let L = 1; L <= 60; L++) expect(generateSentence(rng, L).words).toHaveLength(L);
  });
});
