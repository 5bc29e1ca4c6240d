// The generated pair tasks: shapes, padding and vocabulary, seeded determinism, validation longer than
// training, and each task's answers recomputed independently (dates through the JS Date and Intl).
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { column, decodeTokens, encodePairs, EOS, PAD, SPECIALS, type PairBatch } from './pairs.ts';
import { createPairTask, daysIn, LONGEST_DATE, PAIR_TASK_NAMES, VALIDATION_EXTRA, weekday } from './tasks.ts';

const arrays = (x: PairBatch) => [x.S, x.U, x.source, x.sourceLengths, x.target, x.targetLengths];

/** The source and target text of every pair of a batch. */
const texts = (x: PairBatch, vocabulary: string[]) =>
  Array.from({ length: x.B }, (_, b) => ({
    source: decodeTokens(column(x.source, x.B, b, x.sourceLengths[b]), vocabulary),
    target: decodeTokens(column(x.target, x.B, b, x.targetLengths[b]), vocabulary),
  }));

/** Many training batches of a task, and one validation batch. */
const sample = (name: string, maxLength?: number) => {
  const task = createPairTask(name, { seed: 5, maxLength });
  const rng = new Rng(11);
  const train = Array.from({ length: 20 }, () => task.batch(64, rng));
  return { task, train, validation: task.validation(128) };
};

describe('all pair tasks', () => {
  for (const name of PAIR_TASK_NAMES) {
    it(`${name}: batches have the task's shapes, ids in the vocabulary, <eos> after the target, <pad> after that`, () => {
      const { task, train, validation } = sample(name);
      expect(task.vocabulary.slice(0, 3)).toEqual(SPECIALS);
      expect(task.description.length).toBeGreaterThan(10);
      for (const [x, S, U] of [
        ...train.map((x) => [x, task.maxSource.train, task.maxTarget.train] as const),
        [validation, task.maxSource.validation, task.maxTarget.validation] as const,
      ]) {
        expect([x.S, x.U, x.source.length, x.target.length]).toEqual([S, U, S * x.B, U * x.B]);
        for (let b = 0; b < x.B; b++) {
          const [n, m] = [x.sourceLengths[b], x.targetLengths[b]];
          expect(n >= 1 && n <= S && m >= 2 && m <= U).toBe(true);
          for (let s = 0; s < S; s++) {
            const id = x.source[s * x.B + b];
            if (s < n) expect(id >= 3 && id < task.vocabulary.length).toBe(true);
            else expect(id).toBe(PAD);
          }
          for (let u = 0; u < U; u++) {
            const id = x.target[u * x.B + b];
            if (u < m - 1) expect(id >= 3 && id < task.vocabulary.length).toBe(true);
            else expect(id).toBe(u === m - 1 ? EOS : PAD);
          }
        }
      }
    });

    it(`${name}: every validation source is longer than every training source`, () => {
      const { train, validation } = sample(name);
      const longestTrain = Math.max(...train.flatMap((x) => [...x.sourceLengths]));
      expect(Math.min(...validation.sourceLengths)).toBeGreaterThan(longestTrain);
    });

    it(`${name}: one seed, one validation batch (bit for bit, whatever B); another seed, another; training from the caller's Rng`, () => {
      const [a, b, c] = [5, 5, 6].map((seed) => createPairTask(name, { seed }));
      expect(arrays(a.validation(32))).toEqual(arrays(b.validation(32)));
      expect(arrays(a.validation(32))).not.toEqual(arrays(c.validation(32)));
      expect(texts(a.validation(8), a.vocabulary)).toEqual(texts(a.validation(32), a.vocabulary).slice(0, 8));
      expect(arrays(a.batch(32, new Rng(1)))).toEqual(arrays(c.batch(32, new Rng(1))));
      expect(arrays(a.batch(32, new Rng(1)))).not.toEqual(arrays(a.batch(32, new Rng(2))));
    });
  }

  it('refuses an unknown name, a bad maxLength, seed or batch size, saying which', () => {
    expect(() => createPairTask('copy', { seed: 1 })).toThrow(/unknown sequence-to-sequence task "copy".*reverse, sort, addition, dates/);
    expect(() => createPairTask('toString', { seed: 1 })).toThrow(/unknown/);
    expect(() => createPairTask('addition', { seed: 1, maxLength: 13 })).toThrow(/maxLength must be an integer in 1..12, got 13/);
    expect(() => createPairTask('dates', { seed: 1, maxLength: 9 })).toThrow(/in 10..26/);
    expect(() => createPairTask('sort', { seed: 1.5 })).toThrow(/seed must be an integer/);
    expect(() => createPairTask('reverse', { seed: 1 }).batch(0, new Rng(1))).toThrow(/batch size/);
  });
});

