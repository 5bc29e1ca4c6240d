import { describe, expect, it } from 'vitest';
import { parseNumber } from './parseCsv.ts';
import { checkCsvBytes, MAX_CSV_ROWS, type CsvTable } from './validateCsv.ts';
import { MAX_UPLOAD_BYTES } from './validateText.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const error = (b: Uint8Array | string, seqLen = 1) => {
  const r = checkCsvBytes('f.csv', typeof b === 'string' ? bytes(b) : b, seqLen);
  return r.ok ? null : r.error;
};
const table = (text: string, seqLen = 1): CsvTable => {
  const r = checkCsvBytes('f.csv', bytes(text), seqLen);
  if (!r.ok) throw new Error(r.error);
  return r.table;
};
/** n lines made by `row(i)`, joined by `eol`. */
const lines = (n: number, row: (i: number) => string, eol = '\n') => Array.from({ length: n }, (_, i) => row(i)).join(eol);

describe('uploaded CSV checks', () => {
  it.each([
    ['an empty file', new Uint8Array(0), '“f.csv” is empty.'],
    ['a file of blank lines', '\n \r\n\n', '“f.csv” is empty (only blank lines).'],
    ['a file with NUL bytes', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]), /binary file \(it contains NUL bytes\)/],
    ['a file of control characters', '\x01\x02a,b\x03\n'.repeat(20), /binary file \(43% control characters\)/],
    ['a file over 5 MB', new Uint8Array(MAX_UPLOAD_BYTES + 1).fill(49), '“f.csv” is 5.00 MB; the limit is 5 MB. Use a shorter excerpt.'],
    ['a file that is not UTF-8', new Uint8Array([0x31, 0x2c, 0x32, 0x0a, 0xe9]), /not valid UTF-8/],
    [
      'a quoted field never closed',
      `a,b\n${lines(20, (i) => `${i},${i}`)}\n"unclosed,3\n4,5`,
      '“f.csv” cannot be read as CSV: the quoted field that starts on line 22 has no closing quote (").',
    ],
  ])('refuses %s, saying why', (_, b, reason) => {
    if (typeof reason === 'string') expect(error(b)).toBe(reason);
    else expect(error(b)).toMatch(reason);
  });

  it('refuses a file with no numeric column, naming the columns it found', () => {
    expect(error(`date,city\n${lines(20, (i) => `2024-01-${i + 1},Paris`)}`)).toBe(
      '“f.csv” has no numeric column: a column counts when at least 95% of its non-empty cells are numbers (first row: date, city).',
    );
  });

  it('refuses too few rows for the sequence length (10% held out)', () => {
    // Sequences of 32 need 321 values: the last 10% (33) holds one window of 33.
    expect(error(`t,v\n${lines(320, (i) => `${i},${i * 2}`)}`, 32)).toBe(
      '“f.csv” has only 320 rows; sequences of 32 need at least 321 (10% is kept for validation).',
    );
    expect(table(`t,v\n${lines(321, (i) => `${i},${i * 2}`)}`, 32).rows).toBe(321);
  });

  it('counts the numbers of a column, not its rows, against the sequence length', () => {
    // Skipped cells count: 321 rows but at most 320 numbers in a column.
    expect(error(`v,w\n${lines(321, (i) => (i === 5 ? `,${i}` : `${i},`))}`, 32)).toMatch(
      /has only 320 numbers in its longest numeric column; sequences of 32 need at least 321/,
    );
  });

  it('refuses more rows than the limit of 200,000', () => {
    expect(MAX_CSV_ROWS).toBe(200_000);
    expect(table(`v\n${lines(MAX_CSV_ROWS, (i) => `${i % 10}`)}`).rows).toBe(200_000);
    expect(error(lines(MAX_CSV_ROWS + 1, (i) => `${i % 10}`))).toBe('“f.csv” has more than 200,000 rows, the limit. Use a shorter excerpt.');
  });

  it('detects the delimiter: comma, semicolon (with decimal commas) or tab', () => {
    const comma = table(`a,b\n${lines(12, (i) => `${i},${i / 2}`)}`);
    expect([comma.delimiter, comma.columns.map((c) => c.name)]).toEqual([',', ['a', 'b']]);
    const semicolon = table(lines(12, (i) => `${i},5;${i},25`));
    expect(semicolon.delimiter).toBe(';');
    expect(semicolon.columns.map((c) => c.values.slice(0, 2))).toEqual([
      [0.5, 1.5],
      [0.25, 1.25],
    ]);
    const tab = table(`x\ty\tz\n${lines(12, (i) => `${i}\t1,000\t${-i}`)}`);
    expect(tab.delimiter).toBe('\t');
    expect(tab.columns.map((c) => c.name)).toEqual(['x', 'z']);
    expect(tab.otherColumns).toEqual(['y']); // "1,000" is no number: no thousands separators
  });

  it('takes a first row of text over numbers as the header', () => {
    const named = table(`date,temp,rain\n${lines(12, (i) => `2024-01-${i + 1},${20 + i},0.${i}`)}`);
    expect(named).toMatchObject({ header: true, rows: 12, otherColumns: ['date'] });
    expect(named.columns.map((c) => [c.name, c.values.length, c.values[0]])).toEqual([
      ['temp', 12, 20],
      ['rain', 12, 0],
    ]);
  });

  it('names the columns of a file without a header by position', () => {
    const bare = table(lines(12, (i) => `${i},${i * i}`));
    expect(bare).toMatchObject({ header: false, rows: 12 });
    expect(bare.columns.map((c) => [c.name, c.values.slice(0, 3)])).toEqual([
      ['column 1', [0, 1, 2]],
      ['column 2', [0, 1, 4]],
    ]);
  });

  const oddHeader = () => table(`v,,v\n${lines(12, (i) => `${i},${i},${i}`)}`).columns.map((c) => c.name);

  it('names a column with an empty header by its position', () => {
    expect(oddHeader()[1]).toBe('column 2');
  });

  it('tells repeated header names apart', () => {
    expect(oddHeader()).toEqual(['v', 'column 2', 'v (2)']);
  });

  it('reads quoted fields with delimiters, doubled quotes and line breaks inside', () => {
    const t = table('"name, full","value"\n' + lines(12, (i) => `"Smith, ""J"" ${i}","${i}.5"`) + '\n"multi\nline",99\n');
    expect(t).toMatchObject({ header: true, rows: 13, otherColumns: ['name, full'] });
    expect(t.columns).toEqual([{ name: 'value', values: [...Array.from({ length: 12 }, (_, i) => i + 0.5), 99], skipped: 0 }]);
  });

  it('reads CRLF line ends', () => {
    const t = table('a,b\r\n' + lines(12, (i) => `${i},${i}.5`, '\r\n') + '\r\n');
    expect(t.columns).toEqual([
      { name: 'a', values: Array.from({ length: 12 }, (_, i) => i), skipped: 0 },
      { name: 'b', values: Array.from({ length: 12 }, (_, i) => i + 0.5), skipped: 0 },
    ]);
  });

  it('reads past a byte-order mark', () => {
    const t = table('\uFEFFa,b\n' + lines(12, (i) => `${i},${i}`));
    expect(t.columns.map((c) => c.name)).toEqual(['a', 'b']);
  });

  it('reads a spreadsheet’s export: a byte-order mark, then quoted fields in CRLF lines', () => {
    const text = '\uFEFF"name, full","value"\r\n' + lines(12, (i) => `"Smith, ""J"" ${i}","${i}.5"`, '\r\n') + '\r\n"multi\r\nline",99\r\n';
    const t = table(text);
    expect(t).toMatchObject({ header: true, rows: 13, otherColumns: ['name, full'] });
    expect(t.columns).toEqual([{ name: 'value', values: [...Array.from({ length: 12 }, (_, i) => i + 0.5), 99], skipped: 0 }]);
  });

  it('parses numbers written like 1e-3, -0.5, +2 or .5', () => {
    expect(['1e-3', '-0.5', '+2', '.5', '1E3', ' 7 ', '3.'].map((s) => parseNumber(s, ','))).toEqual([0.001, -0.5, 2, 0.5, 1000, 7, 3]);
  });

  it('takes no other text for a number', () => {
    expect(['NaN', 'Infinity', '1e999', '0x10', '1,5', '', '--1', '2024-01-01'].map((s) => parseNumber(s, ','))).toEqual(Array(8).fill(null));
  });

  it('reads decimal commas where the delimiter is a semicolon', () => {
    expect(parseNumber('-1,5', ';')).toBe(-1.5);
  });

  it('skips empty cells, counting them', () => {
    const t = table(`v,w\n${lines(20, (i) => `${i % 4 === 0 ? '' : `${i}e-1`},${i}`)}`);
    expect(t.columns[0]).toEqual({
      name: 'v',
      values: Array.from({ length: 20 }, (_, i) => i)
        .filter((i) => i % 4 !== 0)
        .map((i) => i / 10),
      skipped: 5,
    });
  });

  it('counts a column as numeric when at least 95% of its non-empty cells are numbers', () => {
    // 19 numbers and 1 "n/a" among 20 non-empty cells (95%): numeric, the text cell skipped. 18 of 20 (90%): not.
    const mostly = table(`a,b\n${lines(20, (i) => `${i === 3 ? 'n/a' : i},${i === 3 || i === 7 ? 'n/a' : i}`)}\n,`);
    expect(mostly.columns.map((c) => [c.name, c.values.length, c.skipped])).toEqual([['a', 19, 2]]);
    expect(mostly.otherColumns).toEqual(['b']);
  });
});
