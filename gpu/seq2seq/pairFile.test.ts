// Uploaded pair files: parsing (tabs, blank lines, CRLF), errors that name the line, the split, the
// vocabulary, and seeded epochs over the training pairs.
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { column, decodeTokens, EOS, SPECIALS } from './pairs.ts';
import { PAIR_FILE_LIMITS, pairFileTask, PairFileError, pairValidationCount, parsePairFile } from './pairFile.ts';

const lines = Array.from({ length: 25 }, (_, i) => `${i}+${i}\t${2 * i}`);
const file = lines.join('\n') + '\n';

describe('parsePairFile', () => {
  it('reads one source<TAB>target per line, skipping blank lines, with CRLF, a BOM or a trailing newline', () => {
    const pairs = parsePairFile('\uFEFFab\tba\r\n\r\n  \nx y\t😀z\r\n');
    expect(pairs).toEqual([
      { source: ['a', 'b'], target: ['b', 'a'], line: 1 },
      { source: ['x', ' ', 'y'], target: ['😀', 'z'], line: 4 },
    ]);
  });

  it('refuses a bad line, naming it and what is wrong', () => {
    const at3 = (bad: string) => () => parsePairFile(`a\tb\n\n${bad}\nc\td`);
    expect(at3('no tab here')).toThrow(/^line 3: no tab; write each pair as source<TAB>target$/);
    expect(at3('a\tb\tc')).toThrow(/^line 3: 2 tabs; .*with one tab$/);
    expect(at3('\tb')).toThrow(/^line 3: the source is empty$/);
    expect(at3('a\t')).toThrow(/^line 3: the target is empty$/);
    expect(at3('\t')).toThrow(/^line 3: the source is empty$/);
    expect(at3('a\t' + 'x'.repeat(201))).toThrow(/^line 3: the target has 201 characters; the limit is 200$/);
    expect(at3('y'.repeat(200) + '\tb')).not.toThrow();
    expect(at3('a\tb')).not.toThrow();
    expect(() => parsePairFile('a\tb')).toThrow(PairFileError);
  });

  it('refuses too few pairs, too many distinct characters, too large a file', () => {
    expect(() => parsePairFile('a\tb\n\n')).toThrow(/^the file holds 1 pair; at least 2 are needed/);
    expect(() => parsePairFile('')).toThrow(/holds 0 pairs/);
    const many = Array.from({ length: 11 }, (_, i) => Array.from({ length: 100 }, (_, j) => String.fromCodePoint(0x4e00 + i * 100 + j)).join('') + '\tb');
    // 'b', then 100 new characters a line: line 10's last source character is the 1,001st.
    expect(() => parsePairFile(many.join('\n'))).toThrow(
      `line 10: "${String.fromCodePoint(0x4e00 + 999)}" is distinct character number 1001; the limit is 1,000`,
    );
    expect(() => parsePairFile('a\tb\n'.repeat(PAIR_FILE_LIMITS.pairs + 1))).toThrow(/^line 100001: more than 100,000 pairs/);
    expect(() => parsePairFile('x'.repeat(PAIR_FILE_LIMITS.characters + 1))).toThrow(/^the file has 5,000,001 characters; the limit is 5,000,000$/);
  });
});

describe('pairFileTask', () => {
  it('validates on the last 10% in file order (at least 1, at most 1,000)', () => {
    expect([pairValidationCount(2), pairValidationCount(25), pairValidationCount(1e5)]).toEqual([1, 2, 1000]);
    const task = pairFileTask(file, { seed: 0 });
    expect(task.validationSize).toBe(2);
    const v = task.validation(64);
    expect(v.B).toBe(2);
    expect([0, 1].map((b) => decodeTokens(column(v.source, 2, b, v.S), task.vocabulary))).toEqual(['23+23', '24+24']);
    expect([0, 1].map((b) => decodeTokens(column(v.target, 2, b, v.U), task.vocabulary))).toEqual(['46', '48']);
    expect(task.validation(1).B).toBe(1);
  });

  it("takes the vocabulary from the file's characters, sorted after the specials, and the shapes from its pairs", () => {
    const task = pairFileTask('ba\tc\nzz\ta\nab\tcc', { seed: 0 });
    expect(task.vocabulary).toEqual([...SPECIALS, 'a', 'b', 'c', 'z']);
    expect(task.maxSource).toEqual({ train: 2, validation: 2 });
    expect(task.maxTarget).toEqual({ train: 2, validation: 3 });
    const x = task.validation(1);
    expect([...x.target]).toEqual([5, 5, EOS]);
    expect([...x.sourceLengths, ...x.targetLengths]).toEqual([2, 3]);
  });

  it('gives every training pair once per epoch in a seeded order, never a validation pair', () => {
    const task = pairFileTask(file, { seed: 3 });
    const text = (B: number) => {
      const x = task.batch(B, new Rng(0));
      return Array.from({ length: B }, (_, b) => decodeTokens(column(x.source, B, b, x.sourceLengths[b]), task.vocabulary));
    };
    const epoch = [...text(10), ...text(13)];
    expect(new Set(epoch)).toEqual(new Set(lines.slice(0, 23).map((l) => l.split('\t')[0])));
    expect(epoch).not.toEqual(lines.slice(0, 23).map((l) => l.split('\t')[0]));
    const again = pairFileTask(file, { seed: 3 }).batch(23, new Rng(9));
    const other = pairFileTask(file, { seed: 4 }).batch(23, new Rng(0));
    expect(decodeTokens(column(again.source, 23, 0, 5), task.vocabulary)).toBe(epoch[0]);
    expect([...other.source]).not.toEqual([...pairFileTask(file, { seed: 3 }).batch(23, new Rng(0)).source]);
    expect(task.batch(4, new Rng(0)).S).toBe(task.maxSource.train);
  });
});
