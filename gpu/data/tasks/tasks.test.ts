import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import type { Batch } from '../batch.ts';
import { createTask, TASK_NAMES } from './index.ts';
import { COPY_BLANK, COPY_DELIMITER, copyConstantBaseline, copyLength } from './copy.ts';
import { mackeyGlassSeries } from './mackeyGlass.ts';
import { CITIES, CONNECTIVES, FILLERS, generateSentence, PAD, TAG, TAGGING_TAGS, TAGGING_VOCABULARY, TEAMS, TEMPLATES } from './tagging.ts';

const arrays = (b: Batch) => [b.tokens, b.inputs, b.targets, b.targetValues, b.lengths];

describe('all tasks', () => {
  for (const name of TASK_NAMES) {
    it(`${name}: deterministic, seeded, fully filled`, () => {
      const T = 24;
      const a = createTask(name, { T, seed: 7 });
      const b = createTask(name, { T, seed: 7 });
      const c = createTask(name, { T, seed: 8 });
      expect(a.name).toBe(name);
      expect(a.description.length).toBeGreaterThan(10);
      const x = a.batch(16, new Rng(1));
      expect(arrays(x)).toEqual(arrays(b.batch(16, new Rng(1))));
      expect(arrays(x)).not.toEqual(arrays(a.batch(16, new Rng(2))));
      expect(arrays(a.validation(16))).toEqual(arrays(b.validation(16)));
      expect(arrays(a.validation(16))).toEqual(arrays(a.validation(16)));
      expect(arrays(a.validation(16))).not.toEqual(arrays(c.validation(16)));
      expect(a.baseline).toBe(b.baseline);

      // Shapes match the model the task declares; every value valid (padding included).
      for (const batch of [x, a.validation(16)]) {
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

  it('createTask: unknown names and bad sizes are clear errors', () => {
    expect(() => createTask('addition', { T: 10, seed: 1 })).toThrow(/unknown task "addition".*adding, copy, sine, mackey-glass, tagging/);
    expect(() => createTask('toString', { T: 10, seed: 1 })).toThrow(/unknown task/);
    expect(() => createTask('copy', { T: 2, seed: 1 })).toThrow(/T must be an integer ≥ 3/);
    expect(() => createTask('adding', { T: 10.5, seed: 1 })).toThrow(/T must be/);
    expect(() => createTask('sine', { T: 10, seed: 1 }).batch(0, new Rng(1))).toThrow(/batch size/);
  });
});

describe('adding', () => {
  it('two markers, one per half; the target is their sum; lengths T', () => {
    for (const T of [2, 3, 17, 50]) {
      const task = createTask('adding', { T, seed: 1 });
      const B = 64;
      const batch = task.batch(B, new Rng(T));
      const x = batch.inputs!;
      expect(batch.targetValues!.length).toBe(B); // sequence regression: B·O values
      expect([...batch.lengths!]).toEqual(new Array(B).fill(T));
      const half = Math.floor(T / 2);
      for (let b = 0; b < B; b++) {
        const marked: number[] = [];
        for (let t = 0; t < T; t++) {
          const v = x[(t * B + b) * 2];
          const m = x[(t * B + b) * 2 + 1];
          expect(v >= 0 && v < 1).toBe(true);
          expect(m === 0 || m === 1).toBe(true);
          if (m === 1) marked.push(t);
        }
        expect(marked.length).toBe(2);
        expect(marked[0]).toBeLessThan(half);
        expect(marked[1]).toBeGreaterThanOrEqual(half);
        const sum = x[(marked[0] * B + b) * 2] + x[(marked[1] * B + b) * 2];
        expect(batch.targetValues![b]).toBe(Math.fround(sum));
      }
    }
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
  it('the last S targets reproduce the first S inputs after the delimiter; blank elsewhere', () => {
    for (const T of [3, 10, 17, 40]) {
      const S = copyLength(T);
      expect(S).toBe(Math.min(8, Math.floor((T - 1) / 2)));
      expect(T).toBeGreaterThanOrEqual(2 * S + 1);
      const task = createTask('copy', { T, seed: 2 });
      const B = 32;
      const { tokens, targets } = task.batch(B, new Rng(T));
      for (let b = 0; b < B; b++) {
        const at = (a: Uint32Array, t: number) => a[t * B + b];
        for (let t = 0; t < T; t++) {
          if (t < S) expect(at(tokens!, t)).toBeLessThan(8);
          else if (t === T - S - 1) expect(at(tokens!, t)).toBe(COPY_DELIMITER);
          else expect(at(tokens!, t)).toBe(COPY_BLANK);
          if (t < T - S) expect(at(targets!, t)).toBe(COPY_BLANK);
          else expect(at(targets!, t)).toBe(at(tokens!, t - (T - S)));
        }
      }
    }
  });

  it('baselines: memoryless S·ln8/T, below the constant-distribution one', () => {
    const task = createTask('copy', { T: 30, seed: 1 });
    expect(task.baseline).toBeCloseTo((8 * Math.log(8)) / 30, 12);
    expect(copyConstantBaseline(30)).toBeGreaterThan(task.baseline!);
    expect(task.vocabulary).toHaveLength(10);
  });
});

describe('forecasting', () => {
  for (const name of ['sine', 'mackey-glass']) {
    it(`${name}: the target at t is the input at t + 1; persistence baseline > 0`, () => {
      const T = 40;
      const task = createTask(name, { T, seed: 4 });
      for (const batch of [task.batch(16, new Rng(9)), task.validation(16)]) {
        const { inputs, targetValues, B } = batch;
        for (let b = 0; b < B; b++) for (let t = 0; t + 1 < T; t++) expect(targetValues![t * B + b]).toBe(inputs![(t + 1) * B + b]);
      }
      expect(task.baseline).toBeGreaterThan(0);
      expect(task.baseline).toBeLessThan(0.2);
    });
  }

  it('sine: values are a noisy unit sine', () => {
    const x = createTask('sine', { T: 100, seed: 1 }).validation(32).inputs!;
    expect(Math.max(...x.map(Math.abs))).toBeLessThan(1.4);
    expect(Math.max(...x)).toBeGreaterThan(0.8);
  });

  it('mackey-glass: standardised and bounded; the raw series in its known range', () => {
    const raw = mackeyGlassSeries(3000);
    expect(Math.min(...raw)).toBeGreaterThan(0.2);
    expect(Math.max(...raw)).toBeLessThan(1.5);
    expect(mackeyGlassSeries(3000)).toBe(raw); // generated once
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

  it('model, vocabulary and tag names', () => {
    expect(TAGGING_TAGS).toEqual(['O', 'B-TEAM', 'I-TEAM', 'B-CITY', 'I-CITY']);
    expect(task.model).toEqual({ input: { kind: 'tokens', vocab: vocab.length }, output: 5, loss: 'ce' });
    expect(vocab[0]).toBe(PAD);
    expect(new Set(vocab).size).toBe(vocab.length);
    expect(TEAMS.length).toBeGreaterThanOrEqual(24);
    expect(CITIES.length).toBeGreaterThanOrEqual(24);
    expect(TEAMS.some((e) => e.includes(' ')) && CITIES.some((e) => e.includes(' '))).toBe(true);
    // Template, connective and filler words never occur inside a name.
    const others = [...TEMPLATES.flatMap((s) => s.split(' ')).filter((w) => w[0] !== '$'), ...CONNECTIVES, ...FILLERS];
    for (const w of others) expect(entityWords.has(w)).toBe(false);
    expect(task.baseline).toBeGreaterThan(0.3);
    expect(task.baseline).toBeLessThan(Math.log(5));
  });

  it('every entity is tagged B- then I-; everything else O', () => {
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

  it('entities at varied positions; validation sentences longer than training ones', () => {
    const train = sentences(task.batch(256, new Rng(2)));
    const valid = sentences(task.validation(256));
    const firsts = new Set(train.map((s) => s.tags.findIndex((g) => g !== TAG.O)).filter((i) => i >= 0));
    expect(firsts.size).toBeGreaterThanOrEqual(5);
    const mean = (ss: { words: string[] }[]) => ss.reduce((a, s) => a + s.words.length, 0) / ss.length;
    expect(Math.max(...train.map((s) => s.words.length))).toBeLessThanOrEqual(T / 2);
    expect(Math.max(...valid.map((s) => s.words.length))).toBe(T);
    expect(mean(valid)).toBeGreaterThan(mean(train) + 5);
    // Lengths vary, and most sentences name at least one entity.
    expect(new Set(train.map((s) => s.words.length)).size).toBeGreaterThan(5);
    expect(train.filter((s) => s.tags.some((g) => g !== TAG.O)).length).toBeGreaterThan(0.8 * train.length);
  });

  it('generateSentence hits the requested length exactly', () => {
    const rng = new Rng(3);
    for (let L = 1; L <= 60; L++) expect(generateSentence(rng, L).words).toHaveLength(L);
  });
});
