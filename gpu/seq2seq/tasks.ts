// Generated, seeded sequence-to-sequence tasks. Each one's validation sources are longer than any
// training source, so validation measures length generalisation (the point of these tasks). Targets
// follow where they can: reverse and sort's are longer too, addition's sums have D+1 or D+2 digits (as
// long as the longest training sums, or longer), dates' are always the 10 characters of yyyy-mm-dd.
//   reverse   'a'..'j', L symbols (training 1..L, validation L+1..L+5) → reversed; default L = 10
//   sort      digits, the same lengths → sorted ascending
//   addition  "a+b", each operand 1..D digits (validation: exactly D+1 digits) → the decimal sum; default D = 3
//   dates     a real date (month lengths, leap years) written in one of six formats, years 1900..2099
//             ("3 Dec 2026", "Dec 3, 2026", "3 December 2026", "December 3, 2026", "Thursday 3 December
//             2026", "Thursday, December 3, 2026") → ISO "2026-12-03". Training dates are drawn until
//             one is written in at most L characters (default 20), validation dates until one takes more:
//             the same formats and years, but only the long spellings (mostly the weekday ones)
//             validate, and with L ≥ 20 every weekday and month name is seen in training.
// The training stream is the caller's Rng; validation pair b is drawn from validationRng(seed, b), so
// the same seed gives the same validation batch, bit for bit, and validation(8) is validation(64)'s start.

import type { Rng } from '../core/rng.ts';
import { checkB, checkSeed, validationRng } from '../data/tasks/task.ts';
import { encodePairs, pairVocabulary, type Pair, type PairTask } from './pairs.ts';

export const PAIR_TASK_NAMES = ['reverse', 'sort', 'addition', 'dates'] as const;
export type PairTaskName = (typeof PAIR_TASK_NAMES)[number];

export interface PairTaskOptions {
  /** Fixes the validation batch. */
  seed: number;
  /** Training size: reverse and sort symbols, addition digits per operand, dates characters. */
  maxLength?: number;
}

/** Validation sequences of reverse and sort are 1..VALIDATION_EXTRA symbols longer than the longest training one. */
export const VALIDATION_EXTRA = 5;

interface Spec {
  description: string;
  symbols: Iterable<string>;
  train: { S: number; U: number };
  validation: { S: number; U: number };
  /** One pair; `validation` asks for a longer one. */
  draw(rng: Rng, validation: boolean): Pair;
}

const LETTERS = 'abcdefghij';
const DIGITS = '0123456789';

/** n random symbols of `alphabet`, n uniform in [min, max]. */
function randomString(rng: Rng, alphabet: string, min: number, max: number): string {
  const n = min + rng.int(max - min + 1);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[rng.int(alphabet.length)];
  return s;
}

/** A number of exactly `digits` digits (no leading zero unless it is 0 itself), as text. */
function randomNumber(rng: Rng, digits: number): string {
  return (digits === 1 ? DIGITS[rng.int(10)] : DIGITS[1 + rng.int(9)]) + randomString(rng, DIGITS, digits - 1, digits - 1);
}

function lengthTask(L: number, alphabet: string, map: (s: string) => string, what: (lengths: string) => string): Spec {
  return {
    description: `${what(`1–${L}`)}; validation on ${L + 1}–${L + VALIDATION_EXTRA}.`,
    symbols: alphabet,
    train: { S: L, U: L + 1 },
    validation: { S: L + VALIDATION_EXTRA, U: L + VALIDATION_EXTRA + 1 },
    draw(rng, validation) {
      const source = validation ? randomString(rng, alphabet, L + 1, L + VALIDATION_EXTRA) : randomString(rng, alphabet, 1, L);
      return { source, target: map(source) };
    },
  };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** "Wednesday, September 30, 2026": the longest date any format writes. */
export const LONGEST_DATE = 29;

/** Days in month m (1..12) of year y (Gregorian leap years). */
export const daysIn = (y: number, m: number) => (m === 2 && ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0) ? 29 : MONTH_DAYS[m - 1]);

/** Day of the week of y-m-d, 0 = Sunday (Sakamoto's method). */
export function weekday(y: number, m: number, d: number): number {
  const t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
  if (m < 3) y -= 1;
  return (y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) + t[m - 1] + d) % 7;
}

type DateFormat = (y: number, month: string, d: number, day: string) => string;
const DATE_FORMATS: DateFormat[] = [
  (y, month, d) => `${d} ${month.slice(0, 3)} ${y}`,
  (y, month, d) => `${month.slice(0, 3)} ${d}, ${y}`,
  (y, month, d) => `${d} ${month} ${y}`,
  (y, month, d) => `${month} ${d}, ${y}`,
  (y, month, d, day) => `${day} ${d} ${month} ${y}`,
  (y, month, d, day) => `${day}, ${month} ${d}, ${y}`,
];

