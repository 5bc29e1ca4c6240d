// Hugging Face safetensors reader/writer for model weights.
// Layout: u64 LE header length N | N bytes of UTF-8 JSON header | data buffer.
// Standard library only, so it runs unchanged in browsers, workers and Node.

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL' | 'U16' | 'U32' | 'U64' | 'F8_E4M3' | 'F8_E5M2';

export class SafetensorsError extends Error {
  readonly offset?: number;
  readonly tensor?: string;
  constructor(message: string, where: { offset?: number; tensor?: string } = {}) {
    super(message);
    this.name = 'SafetensorsError';
    if (where.offset !== undefined) this.offset = where.offset;
    if (where.tensor !== undefined) this.tensor = where.tensor;
  }
}

export interface TensorF32 {
  shape: number[];
  data: Float32Array;
}
export interface DecodedTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array;
}
export interface Decoded {
  tensors: Map<string, DecodedTensor>;
  metadata: Record<string, string>;
}

export const MAX_HEADER_BYTES = 16 * 1024 * 1024;

const METADATA_KEY = '__metadata__';

/** Bytes per element of each dtype the format defines (a reader skips over the ones it does not decode). */
export const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = Object.freeze(
  Object.assign(Object.create(null), {
    F64: 8,
    F32: 4,
    F16: 2,
    BF16: 2,
    I64: 8,
    I32: 4,
    I16: 2,
    I8: 1,
    U8: 1,
    BOOL: 1,
    U16: 2,
    U32: 4,
    U64: 8,
    F8_E4M3: 1,
    F8_E5M2: 1,
  }),
);

// Float bytes in the file are little-endian; on LE hosts typed arrays can alias them directly.
const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Element count of a shape, or undefined when the shape is malformed or the count unsafe. */
function numel(shape: unknown): number | undefined {
  if (!Array.isArray(shape)) return undefined;
  let n = 1;
  for (const d of shape) {
    if (!isCount(d)) return undefined;
    n *= d;
  }
  return Number.isSafeInteger(n) ? n : undefined;
}

const fmtShape = (shape: number[]) => `[${shape.join(', ')}]`;

// ---------------------------------------------------------------- writer

