// Checks a user's CSV file before one of its columns becomes a series to forecast, and finds the
// numeric columns to choose from. Each failure gets its own message, shown next to the upload control;
// the dataset in use stays until a file passes. Pure: the page runs it in a worker (csvWorker.ts).

import { minSeriesLength } from '../../gpu/data/series.ts';
import { parseCsv, parseNumber, type Delimiter } from './parseCsv.ts';
import { formatBytes, MAX_UPLOAD_BYTES } from './validateText.ts';

/** Data rows at most (the header not counted): 200,000 values already train for a long while. */
export const MAX_CSV_ROWS = 200_000;
/** Fields per row at most: a wider file is refused before its columns are scanned. */
export const MAX_CSV_COLUMNS = 10_000;
/** A column is numeric when at least this share of its non-empty cells are numbers. */
export const NUMERIC_SHARE = 0.95;
/** More control characters than this share (besides tab, line feed, carriage return) means binary. */
const MAX_CONTROL_SHARE = 0.1;

export interface CsvColumn {
  name: string;
  /** The column's numbers, in row order; its empty and non-numeric cells are skipped. */
  values: number[];
  /** Cells skipped: empty or not a number. */
  skipped: number;
}

export interface CsvTable {
  /** The file's name. */
  name: string;
  delimiter: Delimiter;
  /** Whether the first row was taken as the column names. */
  header: boolean;
  /** Data rows (the header not counted). */
  rows: number;
  /** The numeric columns, in file order. */
  columns: CsvColumn[];
  /** The names of the other columns (dates, labels), which cannot be forecast. */
  otherColumns: string[];
}

export type CsvCheck = { ok: true; table: CsvTable } | { ok: false; error: string };

/** The size check, on its own: the page applies it before reading the file. */
export function csvTooLarge(name: string, bytes: number): string | null {
  return bytes > MAX_UPLOAD_BYTES ? `“${name}” is ${formatBytes(bytes)}; the limit is 5 MB. Use a shorter excerpt.` : null;
}

/** Checks and parses a CSV file's bytes for forecasting with sequences of `seqLen` steps. */
export function checkCsvBytes(name: string, bytes: Uint8Array, seqLen: number): CsvCheck {
  const fail = (error: string): CsvCheck => ({ ok: false, error });
  const tooLarge = csvTooLarge(name, bytes.length);
  if (tooLarge) return fail(tooLarge);
  if (bytes.length === 0) return fail(`“${name}” is empty.`);
  if (bytes.includes(0)) return fail(`“${name}” looks like a binary file (it contains NUL bytes), not a CSV text file.`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail(`“${name}” is not valid UTF-8 text. Save it as “CSV UTF-8” and try again.`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark is not part of the data
  // eslint-disable-next-line no-control-regex -- control characters are what this counts
  const control = text.match(/[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g)?.length ?? 0;
  if (control > text.length * MAX_CONTROL_SHARE)
    return fail(`“${name}” looks like a binary file (${Math.round((100 * control) / text.length)}% control characters), not a CSV text file.`);
  if (text.trim() === '') return fail(`“${name}” is empty (only blank lines).`);

  // One record past the limit (and one for a header) tells that the limit was passed.
  const parsed = parseCsv(text, MAX_CSV_ROWS + 2, MAX_CSV_COLUMNS);
  if (!parsed.ok) return fail(`“${name}” cannot be read as CSV: ${parsed.error}.`);
  const { records, delimiter } = parsed;
  const width = records.reduce((w, r) => Math.max(w, r.length), 0);
  const cell = (r: number, j: number) => records[r][j] ?? '';

  // The first row is a header when one of its cells is text over a column whose other cells are numbers.
  const body = scanColumns(records, width, 1, delimiter);
  const header = records.length > 1 && body.some((c, j) => c.numeric && cell(0, j).trim() !== '' && parseNumber(cell(0, j), delimiter) === null);
  const rows = records.length - (header ? 1 : 0);
  if (rows > MAX_CSV_ROWS) return fail(`“${name}” has more than ${MAX_CSV_ROWS.toLocaleString('en-US')} rows, the limit. Use a shorter excerpt.`);

  const scanned = header ? body : scanColumns(records, width, 0, delimiter);
  const names = uniqueNames(Array.from({ length: width }, (_, j) => (header && cell(0, j).trim()) || `column ${j + 1}`));
  const columns = scanned.flatMap((c, j) => (c.numeric ? [{ name: names[j], values: c.values, skipped: rows - c.values.length }] : []));
  const otherColumns = names.filter((_, j) => !scanned[j].numeric);
  if (columns.length === 0) {
    // With no numeric column there is no telling a header from data: show the first row as it is.
    const first = records[0].map((c) => c.trim());
    const shown = first.length > 6 ? `${first.slice(0, 6).join(', ')}, …` : first.join(', ');
    return fail(
      `“${name}” has no numeric column: a column counts when at least ${NUMERIC_SHARE * 100}% of its non-empty cells are numbers (first row: ${shown}).`,
    );
  }
  const need = minSeriesLength(seqLen);
  const longest = columns.reduce((n, c) => Math.max(n, c.values.length), 0);
  if (longest < need) {
    const what = longest === rows ? `only ${rows} rows` : `only ${longest} numbers in its longest numeric column`;
    return fail(`“${name}” has ${what}; sequences of ${seqLen} need at least ${need} (10% is kept for validation).`);
  }
  return { ok: true, table: { name, delimiter, header, rows, columns, otherColumns } };
}

/**
 * Each column's numbers from record `from` on, and whether it counts as numeric. One pass over the
 * cells there are (a short row's missing cells are empty), so a wide row among many short ones
 * costs its own cells, not width × rows.
 */
function scanColumns(records: string[][], width: number, from: number, delimiter: Delimiter): { values: number[]; numeric: boolean }[] {
  const values = Array.from({ length: width }, () => [] as number[]);
  const nonEmpty = new Array<number>(width).fill(0);
  for (let r = from; r < records.length; r++) {
    const record = records[r];
    for (let j = 0; j < record.length; j++) {
      const c = record[j];
      if (c.trim() === '') continue;
      nonEmpty[j]++;
      const x = parseNumber(c, delimiter);
      if (x !== null) values[j].push(x);
    }
  }
  return values.map((v, j) => ({ values: v, numeric: nonEmpty[j] > 0 && v.length >= NUMERIC_SHARE * nonEmpty[j] }));
}

/** Repeated names get " (2)", " (3)"…: the picker and the saved config name a column by its name. */
function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n} (${k})`;
  });
}
