// Checks a user's text file before it becomes a training corpus. Each failure gets its own message,
// shown next to the upload control; the dataset in use stays until a file passes.

export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
/** More control characters than this (besides tab, newline, carriage return, form feed) means binary. */
const MAX_CONTROL_FRACTION = 0.1;

/**
 * Characters a text needs for sequences of seqLen: the worker keeps its last 10% for validation,
 * and that part must hold one sequence plus its next character.
 */
export function minTextChars(seqLen: number): number {
  let n = seqLen + 1;
  while (n - Math.floor(n * 0.9) < seqLen + 1) n++;
  return n;
}

export type TextCheck = { ok: true; text: string; chars: number } | { ok: false; error: string };

export function checkTextBytes(name: string, bytes: Uint8Array, minChars: number): TextCheck {
  if (bytes.length > MAX_UPLOAD_BYTES) return { ok: false, error: `“${name}” is ${formatBytes(bytes.length)}; the limit is 5 MB. Use a shorter excerpt.` };
  if (bytes.length === 0) return { ok: false, error: `“${name}” is empty.` };
  if (bytes.includes(0)) return { ok: false, error: `“${name}” looks like a binary file (it contains NUL bytes), not plain text.` };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, error: `“${name}” is not valid UTF-8 text. Save it as UTF-8 and try again.` };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark is not part of the text
  const chars = Array.from(text);
  const control = chars.filter(isControl).length;
  if (chars.length === 0) return { ok: false, error: `“${name}” is empty.` };
  if (control > chars.length * MAX_CONTROL_FRACTION)
    return { ok: false, error: `“${name}” looks like a binary file (${Math.round((100 * control) / chars.length)}% control characters), not plain text.` };
  if (chars.length < minChars)
    return { ok: false, error: `“${name}” has only ${chars.length} characters; the sequence length needs at least ${minChars} (10% is kept for validation).` };
  return { ok: true, text, chars: chars.length };
}

function isControl(c: string): boolean {
  const code = c.codePointAt(0)!;
  if (c === '\n' || c === '\r' || c === '\t' || c === '\f') return false;
  return code < 0x20 || (code >= 0x7f && code < 0xa0);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(2)} MB`;
}
