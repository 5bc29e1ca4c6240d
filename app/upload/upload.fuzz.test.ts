// Fuzzing the upload checks: a user's text file and CSV file, as bytes. Valid files (written by a
// small CSV writer for the round trip) are mutated at the byte level, and large files are built from
// patterns near the 5 MB cap (a wide row over many short ones, quotes, blank lines) to catch
// superlinear scans. See gpu/testing/fuzz.ts for the contract.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { checkParse, fuzzParams, fuzzTimeout, mutatedBytes, type ParserContract } from '../../gpu/testing/fuzz.ts';
import { checkTextBytes, MAX_UPLOAD_BYTES, minTextChars, type TextCheck } from './validateText.ts';
import { checkCsvBytes, MAX_CSV_COLUMNS, MAX_CSV_ROWS, type CsvCheck } from './validateCsv.ts';
import type { Delimiter } from './parseCsv.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);

// ---------------------------------------------------------------- text

const textContract = (minChars: number): ParserContract<Uint8Array, TextCheck> => ({
  name: 'checkTextBytes',
  parse: (b) => checkTextBytes('f.txt', b, minChars),
  maxAllocated: (b) => 16 * b.length + (1 << 20),
  checkOutput(r, b) {
    if (!r.ok) return void expect(r.error.trim()).not.toBe('');
    expect(r.text.length).toBeLessThanOrEqual(b.length);
    expect(r.chars).toBeGreaterThanOrEqual(minChars);
    expect(r.text.includes('\0')).toBe(false);
  },
});

const texts = fc.oneof(
  mutatedBytes(fc.string({ unit: 'binary', maxLength: 400 }).map(utf8)),
  mutatedBytes(fc.string({ unit: 'grapheme', maxLength: 400 }).map((s) => utf8(`\uFEFF${s}`))),
  fc.uint8Array({ maxLength: 300 }),
);

describe('fuzz: uploaded text', () => {
  it(
    'any bytes: ok with the text or a reason, never an exception',
    () => {
      fc.assert(
        fc.property(texts, fc.integer({ min: 1, max: 300 }), (b, seqLen) => void checkParse(textContract(minTextChars(seqLen)), b)),
        fuzzParams(),
      );
    },
    fuzzTimeout(2),
  );

  it(
    'round trip: UTF-8 text with no control characters comes back as written',
    () => {
      const clean = fc
        .string({ unit: 'grapheme', minLength: 1, maxLength: 400 })
        // eslint-disable-next-line no-control-regex -- control characters are what this strips
        .map((s) => s.replace(/[\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f\uFEFF]/g, 'x'))
        .filter((s) => s.length > 0);
      fc.assert(
        fc.property(clean, (s) => {
          const r = checkParse(textContract(1), utf8(s))!;
          expect(r).toEqual({ ok: true, text: s, chars: [...s].length });
        }),
        fuzzParams(0.5),
      );
    },
    fuzzTimeout(2, 0.5),
  );

  it('a file over the 5 MB cap is refused', () => {
    expect(checkTextBytes('f.txt', new Uint8Array(MAX_UPLOAD_BYTES + 1).fill(0x61), 1)).toEqual({
      ok: false,
      error: expect.stringMatching(/the limit is 5 MB/),
    });
  });

  it(
    'a file at the 5 MB cap is checked in time',
    () => {
      fc.assert(
        fc.property(fc.constantFrom('a', 'é', '😀', 'ab\n', '\u0001'), (piece) => {
          const b = utf8(piece.repeat(Math.floor(MAX_UPLOAD_BYTES / utf8(piece).length)));
          checkParse({ ...textContract(1), maxMs: 20_000 }, b);
        }),
        fuzzParams(0.001),
      );
    },
    fuzzTimeout(20_000, 0.001),
  );
});

// ---------------------------------------------------------------- CSV

const csvContract = (seqLen: number): ParserContract<Uint8Array, CsvCheck> => ({
  name: 'checkCsvBytes',
  parse: (b) => checkCsvBytes('f.csv', b, seqLen),
  maxAllocated: (b) => 64 * b.length + (1 << 20),
  checkOutput(r) {
    if (!r.ok) return void expect(r.error.trim()).not.toBe('');
    const t = r.table;
    expect(t.columns.length).toBeGreaterThan(0);
    expect(t.columns.length + t.otherColumns.length).toBeLessThanOrEqual(MAX_CSV_COLUMNS);
    expect(t.rows).toBeLessThanOrEqual(MAX_CSV_ROWS);
    expect(new Set([...t.columns.map((c) => c.name), ...t.otherColumns]).size).toBe(t.columns.length + t.otherColumns.length);
    for (const c of t.columns) {
      expect(c.values.every(Number.isFinite)).toBe(true);
      expect(c.values.length + c.skipped).toBe(t.rows);
    }
  },
});

interface Table {
  delimiter: Delimiter;
  header: string[];
  numeric: number[][];
  text: string[][];
  eol: string;
  bom: boolean;
}

