// A notebook in a link: the whole Markdown document in the URL fragment (never sent to a server),
// as `nb<version>.<base64url of zlib-deflated UTF-8>`. zlib rather than raw deflate for its Adler-32
// checksum, so a corrupted link is reported as such instead of opening a subtly different notebook.
// Decoding is bounded: the fragment's length is capped, and inflation streams in small input chunks
// and stops as soon as the output passes its cap, so a decompression bomb costs at most ~1 MB extra.

import { Unzlib, zlibSync } from 'fflate';

export const LINK_VERSION = 1;
const PREFIX = `nb${LINK_VERSION}.`;
/** The longest fragment we read (a notebook compresses ~3×; this is far above any real one). */
export const MAX_LINK_CHARS = 400_000;
/** The largest notebook a link may inflate to. */
export const MAX_NOTEBOOK_BYTES = 512 * 1024;
/** Above this, "Copy link" offers a .md download instead (links this long break in chat apps and some browsers). */
export const LINK_COMFORT_CHARS = 8_000;
/** Input chunk fed to the inflater: one chunk inflates to at most ~1 MB (deflate's ratio is ≤ 1032:1). */
const INFLATE_CHUNK = 1024;

export type LinkProblem = 'not-a-notebook' | 'version' | 'encoding' | 'corrupt' | 'truncated' | 'too-large' | 'not-text';

export class NotebookLinkError extends Error {
  constructor(
    readonly problem: LinkProblem,
    message: string,
  ) {
    super(message);
    this.name = 'NotebookLinkError';
  }
}

/** The fragment (without '#') that holds `markdown`. */
export function encodeNotebookLink(markdown: string): string {
  const bytes = new TextEncoder().encode(markdown);
  if (bytes.length > MAX_NOTEBOOK_BYTES)
    throw new NotebookLinkError(
      'too-large',
      `This notebook is ${kb(bytes.length)}; a link holds at most ${kb(MAX_NOTEBOOK_BYTES)}. Download it as a .md file instead.`,
    );
  return PREFIX + toBase64Url(zlibSync(bytes, { level: 9 }));
}

/** True when a fragment claims to be a notebook link (of any version). */
export function isNotebookLink(fragment: string): boolean {
  return /^nb\d+\./.test(stripHash(fragment));
}

/** The Markdown in a link's fragment; throws NotebookLinkError saying what is wrong. */
export function decodeNotebookLink(fragment: string): string {
  const f = stripHash(fragment);
  const version = /^nb(\d+)\./.exec(f);
  if (!version) throw new NotebookLinkError('not-a-notebook', 'This link does not hold a notebook (it should start with “#nb1.”).');
  if (Number(version[1]) !== LINK_VERSION)
    throw new NotebookLinkError(
      'version',
      `This notebook link is version ${version[1]}; this version of rnnlab reads version ${LINK_VERSION}. It may come from a newer rnnlab.`,
    );
  if (f.length > MAX_LINK_CHARS)
    throw new NotebookLinkError(
      'too-large',
      `This link is ${f.length.toLocaleString('en-US')} characters long; links of up to ${MAX_LINK_CHARS.toLocaleString('en-US')} are read.`,
    );
  const body = f.slice(version[0].length);
  const packed = fromBase64Url(body);
  if (packed.length === 0) throw truncated();
  const bytes = inflateCapped(packed);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new NotebookLinkError('not-text', 'This link decodes to something that is not UTF-8 text, so it is not a notebook.');
  }
}

function inflateCapped(packed: Uint8Array): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  const inflater = new Unzlib((chunk, final) => {
    total += chunk.length;
    if (total > MAX_NOTEBOOK_BYTES)
      throw new NotebookLinkError('too-large', `This link inflates to more than ${kb(MAX_NOTEBOOK_BYTES)}, the most a notebook may be; it was not opened.`);
    chunks.push(chunk);
    if (final) ended = true;
  });
  try {
    for (let at = 0; at < packed.length; at += INFLATE_CHUNK) inflater.push(packed.subarray(at, at + INFLATE_CHUNK), at + INFLATE_CHUNK >= packed.length);
  } catch (e) {
    if (e instanceof NotebookLinkError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    if (/unexpected EOF/i.test(msg)) throw truncated();
    throw new NotebookLinkError('corrupt', `This link is damaged: its data does not decompress (${msg}). Ask for the link again, or for the .md file.`);
  }
  if (!ended) throw truncated();
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  // fflate does not check zlib's trailer: the Adler-32 of the data, big-endian, in the last 4 bytes.
  const n = packed.length;
  const stored = ((packed[n - 4] << 24) | (packed[n - 3] << 16) | (packed[n - 2] << 8) | packed[n - 1]) >>> 0;
  if (n < 6 || stored !== adler32(out))
    throw new NotebookLinkError('corrupt', 'This link is damaged: its checksum does not match its data. Ask for the link again, or for the .md file.');
  return out;
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length;) {
    // 5552 bytes is the most that can be summed before the 32-bit sums need a modulo.
    const end = Math.min(i + 5552, bytes.length);
    for (; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const truncated = () =>
  new NotebookLinkError('truncated', 'This link is cut short: its data ends early. It may have been truncated when it was copied; copy the whole link.');

function stripHash(fragment: string): string {
  return fragment.startsWith('#') ? fragment.slice(1) : fragment;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) INDEX[ALPHABET.charCodeAt(i)] = i;

export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += ALPHABET[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

export function fromBase64Url(text: string): Uint8Array {
  if (text.length % 4 === 1) throw truncated();
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? INDEX[code] : -1;
    if (v < 0)
      throw new NotebookLinkError(
        'encoding',
        `This link has a character that cannot be in it (“${text[i]}” at position ${i + 1}); it may have been changed when it was copied.`,
      );
    value = ((value << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

const kb = (n: number) => `${Math.round(n / 1024)} KB`;
