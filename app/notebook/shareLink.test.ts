import { describe, expect, it } from 'vitest';
import { zlibSync } from 'fflate';
import { decodeNotebookLink, encodeNotebookLink, fromBase64Url, MAX_LINK_CHARS, MAX_NOTEBOOK_BYTES, NotebookLinkError, toBase64Url } from './shareLink.ts';

const problem = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NotebookLinkError);
    return (e as NotebookLinkError).problem;
  }
  throw new Error('expected a NotebookLinkError');
};

const NOTEBOOK = '# Parameter sharing\n\nÜber ∂y/∂x — ✓\n\n```rnn\ndataset: tagging\ncell: gru\n```\n';

describe('share links', () => {
  it('round-trips a notebook', () => {
    const link = encodeNotebookLink(NOTEBOOK);
    expect(decodeNotebookLink(link)).toBe(NOTEBOOK);
    expect(decodeNotebookLink('#' + link)).toBe(NOTEBOOK);
  });

  it('starts a link with its version', () => {
    expect(encodeNotebookLink(NOTEBOOK).slice(0, 4)).toBe('nb1.');
  });

  it('writes URL-safe characters only', () => {
    expect(encodeNotebookLink(NOTEBOOK)).toMatch(/^[A-Za-z0-9_.-]+$/);
  });

  it('base64url round-trips every length', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n) & 255);
      expect(Array.from(fromBase64Url(toBase64Url(bytes)))).toEqual(Array.from(bytes));
    }
  });

  it('names each kind of bad link', () => {
    const link = encodeNotebookLink(NOTEBOOK);
    expect(problem(() => decodeNotebookLink('hello'))).toBe('not-a-notebook');
    expect(problem(() => decodeNotebookLink('nb2.' + link.slice(4)))).toBe('version');
    expect(problem(() => decodeNotebookLink(link.slice(0, link.length - 6)))).toBe('truncated');
    expect(problem(() => decodeNotebookLink(link.slice(0, 12) + '!' + link.slice(13)))).toBe('encoding');
    expect(problem(() => decodeNotebookLink('nb1.' + 'A'.repeat(MAX_LINK_CHARS)))).toBe('too-large');
    // One flipped character in the middle: the Adler-32 checksum (or the deflate stream) catches it.
    const mid = 4 + Math.floor((link.length - 4) / 2);
    const flipped = link.slice(0, mid) + (link[mid] === 'A' ? 'B' : 'A') + link.slice(mid + 1);
    expect(['corrupt', 'truncated', 'not-text']).toContain(problem(() => decodeNotebookLink(flipped)));
    // A valid deflate stream whose checksum was changed: only the Adler-32 check catches it.
    const packed = zlibSync(new TextEncoder().encode(NOTEBOOK));
    packed[packed.length - 1] ^= 0xff;
    expect(problem(() => decodeNotebookLink('nb1.' + toBase64Url(packed)))).toBe('corrupt');
    // Valid zlib of bytes that are not UTF-8.
    expect(problem(() => decodeNotebookLink('nb1.' + toBase64Url(zlibSync(new Uint8Array([0xff, 0xfe, 0x80])))))).toBe('not-text');
    expect(problem(() => decodeNotebookLink('nb1.'))).toBe('truncated');
  });

  it('stops a decompression bomb at the cap', () => {
    const bomb = 'nb1.' + toBase64Url(zlibSync(new Uint8Array(64 * 1024 * 1024), { level: 9 }));
    expect(bomb.length).toBeLessThan(MAX_LINK_CHARS);
    const t0 = performance.now();
    expect(problem(() => decodeNotebookLink(bomb))).toBe('too-large');
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('refuses to encode a notebook over the cap', () => {
    expect(problem(() => encodeNotebookLink('x'.repeat(MAX_NOTEBOOK_BYTES + 1)))).toBe('too-large');
  });
});