/** One field as a spreadsheet writes it: quoted when it holds a delimiter, a quote or a line break. */
function field(v: string): string {
  return /[",;\t\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
}

function writeCsv(t: Table): string {
  const str = (x: number) => (Object.is(x, -0) ? '-0' : String(x));
  const num = (x: number) => (t.delimiter === ';' ? str(x).replace('.', ',') : str(x));
  const rows = t.numeric[0].map((_, r) => [...t.numeric.map((c) => num(c[r])), ...t.text.map((c) => c[r])]);
  const lines = [t.header, ...rows].map((cells) => cells.map((c) => field(c)).join(t.delimiter));
  return (t.bom ? '\uFEFF' : '') + lines.join(t.eol) + t.eol;
}

const word = fc.stringMatching(/^[A-Za-z][A-Za-z _"',;-]{0,10}$/).map((s) => s.trim() || 'w');
const tables: fc.Arbitrary<Table> = fc
  .record({
    delimiter: fc.constantFrom<Delimiter>(',', ';', '\t'),
    rows: fc.integer({ min: 11, max: 40 }),
    numCols: fc.integer({ min: 1, max: 4 }),
    textCols: fc.integer({ min: 0, max: 2 }),
    eol: fc.constantFrom('\n', '\r\n'),
    bom: fc.boolean(),
  })
  // A one-column file has no delimiter to detect: decimal commas need the semicolons of a second column.
  .map((s) => (s.delimiter === ';' && s.numCols + s.textCols < 2 ? { ...s, numCols: 2 } : s))
  .chain((s) =>
    fc.record({
      delimiter: fc.constant(s.delimiter),
      header: fc.uniqueArray(
        word.map((w) => `${w}`),
        { minLength: s.numCols + s.textCols, maxLength: s.numCols + s.textCols },
      ),
      numeric: fc.array(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }), { minLength: s.rows, maxLength: s.rows }), {
        minLength: s.numCols,
        maxLength: s.numCols,
      }),
      text: fc.array(fc.array(word, { minLength: s.rows, maxLength: s.rows }), { minLength: s.textCols, maxLength: s.textCols }),
      eol: fc.constant(s.eol),
      bom: fc.constant(s.bom),
    }),
  );

const CSV_PIECES = ['1,', '1\n', '1;', '1\t', ',', ';', '\n', '\r\n', '\r', '"', '""', '"a,b"', '"\n"', 'a,', ' ', '1,5;', 'x\n', ',\n', '\n\n', '1e5,'];

describe('fuzz: uploaded CSV', () => {
  it(
    'any mutated CSV: a table whose columns are numbers or a reason, never an exception',
    () => {
      fc.assert(
        fc.property(
          fc.oneof(mutatedBytes(tables.map((t) => utf8(writeCsv(t)))), fc.uint8Array({ maxLength: 200 })),
          fc.integer({ min: 1, max: 64 }),
          (b, seqLen) => void checkParse(csvContract(seqLen), b),
        ),
        fuzzParams(),
      );
    },
    fuzzTimeout(3),
  );

  it(
    'round trip: a written table comes back with its delimiter, header and every number',
    () => {
      fc.assert(
        fc.property(tables, (t) => {
          const r = checkParse(csvContract(1), utf8(writeCsv(t)))!;
          if (!r.ok) throw new Error(r.error);
          expect(r.table.header).toBe(true);
          if (t.numeric.length + t.text.length > 1) expect(r.table.delimiter).toBe(t.delimiter);
          expect(r.table.columns.map((c) => c.name)).toEqual(t.header.slice(0, t.numeric.length));
          expect(r.table.columns.map((c) => c.values)).toEqual(t.numeric);
          expect(r.table.otherColumns).toEqual(t.header.slice(t.numeric.length));
        }),
        fuzzParams(0.5),
      );
    },
    fuzzTimeout(3, 0.5),
  );

  it(
    'files near the 5 MB cap, mixing two patterns (a wide row over many short ones, say), are checked in time',
    () => {
      const half = Math.floor(MAX_UPLOAD_BYTES / 2) - 64;
      const big = fc
        .tuple(fc.constantFrom(...CSV_PIECES), fc.constantFrom(...CSV_PIECES), fc.constantFrom('', 'a,b\n', '"'))
        .map(([a, b, head]) => utf8(head + a.repeat(Math.floor(half / a.length)) + b.repeat(Math.floor(half / b.length))));
      fc.assert(
        fc.property(big, (b) => void checkParse({ ...csvContract(8), maxMs: 20_000 }, b)),
        fuzzParams(0.002),
      );
    },
    fuzzTimeout(20_000, 0.002),
  );

  it('a row wider than the limit over many short rows is refused at once (it took minutes before)', () => {
    const b = utf8('1,'.repeat(MAX_CSV_COLUMNS + 1) + '1\n' + '1\n'.repeat(200_000));
    const r = checkParse({ ...csvContract(8), maxMs: 5000 }, b)!;
    expect(r).toEqual({
      ok: false,
      error: `“f.csv” cannot be read as CSV: line 1 has more than ${MAX_CSV_COLUMNS.toLocaleString('en-US')} fields, the most a row may have.`,
    });
    // Just under the limit: scanned in one pass over the cells there are.
    const ok = checkParse({ ...csvContract(8), maxMs: 5000 }, utf8('1,'.repeat(MAX_CSV_COLUMNS - 1) + '1\n' + '1\n'.repeat(100_000)))!;
    expect(ok.ok && ok.table.columns.length).toBe(MAX_CSV_COLUMNS);
  });
});