export function encodeSafetensors(tensors: Map<string, TensorF32> | [string, TensorF32][], metadata?: Record<string, string>): Uint8Array {
  const entries = [...tensors];
  const seen = new Set<string>();
  const parts: string[] = [];
  if (metadata !== undefined) {
    if (!isObject(metadata)) throw new SafetensorsError('metadata must be an object of strings');
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError(`metadata value for "${k}" must be a string, got ${typeof v}`);
    }
    parts.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  }

  let offset = 0;
  for (const [name, t] of entries) {
    if (typeof name !== 'string' || name === '') throw new SafetensorsError('tensor name must be a non-empty string');
    if (name === METADATA_KEY) throw new SafetensorsError(`tensor name "${METADATA_KEY}" is reserved`, { tensor: name });
    if (seen.has(name)) throw new SafetensorsError(`duplicate tensor name "${name}"`, { tensor: name });
    seen.add(name);
    if (!(t?.data instanceof Float32Array)) throw new SafetensorsError(`tensor "${name}": data must be a Float32Array`, { tensor: name });
    const n = numel(t.shape);
    if (n === undefined) throw new SafetensorsError(`tensor "${name}": shape must be an array of non-negative integers`, { tensor: name });
    if (t.data.length !== n) {
      throw new SafetensorsError(`tensor "${name}": data has ${t.data.length} elements but shape ${fmtShape(t.shape)} needs ${n}`, { tensor: name });
    }
    const end = offset + n * 4;
    // Build the JSON by hand so the header keeps the caller's order (JSON.stringify
    // would hoist integer-like names) and no name ever goes through an object.
    parts.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype: 'F32', shape: t.shape, data_offsets: [offset, end] })}`);
    offset = end;
  }

  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  // Pad with spaces so the data buffer is 8-byte aligned, as the reference writer does.
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);

  let pos = 8 + headerLen;
  for (const [, { data }] of entries) {
    if (HOST_LE) {
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    } else {
      // Move raw bits rather than floats so NaN payloads survive.
      const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
      for (let i = 0; i < bits.length; i++) view.setUint32(pos + 4 * i, bits[i], true);
    }
    pos += data.byteLength;
  }
  return out;
}

// ---------------------------------------------------------------- reader

/** Index just past the JSON string starting at `i` (which holds the opening quote). */
function stringEnd(text: string, i: number): number {
  for (i++; ; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x22 /* " */) return i + 1;
  }
}

/**
 * JSON.parse silently keeps the last of duplicate keys, which would let two readers
 * disagree about a file. Scan the (already validated) JSON text and report the first
 * duplicate key in any object. Iterative so deeply nested input cannot blow the stack.
 */
function findDuplicateKey(text: string, order?: Map<string, number>): { key: string; index: number; parent?: string } | undefined {
  const stack: { keys: Set<string>; name?: string; lastKey?: string }[] = []; // one per open object
  const kinds: ('{' | '[')[] = [];
  let keyNext = false;
  for (let i = 0; i < text.length;) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      if (keyNext) {
        const key = JSON.parse(text.slice(i, end)) as string; // unescape so "\u0061" == "a"
        const frame = stack[stack.length - 1];
        if (frame.keys.has(key)) return { key, index: i, parent: frame.name };
        frame.keys.add(key);
        if (stack.length === 1) order?.set(key, order.size); // the header's own keys, in file order
        frame.lastKey = key;
        keyNext = false;
      }
      i = end;
      continue;
    }
    if (c === '{') {
      // Objects are named after the top-level key they sit under.
      const name = stack.length === 1 ? stack[0].lastKey : stack[stack.length - 1]?.name;
      stack.push({ keys: new Set(), name });
      kinds.push('{');
      keyNext = true;
    } else if (c === '[') {
      kinds.push('[');
    } else if (c === '}' || c === ']') {
      if (kinds.pop() === '{') stack.pop();
      keyNext = false;
    } else if (c === ',') {
      keyNext = kinds[kinds.length - 1] === '{';
    }
    i++;
  }
  return undefined;
}

interface Entry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(name: string, raw: unknown): Entry {
  const fail = (msg: string): never => {
    throw new SafetensorsError(`tensor "${name}": ${msg}`, { tensor: name });
  };
  if (!isObject(raw)) return fail('header entry must be an object with dtype, shape and data_offsets');
  for (const k of Object.keys(raw)) {
    if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') fail(`unexpected field "${k}"`);
  }
  for (const k of ['dtype', 'shape', 'data_offsets']) {
    if (!Object.hasOwn(raw, k)) fail(`missing field "${k}"`);
  }
  const { dtype, shape, data_offsets: offs } = raw;
  if (typeof dtype !== 'string') return fail(`dtype must be a string, got ${JSON.stringify(dtype)}`);
  if (!Object.hasOwn(DTYPE_BYTES, dtype)) return fail(`unknown dtype "${dtype}"`);
  const n = numel(shape);
  if (n === undefined) return fail(`shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  if (!Array.isArray(offs) || offs.length !== 2 || !isCount(offs[0]) || !isCount(offs[1]) || offs[0] > offs[1]) {
    return fail(`data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offs)}`);
  }
  const [begin, end] = offs as [number, number];
  const want = n * DTYPE_BYTES[dtype as SafetensorsDtype];
  if (end - begin !== want) {
    fail(`data_offsets [${begin}, ${end}] span ${end - begin} bytes but shape ${fmtShape(shape as number[])} of ${dtype} needs ${want}`);
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: [...(shape as number[])], begin, end };
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero and subnormals
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

function toF32(e: Entry, view: DataView, bytes: Uint8Array, start: number): Float32Array {
  if (e.dtype !== 'F32' && e.dtype !== 'F64' && e.dtype !== 'F16' && e.dtype !== 'BF16') {
    throw new SafetensorsError(`tensor "${e.name}": dtype ${e.dtype} is not supported for weights (expected F32, F64, F16 or BF16)`, { tensor: e.name });
  }
  const n = (e.end - e.begin) / DTYPE_BYTES[e.dtype];
  const out = new Float32Array(n);
  switch (e.dtype) {
    case 'F32':
      if (HOST_LE) {
        // slice() copies into a fresh, aligned buffer whatever the source alignment.
        return new Float32Array(bytes.slice(start, start + n * 4).buffer);
      } else {
        const bits = new Uint32Array(out.buffer); // raw bits keep NaN payloads
        for (let i = 0; i < n; i++) bits[i] = view.getUint32(start + 4 * i, true);
      }
      break;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(start + 8 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(start + 2 * i, true));
      break;
    case 'BF16': {
      const bits = new Uint32Array(out.buffer); // bf16 is the top half of an f32
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(start + 2 * i, true) << 16;
      break;
    }
  }
  return out;
}