describe('answers', () => {
  const all = (name: string, maxLength?: number) => {
    const { task, train, validation } = sample(name, maxLength);
    return [...train, validation].flatMap((x) => texts(x, task.vocabulary));
  };

  it('reverse: lengths 1..10 in training, 11..15 in validation, the target reversed', () => {
    const { train, validation } = sample('reverse');
    expect(Math.max(...train.flatMap((x) => [...x.sourceLengths]))).toBe(10);
    expect([Math.min(...validation.sourceLengths), Math.max(...validation.sourceLengths)]).toEqual([11, 10 + VALIDATION_EXTRA]);
    for (const { source, target } of all('reverse')) {
      expect(source).toMatch(/^[a-j]+$/);
      expect(target).toBe(source.split('').reverse().join(''));
    }
  });

  it('sort: the digits in ascending order', () => {
    for (const { source, target } of all('sort', 6)) {
      expect(source).toMatch(/^[0-9]{1,11}$/);
      const counts = (s: string) => [...'0123456789'].map((d) => s.split(d).length - 1);
      expect(counts(target)).toEqual(counts(source));
      for (let i = 1; i < target.length; i++) expect(target[i - 1] <= target[i]).toBe(true);
    }
  });

  it('addition: "a+b" → the decimal sum (BigInt), operands of 1..3 digits in training, 4 in validation', () => {
    const { task, train, validation } = sample('addition');
    const check = (x: PairBatch, digits: RegExp) =>
      texts(x, task.vocabulary).forEach(({ source, target }) => {
        const [a, b] = source.split('+');
        expect(a).toMatch(digits);
        expect(b).toMatch(digits);
        expect(target).toBe((BigInt(a) + BigInt(b)).toString());
      });
    train.forEach((x) => check(x, /^(0|[1-9][0-9]{0,2})$/));
    check(validation, /^[1-9][0-9]{3}$/);
    expect(Math.max(...train.flatMap((x) => [...x.sourceLengths]))).toBe(7);
  });

  it('dates: real calendar dates, the weekday right, the ISO target right, by Date and Intl', () => {
    const cache = new Map<string, string>();
    const name = (date: Date, part: 'long' | 'short', key: 'month' | 'weekday') => {
      const k = `${date.getTime()} ${part} ${key}`;
      if (!cache.has(k)) cache.set(k, date.toLocaleString('en-US', { [key]: part, timeZone: 'UTC' }));
      return cache.get(k)!;
    };
    const pairs = all('dates');
    const years = new Set<number>();
    for (const { source, target } of pairs) {
      const m = /^(?:(?<weekday>[A-Za-z]+),? )?(?:(?<d1>\d{1,2}) (?<month1>[A-Za-z]+)|(?<month2>[A-Za-z]+) (?<d2>\d{1,2}),) (?<year>\d{4})$/.exec(source);
      expect(m, source).not.toBeNull();
      const g = m!.groups!;
      const [year, day, month] = [Number(g.year), Number(g.d1 ?? g.d2), g.month1 ?? g.month2];
      const monthIndex = Array.from({ length: 12 }, (_, i) => i).find((i) =>
        [name(new Date(Date.UTC(2000, i, 1)), 'long', 'month'), name(new Date(Date.UTC(2000, i, 1)), 'short', 'month')].includes(month),
      );
      expect(monthIndex, source).toBeDefined();
      const date = new Date(Date.UTC(year, monthIndex!, day));
      expect(date.getUTCDate(), `${source} is a real date`).toBe(day);
      if (g.weekday) expect(g.weekday, source).toBe(name(date, 'long', 'weekday'));
      expect(target, source).toBe(date.toISOString().slice(0, 10));
      years.add(year);
    }
    expect(Math.min(...years)).toBeGreaterThanOrEqual(1900);
    expect(Math.max(...years)).toBeLessThanOrEqual(2099);
  });

  it("dates: the calendar's month lengths and weekdays agree with Date on every day of 1900..2099", () => {
    for (let y = 1900; y <= 2099; y++)
      for (let m = 1; m <= 12; m++) {
        expect(daysIn(y, m), `${y}-${m}`).toBe(new Date(Date.UTC(y, m, 0)).getUTCDate());
        for (let d = 1; d <= daysIn(y, m); d++) expect(weekday(y, m, d)).toBe(new Date(Date.UTC(y, m - 1, d)).getUTCDay());
      }
  });

  it('dates: leap days come only in leap years (1904, 2000, not 1900 or 2100), and they do come', () => {
    const task = createPairTask('dates', { seed: 1, maxLength: 26 });
    const rng = new Rng(3);
    const targets = Array.from({ length: 100 }, () => texts(task.batch(256, rng), task.vocabulary)).flatMap((t) => t.map((p) => p.target));
    const leapDays = targets.filter((t) => t.endsWith('-02-29')).map((t) => Number(t.slice(0, 4)));
    expect(leapDays.length).toBeGreaterThan(5);
    for (const y of leapDays) expect(y % 4 === 0 && y !== 1900).toBe(true);
    expect(targets.filter((t) => /-(04|06|09|11)-31$|-02-3/.test(t))).toEqual([]);
  });

  it('dates: training sources take at most maxLength characters, validation ones more, up to the longest date', () => {
    for (const L of [10, 20, 26]) {
      const { train, validation } = sample('dates', L);
      expect(Math.max(...train.flatMap((x) => [...x.sourceLengths]))).toBeLessThanOrEqual(L);
      expect(Math.min(...validation.sourceLengths)).toBeGreaterThan(L);
      expect(validation.S).toBe(LONGEST_DATE);
    }
    const longest = createPairTask('dates', { seed: 1 });
    expect(encodePairs([{ source: 'Wednesday, September 30, 2026', target: '2026-09-30' }], longest.vocabulary).S).toBe(LONGEST_DATE);
  });
});
