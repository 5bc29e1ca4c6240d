import { describe, expect, it } from 'vitest';
import { checkTextBytes, MAX_UPLOAD_BYTES, minTextChars } from './validateText.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const error = (b: Uint8Array, min = 2) => {
  const r = checkTextBytes('f.txt', b, min);
  return r.ok ? null : r.error;
};

describe('uploaded text checks', () => {
  it.each([
    ['an empty file', new Uint8Array(0), 2, /is empty/],
    ['a file with NUL bytes', new Uint8Array([65, 0, 66]), 2, /NUL bytes/],
    ['a file of control characters', bytes('\x01\x02ab\x03'.repeat(10)), 2, /control characters/],
    ['a file over 5 MB', new Uint8Array(MAX_UPLOAD_BYTES + 1).fill(97), 2, /limit is 5 MB/],
    ['a file that is not UTF-8', new Uint8Array([0x63, 0x61, 0x66, 0xe9]), 2, /not valid UTF-8/],
    ['a file too short for the sequence length', bytes('short'), 10, /only 5 characters/],
  ])('refuses %s, saying why', (_, b, min, reason) => {
    expect(error(b, min)).toMatch(reason);
  });

  it('accepts newlines and tabs', () => {
    expect(checkTextBytes('f.txt', bytes('a\n\tb\r\n'), 2)).toEqual({ ok: true, text: 'a\n\tb\r\n', chars: 6 });
  });

  it('counts characters as code points', () => {
    expect(checkTextBytes('f.txt', bytes('café 😀'), 2)).toEqual({ ok: true, text: 'café 😀', chars: 6 });
  });

  it('drops a byte-order mark', () => {
    expect(checkTextBytes('f.txt', bytes('\uFEFFcafé 😀\n\tdone'), 2)).toEqual({ ok: true, text: 'café 😀\n\tdone', chars: 12 });
  });

  it('asks for enough characters that the held-out 10% holds a sequence', () => {
    for (const seqLen of [1, 16, 32, 64, 100]) {
      const n = minTextChars(seqLen);
      expect(n - Math.floor(n * 0.9)).toBeGreaterThanOrEqual(seqLen + 1);
      expect(n - 1 - Math.floor((n - 1) * 0.9)).toBeLessThan(seqLen + 1);
    }
  });
});