/** Dates drawn until `accept` takes the written length (a loop; within the allowed L each side accepts at least 1 draw in 39). */
function drawDate(rng: Rng, accept: (length: number) => boolean): Pair {
  for (;;) {
    const y = 1900 + rng.int(200);
    const m = 1 + rng.int(12);
    const d = 1 + rng.int(daysIn(y, m));
    const source = DATE_FORMATS[rng.int(DATE_FORMATS.length)](y, MONTHS[m - 1], d, WEEKDAYS[weekday(y, m, d)]);
    const two = (n: number) => String(n).padStart(2, '0');
    if (accept(source.length)) return { source, target: `${y}-${two(m)}-${two(d)}` };
  }
}

const SPECS: Record<PairTaskName, { range: [number, number]; default: number; spec: (L: number) => Spec }> = {
  reverse: {
    range: [1, 100],
    default: 10,
    spec: (L) =>
      lengthTask(
        L,
        LETTERS,
        (s) => [...s].reverse().join(''),
        (n) => `Reverse a string of ${n} letters`,
      ),
  },
  sort: {
    range: [1, 100],
    default: 10,
    spec: (L) =>
      lengthTask(
        L,
        DIGITS,
        (s) => [...s].sort().join(''),
        (n) => `Sort ${n} digits ascending`,
      ),
  },
  addition: {
    // D ≤ 12 keeps every sum (< 2·10^13) an exact double.
    range: [1, 12],
    default: 3,
    spec: (D) => ({
      description: `Add two numbers of 1–${D} digits, written "a+b"; validation on ${D + 1}-digit numbers.`,
      symbols: DIGITS + '+',
      train: { S: 2 * D + 1, U: D + 2 },
      validation: { S: 2 * D + 3, U: D + 3 },
      draw(rng, validation) {
        const operand = () => randomNumber(rng, validation ? D + 1 : 1 + rng.int(D));
        const a = operand();
        const b = operand();
        return { source: `${a}+${b}`, target: String(Number(a) + Number(b)) };
      },
    }),
  },
  dates: {
    // "1 May 1900" is the shortest date; at 26 a validation date is still 1 draw in 39, at 10 a training one 1 in 19.
    range: [10, 26],
    default: 20,
    spec: (L) => ({
      description: `Write a date given in words as ISO yyyy-mm-dd; training dates take at most ${L} characters, validation ones more.`,
      symbols: [...new Set(DIGITS + '-, ' + MONTHS.join('') + WEEKDAYS.join(''))].sort(),
      train: { S: L, U: 11 },
      validation: { S: LONGEST_DATE, U: 11 },
      draw: (rng, validation) => drawDate(rng, (n) => (validation ? n > L : n <= L)),
    }),
  },
};

/** Each task's maxLength: its range and default (what the CLI's help prints and createPairTask accepts). */
export const PAIR_TASK_LENGTHS = Object.fromEntries(
  PAIR_TASK_NAMES.map((name) => [name, { min: SPECS[name].range[0], max: SPECS[name].range[1], default: SPECS[name].default }]),
) as Record<PairTaskName, { min: number; max: number; default: number }>;

/** A generated pair task (see the top of this file). Throws on an unknown name or a bad option. */
export function createPairTask(name: string, { seed, maxLength }: PairTaskOptions): PairTask {
  if (!(PAIR_TASK_NAMES as readonly string[]).includes(name))
    throw new Error(`unknown sequence-to-sequence task ${JSON.stringify(name)} (known tasks: ${PAIR_TASK_NAMES.join(', ')})`);
  const entry = SPECS[name as PairTaskName];
  checkSeed(name, seed);
  const L = maxLength ?? entry.default;
  const [min, max] = entry.range;
  if (!Number.isInteger(L) || L < min || L > max) throw new Error(`task "${name}": maxLength must be an integer in ${min}..${max}, got ${L}`);
  const spec = entry.spec(L);
  const vocabulary = pairVocabulary(spec.symbols);
  const size = (B: number) => (checkB(name, B), B);

  return {
    name,
    description: spec.description,
    vocabulary,
    batch: (B, rng) =>
      encodePairs(
        Array.from({ length: size(B) }, () => spec.draw(rng, false)),
        vocabulary,
        spec.train,
      ),
    validation: (B) =>
      encodePairs(
        Array.from({ length: size(B) }, (_, b) => spec.draw(validationRng(seed, b), true)),
        vocabulary,
        spec.validation,
      ),
    maxSource: { train: spec.train.S, validation: spec.validation.S },
    maxTarget: { train: spec.train.U, validation: spec.validation.U },
  };
}