export function decodeSafetensors(input: Uint8Array, options: { maxHeaderBytes?: number } = {}): Decoded {
  // A plain view: subclasses such as Node's Buffer make slice() a view instead of a copy.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const cap = options.maxHeaderBytes ?? MAX_HEADER_BYTES;
  if (bytes.length < 8) {
    throw new SafetensorsError(`file is ${bytes.length} bytes, shorter than the 8-byte header length prefix`, { offset: 0 });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(cap)) throw new SafetensorsError(`header length ${n64} exceeds the cap of ${cap} bytes`, { offset: 0 });
  const headerLen = Number(n64);
  if (8 + headerLen > bytes.length) {
    throw new SafetensorsError(`header length ${headerLen} exceeds the file (${bytes.length - 8} bytes after the prefix)`, { offset: 0 });
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.slice(8, 8 + headerLen));
  } catch {
    throw new SafetensorsError('header is not valid UTF-8', { offset: 8 });
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(`header is not valid JSON: ${(err as Error).message}`, { offset: 8 });
  }
  if (!isObject(header)) throw new SafetensorsError('header JSON must be an object', { offset: 8 });
  // Object.entries hoists integer-like names; tensors that tie on their offsets (empty ones) keep the file's order.
  const order = new Map<string, number>();
  const dup = findDuplicateKey(text, order);
  if (dup) {
    const where = dup.parent === undefined ? 'the header' : `"${dup.parent}"`;
    const offset = 8 + new TextEncoder().encode(text.slice(0, dup.index)).length;
    const tensor = dup.parent ?? dup.key;
    throw new SafetensorsError(`duplicate key "${dup.key}" in ${where} at byte ${offset}`, tensor === METADATA_KEY ? { offset } : { offset, tensor });
  }

  // JSON.parse defines "__proto__" etc. as own data properties, so enumerating is safe;
  // everything we hand back lives in a Map or a null-prototype object.
  const metadata: Record<string, string> = Object.create(null);
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (!isObject(raw)) throw new SafetensorsError(`"${METADATA_KEY}" must be an object of strings`, { offset: 8 });
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw new SafetensorsError(`"${METADATA_KEY}" value for "${k}" must be a string, got ${JSON.stringify(v)}`, { offset: 8 });
        metadata[k] = v;
      }
    } else {
      entries.push(parseEntry(name, raw));
    }
  }

  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  for (const e of entries) {
    if (e.end > dataLen) {
      throw new SafetensorsError(`tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] extend past the end of the file (data buffer is ${dataLen} bytes)`, {
        tensor: e.name,
        offset: dataStart + e.end,
      });
    }
  }
  // Sorted by begin, the tensors must tile the data buffer exactly.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end || order.get(a.name)! - order.get(b.name)!);
  let covered = 0;
  let prev: Entry | undefined;
  for (const e of entries) {
    if (e.begin > covered) {
      throw new SafetensorsError(`gap in data buffer: bytes [${covered}, ${e.begin}) before tensor "${e.name}" belong to no tensor`, {
        tensor: e.name,
        offset: dataStart + covered,
      });
    }
    if (e.begin < covered) {
      throw new SafetensorsError(`tensor "${e.name}" at data offset ${e.begin} overlaps tensor "${prev!.name}" (which ends at ${covered})`, {
        tensor: e.name,
        offset: dataStart + e.begin,
      });
    }
    covered = e.end;
    prev = e;
  }
  if (covered !== dataLen) {
    throw new SafetensorsError(`data buffer has ${dataLen - covered} unused trailing bytes after data offset ${covered}`, { offset: dataStart + covered });
  }

  const tensors = new Map<string, DecodedTensor>();
  for (const e of entries) {
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: toF32(e, view, bytes, dataStart + e.begin) });
  }
  return { tensors, metadata };
}
