import { describe, expect, it } from 'vitest';
import { checkTextBytes, MAX_UPLOAD_BYTES, minTextChars } from './validateText.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const error = (b: Uint8Array, min = 2) => {
  const r = checkTextBytes('f.txt', b, min);
  return r.ok ? null : r.error;
};

describe('uploaded text checks', () => {
  it('refuses empty, binary, oversized, non-UTF-8 and short files, each with its own reason', () => {
    expect(error(new Uint8Array(0))).toMatch(/is empty/);
    expect(error(new Uint8Array([65, 0, 66]))).toMatch(/NUL bytes/);
    expect(error(bytes('\x01\x02ab\x03'.repeat(10)))).toMatch(/control characters/);
    expect(error(new Uint8Array(MAX_UPLOAD_BYTES + 1).fill(97))).toMatch(/limit is 5 MB/);
    expect(error(new Uint8Array([0x63, 0x61, 0x66, 0xe9]))).toMatch(/not valid UTF-8/);
    expect(error(bytes('short'), 10)).toMatch(/only 5 characters/);
  });

  it('accepts text with newlines and tabs, counts code points and drops a BOM', () => {
    const r = checkTextBytes('f.txt', bytes('\uFEFFcafé 😀\n\tdone'), 2);
    expect(r).toEqual({ ok: true, text: 'café 😀\n\tdone', chars: 12 });
  });

  it('asks for enough characters that the held-out 10% holds a sequence', () => {
    for (const seqLen of [1, 16, 32, 64, 100]) {
      const n = minTextChars(seqLen);
      expect(n - Math.floor(n * 0.9)).toBeGreaterThanOrEqual(seqLen + 1);
      expect(n - 1 - Math.floor((n - 1) * 0.9)).toBeLessThan(seqLen + 1);
    }
  });
});
