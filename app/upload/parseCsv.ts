// CSV text → records (RFC 4180 as spreadsheets write it): a comma, semicolon or tab between fields,
// detected from the first records; double-quoted fields that may hold delimiters, line breaks and
// doubled quotes (""); LF, CRLF or CR line ends; blank lines skipped.

export type Delimiter = ',' | ';' | '\t';
const DELIMITERS: readonly Delimiter[] = [',', ';', '\t'];
/** Records looked at to pick the delimiter. */
const SAMPLE_RECORDS = 50;

export type ParsedCsv = { ok: true; records: string[][]; delimiter: Delimiter } | { ok: false; error: string };

/**
 * Parses the whole text; stops after `maxRecords` records (the caller's row limit plus one, so it can
 * tell the limit was passed without parsing a huge file to its end).
 */
export function parseCsv(text: string, maxRecords: number, maxFields = Infinity): ParsedCsv {
  const delimiter = detectDelimiter(text);
  const parsed = parseRecords(text, delimiter, maxRecords, maxFields);
  return parsed.ok ? { ok: true, records: parsed.records, delimiter } : parsed;
}

/**
 * The delimiter that splits the first records most consistently into the same number of fields (more
 * than one); ties go to the one whose fields are more often numbers ("1,5;2,5" is two numbers split
 * by semicolons), then to more fields. With none of them, a single column (comma).
 */
export function detectDelimiter(text: string): Delimiter {
  let best = { delimiter: ',' as Delimiter, score: [0, 0, 0] };
  for (const delimiter of DELIMITERS) {
    // An unterminated quote in the sample is judged by the records before it (parseCsv reports it).
    const { records } = parseRecords(text, delimiter, SAMPLE_RECORDS);
    const fields = records[0]?.length ?? 0;
    if (fields < 2) continue;
    const cells = records.flat();
    const consistent = records.filter((r) => r.length === fields).length / records.length;
    const numeric = cells.filter((c) => parseNumber(c, delimiter) !== null).length / cells.length;
    const score = [consistent, numeric, fields];
    const better = score.findIndex((x, k) => x !== best.score[k]);
    if (better >= 0 && score[better] > best.score[better]) best = { delimiter, score };
  }
  return best.delimiter;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const DECIMAL_COMMA = /^[+-]?\d+,\d+(e[+-]?\d+)?$/i;

/**
 * A cell as a finite number, or null: decimal notation with an optional exponent ("-0.5", "1e-3",
 * ".5"); under semicolons also a decimal comma ("1,5", as European spreadsheets write it). No
 * thousands separators, hex, "NaN" or "Infinity".
 */
export function parseNumber(cell: string, delimiter: Delimiter): number | null {
  const s = cell.trim();
  const text = NUMBER.test(s) ? s : delimiter === ';' && DECIMAL_COMMA.test(s) ? s.replace(',', '.') : null;
  if (text === null) return null;
  const x = Number(text);
  return Number.isFinite(x) ? x : null;
}

type Records = { ok: true; records: string[][] } | { ok: false; error: string; records: string[][] };

function parseRecords(text: string, delimiter: Delimiter, maxRecords: number, maxFields = Infinity): Records {
  const records: string[][] = [];
  const n = text.length;
  let record: string[] = [];
  let line = 1;
  let i = 0;
  while (records.length < maxRecords) {
    let value = '';
    if (text[i] === '"') {
      // A quoted field: up to the next quote that is not doubled.
      let k = i + 1;
      for (;;) {
        const q = text.indexOf('"', k);
        if (q < 0) return { ok: false, records, error: `the quoted field that starts on line ${line} has no closing quote (")` };
        value += text.slice(k, q);
        if (text[q + 1] !== '"') {
          line += lineBreaks(text.slice(i, q));
          i = q + 1;
          break;
        }
        value += '"';
        k = q + 2;
      }
    }
    // The rest of the field (all of it when unquoted; what follows a closing quote is kept, as spreadsheets do).
    let j = i;
    while (j < n && text[j] !== delimiter && text[j] !== '\n' && text[j] !== '\r') j++;
    record.push(value + text.slice(i, j));
    if (record.length > maxFields)
      return { ok: false, records, error: `line ${line} has more than ${maxFields.toLocaleString('en-US')} fields, the most a row may have` };
    if (j < n && text[j] === delimiter) {
      i = j + 1;
      continue;
    }
    // A blank line is no record.
    if (!(record.length === 1 && record[0].trim() === '')) records.push(record);
    record = [];
    if (j >= n) break;
    i = j + (text[j] === '\r' && text[j + 1] === '\n' ? 2 : 1);
    line++;
    if (i >= n) break; // a final line break ends the last record
  }
  return { ok: true, records };
}

function lineBreaks(s: string): number {
  return s.match(/\r\n|\r|\n/g)?.length ?? 0;
}
