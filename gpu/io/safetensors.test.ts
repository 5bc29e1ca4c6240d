import { describe, it, expect } from 'vitest';
import { decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES, SafetensorsError, type TensorF32 } from './safetensors';

const enc = new TextEncoder();

/** Assemble a file from a raw header string (so tests can write invalid JSON) and data bytes. */
function build(header: string | object, data: ArrayLike<number> = [], headerBytes?: Uint8Array): Uint8Array {
  const h = headerBytes ?? enc.encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** Bytes written through a DataView (callers pass littleEndian = true). */
function leBytes(n: number, write: (v: DataView) => void): number[] {
  const buf = new DataView(new ArrayBuffer(n));
  write(buf);
  return [...new Uint8Array(buf.buffer)];
}

function catchErr(fn: () => unknown): SafetensorsError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    expect((e as Error).name).toBe('SafetensorsError');
    return e as SafetensorsError;
  }
  throw new Error('expected a SafetensorsError');
}

const f32 = (name: string, n: number) => ({ [name]: { dtype: 'F32', shape: [n], data_offsets: [0, 4 * n] } });

const bits = (a: Float32Array) => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];

describe('encode/decode round trip', () => {
  const tensors: [string, TensorF32][] = [
    ['layer.0.weight', { shape: [2, 3], data: new Float32Array([1, -2.5, 3e-38, 1e-45, -0, Infinity]) }],
    ['scalar', { shape: [], data: new Float32Array([Math.PI]) }],
    ['empty', { shape: [4, 0], data: new Float32Array(0) }],
    ['nan', { shape: [2], data: new Float32Array(new Uint32Array([0x7fc00001, 0xffbadbad]).buffer) }],
    ['10', { shape: [1], data: new Float32Array([-1]) }], // integer-like name must not be reordered
  ];
  const metadata = { format: 'pt', note: 'héllo "quoted"' };

  it('is bit-exact, keeps order, shapes, metadata', () => {
    const file = encodeSafetensors(tensors, metadata);
    const out = decodeSafetensors(file);
    expect([...out.tensors.keys()]).toEqual(tensors.map(([k]) => k));
    for (const [name, t] of tensors) {
      const d = out.tensors.get(name)!;
      expect(d.dtype).toBe('F32');
      expect(d.shape).toEqual(t.shape);
      expect(bits(d.data)).toEqual(bits(t.data));
    }
    expect({ ...out.metadata }).toEqual(metadata);
    expect(Object.getPrototypeOf(out.metadata)).toBeNull();
  });

  /** Files of one tensor whose names take 1 … 8 characters, so the header ends at every offset mod 8. */
  const names = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'abcdef', 'abcdefg'].map((extra) => `w${extra}`);

  it('pads the header with spaces so the data starts 8-aligned', () => {
    for (const name of names) {
      const file = encodeSafetensors([[name, { shape: [1], data: new Float32Array([7]) }]]);
      const n = Number(new DataView(file.buffer).getBigUint64(0, true));
      expect((8 + n) % 8).toBe(0);
      const text = new TextDecoder().decode(file.subarray(8, 8 + n));
      expect(text.trimEnd().endsWith('}')).toBe(true);
      expect(decodeSafetensors(file).tensors.get(name)!.data[0]).toBe(7);
    }
  });

  it('takes the tensors as a Map too', () => {
    for (const name of names) {
      const file = encodeSafetensors(new Map([[name, { shape: [1], data: new Float32Array([7]) }]]));
      expect(decodeSafetensors(file).tensors.get(name)!.data[0]).toBe(7);
    }
  });

  it('reads from a subarray at an odd byte offset (unaligned F32)', () => {
    const file = encodeSafetensors([['w', { shape: [3], data: new Float32Array([1, 2, 3]) }]]);
    const host = new Uint8Array(file.length + 1);
    host.set(file, 1);
    expect([...decodeSafetensors(host.subarray(1)).tensors.get('w')!.data]).toEqual([1, 2, 3]);
  });

  it('an empty file (no tensors, no metadata) decodes to no tensors and metadata {}', () => {
    const out = decodeSafetensors(encodeSafetensors([]));
    expect(out.tensors.size).toBe(0);
    expect(Object.keys(out.metadata)).toEqual([]);
  });
});

describe('dtype conversion', () => {
  it('F64', () => {
    const vals = [1.5, -1e-10, 1e300, -0];
    const data = leBytes(32, (v) => vals.forEach((x, i) => v.setFloat64(8 * i, x, true)));
    const d = decodeSafetensors(build({ x: { dtype: 'F64', shape: [4], data_offsets: [0, 32] } }, data)).tensors.get('x')!;
    expect(d.dtype).toBe('F64');
    expect([...d.data]).toEqual([1.5, Math.fround(-1e-10), Infinity, -0]);
    expect(Object.is(d.data[3], -0)).toBe(true);
  });

  it('F16 incl. subnormals, inf, nan, -0', () => {
    const halves = [0x3c00, 0xc000, 0x0001, 0x03ff, 0x7bff, 0x7c00, 0xfc00, 0x8000, 0x7e00, 0x3555];
    const data = leBytes(20, (v) => halves.forEach((h, i) => v.setUint16(2 * i, h, true)));
    const d = decodeSafetensors(build({ h: { dtype: 'F16', shape: [2, 5], data_offsets: [0, 20] } }, data)).tensors.get('h')!;
    expect(d.shape).toEqual([2, 5]);
    const got = [...d.data];
    expect(got.slice(0, 8)).toEqual([1, -2, 2 ** -24, 1023 * 2 ** -24, 65504, Infinity, -Infinity, -0]);
    expect(Object.is(got[7], -0)).toBe(true);
    expect(Number.isNaN(got[8])).toBe(true);
    expect(got[9]).toBe(0.333251953125); // (1 + 0x155 / 1024) / 4
  });

  it('BF16', () => {
    const halves = [0x3f80, 0xc040, 0x7f80, 0x8000, 0x0001, 0x7fc0];
    const data = leBytes(12, (v) => halves.forEach((h, i) => v.setUint16(2 * i, h, true)));
    const d = decodeSafetensors(build({ b: { dtype: 'BF16', shape: [6], data_offsets: [0, 12] } }, data)).tensors.get('b')!;
    expect(bits(d.data)).toEqual(halves.map((h) => (h << 16) >>> 0));
    expect([...d.data].slice(0, 4)).toEqual([1, -3, Infinity, -0]);
  });

  it.each(['I64', 'I32', 'I16', 'I8', 'U8', 'BOOL', 'U16', 'U32', 'U64', 'F8_E4M3', 'F8_E5M2'])('rejects %s as unsupported for weights', (dtype) => {
    const size = { I64: 8, U64: 8, I32: 4, U32: 4, I16: 2, U16: 2 }[dtype] ?? 1;
    const file = build({ ids: { dtype, shape: [2], data_offsets: [0, 2 * size] } }, new Array(2 * size).fill(0));
    const e = catchErr(() => decodeSafetensors(file));
    expect(e.message).toMatch(new RegExp(`"ids".*${dtype}.*not supported for weights`));
    expect(e.tensor).toBe('ids');
  });
});

describe('malformed files', () => {
  const ok4 = [0, 0, 128, 63];

  it('file shorter than 8 bytes', () => {
    expect(catchErr(() => decodeSafetensors(new Uint8Array(7))).message).toMatch(/7 bytes.*shorter than/);
  });

  it('header length over the cap', () => {
    const file = build('{}');
    new DataView(file.buffer).setBigUint64(0, 2n ** 63n, true);
    expect(catchErr(() => decodeSafetensors(file)).message).toMatch(new RegExp(`exceeds the cap of ${MAX_HEADER_BYTES} bytes`));
    expect(catchErr(() => decodeSafetensors(build(f32('w', 1), ok4), { maxHeaderBytes: 16 })).message).toMatch(/cap of 16 bytes/);
  });

  it('header length larger than the file', () => {
    const file = build('{}');
    new DataView(file.buffer).setBigUint64(0, 3n, true);
    expect(catchErr(() => decodeSafetensors(file)).message).toMatch(/header length 3 exceeds the file \(2 bytes/);
  });

  it('header not UTF-8', () => {
    const e = catchErr(() => decodeSafetensors(build('', [], new Uint8Array([0x7b, 0xff, 0x7d]))));
    expect(e.message).toMatch(/not valid UTF-8/);
    expect(e.offset).toBe(8);
  });

  it('header not JSON', () => {
    expect(catchErr(() => decodeSafetensors(build('{"a": '))).message).toMatch(/not valid JSON/);
  });

  it.each(['[]', 'null', '42', '"x"'])('header %s is not an object', (h) => {
    expect(catchErr(() => decodeSafetensors(build(h))).message).toMatch(/must be an object/);
  });

  it('duplicate tensor names', () => {
    const entry = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
    const e = catchErr(() => decodeSafetensors(build(`{"w":${entry}, "w":${entry}}`, ok4)));
    expect(e.message).toMatch(/duplicate key "w"/i);
    expect(e.tensor).toBe('w');
    expect(e.offset).toBe(8 + `{"w":${entry}, `.length);
  });

  it('duplicate keys are compared after unescaping', () => {
    const entry = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
    // "w\u0022" is w" — the same key as the literal "w\"" below.
    const e = catchErr(() => decodeSafetensors(build(`{"__metadata__":{"k":"\\"w\\\\\\"\\":"},"w\\u0022":${entry},"w\\"":${entry}}`, ok4)));
    expect(e.message).toMatch(/duplicate key "w""/);
  });

  it('the same key in different objects, or a key inside a string value, is no duplicate', () => {
    const entry = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
    const fine = `{"__metadata__":{"dtype":"{\\"w\\":1,\\"w\\":2}","shape":"[{"},"w":${entry}}`;
    expect(decodeSafetensors(build(fine, ok4)).metadata.dtype).toBe('{"w":1,"w":2}');
  });

  it('duplicate keys inside __metadata__', () => {
    const e = catchErr(() => decodeSafetensors(build('{"__metadata__":{"a":"1","b":"2","a":"3"}}')));
    expect(e.message).toMatch(/duplicate key "a" in "__metadata__"/);
  });

  it('duplicate keys inside a tensor entry, naming the tensor', () => {
    const e2 = catchErr(() => decodeSafetensors(build('{"w":{"dtype":"F32","shape":[1],"dtype":"F32","data_offsets":[0,4]}}', ok4)));
    expect(e2.message).toMatch(/duplicate key "dtype" in "w"/);
    expect(e2.tensor).toBe('w');
  });

  it('duplicate __metadata__', () => {
    expect(catchErr(() => decodeSafetensors(build('{"__metadata__":{},"__metadata__":{}}'))).message).toMatch(/duplicate key "__metadata__"/);
  });

  it.each([['[]'], ['"x"'], ['null'], ['{"a":1}'], ['{"a":{"b":"c"}}']])('__metadata__ = %s is not an object of strings', (m) => {
    expect(catchErr(() => decodeSafetensors(build(`{"__metadata__":${m}}`))).message).toMatch(/__metadata__/);
  });

  it.each([
    ['not an object', [0, 4], /"w": header entry must be an object/],
    ['missing dtype', { shape: [1], data_offsets: [0, 4] }, /"w": missing field "dtype"/],
    ['missing shape', { dtype: 'F32', data_offsets: [0, 4] }, /"w": missing field "shape"/],
    ['missing data_offsets', { dtype: 'F32', shape: [1] }, /"w": missing field "data_offsets"/],
    ['extra field', { dtype: 'F32', shape: [1], data_offsets: [0, 4], order: 'C' }, /"w": unexpected field "order"/],
    ['dtype not a string', { dtype: 4, shape: [1], data_offsets: [0, 4] }, /"w": dtype must be a string/],
    ['unknown dtype', { dtype: 'F128', shape: [1], data_offsets: [0, 4] }, /"w": unknown dtype "F128"/],
    ['shape not an array', { dtype: 'F32', shape: 1, data_offsets: [0, 4] }, /"w": shape must be an array/],
    ['negative dim', { dtype: 'F32', shape: [-1], data_offsets: [0, 4] }, /"w": shape must be .*non-negative integers/],
    ['fractional dim', { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] }, /"w": shape/],
    ['string dim', { dtype: 'F32', shape: ['1'], data_offsets: [0, 4] }, /"w": shape/],
    ['unsafe dim', { dtype: 'F32', shape: [2 ** 53], data_offsets: [0, 4] }, /"w": shape/],
    ['offsets wrong length', { dtype: 'F32', shape: [1], data_offsets: [0, 4, 8] }, /"w": data_offsets must be \[begin, end\]/],
    ['offsets negative', { dtype: 'F32', shape: [1], data_offsets: [-4, 0] }, /"w": data_offsets must be/],
    ['offsets reversed', { dtype: 'F32', shape: [1], data_offsets: [4, 0] }, /"w": data_offsets must be .*begin <= end/],
    ['offsets not integers', { dtype: 'F32', shape: [1], data_offsets: [0, '4'] }, /"w": data_offsets must be/],
    ['byte length mismatch', { dtype: 'F32', shape: [2], data_offsets: [0, 4] }, /"w": data_offsets \[0, 4\] span 4 bytes but shape \[2\] of F32 needs 8/],
  ])('tensor entry: %s', (_, entry, msg) => {
    const e = catchErr(() => decodeSafetensors(build({ w: entry }, ok4)));
    expect(e.message).toMatch(msg);
    expect(e.tensor).toBe('w');
  });

  it('data_offsets past the end of the file', () => {
    const e = catchErr(() => decodeSafetensors(build({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, ok4)));
    expect(e.message).toMatch(/"w": data_offsets \[0, 8\] extend past the end of the file \(data buffer is 4 bytes\)/);
  });

  it('gap between tensors', () => {
    const h = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } };
    const file = build(h, new Array(12).fill(0));
    const e = catchErr(() => decodeSafetensors(file));
    expect(e.message).toMatch(/gap in data buffer: bytes \[4, 8\) before tensor "b"/);
    expect(e.offset).toBe(file.length - 8);
  });

  it('gap at the start of the data buffer', () => {
    const e = catchErr(() => decodeSafetensors(build({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Array(8).fill(0))));
    expect(e.message).toMatch(/gap .*\[0, 4\) before tensor "w"/);
  });

  it('overlapping tensors', () => {
    const h = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } };
    expect(catchErr(() => decodeSafetensors(build(h, new Array(8).fill(0)))).message).toMatch(/"b" at data offset 4 overlaps tensor "a"/);
    // A zero-size tensor placed inside another one is an overlap too.
    const z = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, z: { dtype: 'F32', shape: [0], data_offsets: [4, 4] } };
    expect(catchErr(() => decodeSafetensors(build(z, new Array(8).fill(0)))).message).toMatch(/"z" .*overlaps tensor "a"/);
  });

  it('unused tail of the data buffer', () => {
    const e = catchErr(() => decodeSafetensors(build(f32('w', 1), [...ok4, 0, 0])));
    expect(e.message).toMatch(/2 unused trailing bytes after data offset 4/);
    expect(catchErr(() => decodeSafetensors(build({}, [0]))).message).toMatch(/1 unused trailing bytes/);
  });

  it('zero-size tensors are valid, at the end too, sharing an offset with others', () => {
    const h = {
      z1: { dtype: 'F32', shape: [0, 3], data_offsets: [0, 0] },
      w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      z2: { dtype: 'BF16', shape: [0], data_offsets: [4, 4] },
      z3: { dtype: 'F16', shape: [5, 0], data_offsets: [4, 4] },
    };
    const out = decodeSafetensors(build(h, ok4));
    expect([...out.tensors.keys()].sort()).toEqual(['w', 'z1', 'z2', 'z3']);
    expect(out.tensors.get('z3')!.data.length).toBe(0);
    expect(out.tensors.get('w')!.data[0]).toBe(1);
  });
});

describe('prototype safety', () => {
  const header =
    `{"__metadata__":{"__proto__":"x","constructor":"y"},` +
    `"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},` +
    `"constructor":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`;
  const decoded = () => decodeSafetensors(build(header, [0, 0, 128, 63, 0, 0, 0, 64]));

  it('"__proto__" and "constructor" are ordinary tensor names', () => {
    const out = decoded();
    expect(out.tensors.get('__proto__')!.data[0]).toBe(1);
    expect(out.tensors.get('constructor')!.data[0]).toBe(2);
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('"__proto__" and "constructor" are ordinary metadata keys, in metadata without a prototype', () => {
    const out = decoded();
    expect(Object.getPrototypeOf(out.metadata)).toBeNull();
    expect(out.metadata['__proto__']).toBe('x');
    expect(out.metadata['constructor']).toBe('y');
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>).dtype).toBeUndefined();
  });

  it('writer round-trips a "__proto__" tensor', () => {
    const file = encodeSafetensors([['__proto__', { shape: [1], data: new Float32Array([5]) }]]);
    expect(decodeSafetensors(file).tensors.get('__proto__')!.data[0]).toBe(5);
    expect(Object.keys(Object.prototype)).toEqual([]);
  });
});

describe('writer validation', () => {
  const t = (n: number, shape = [n]): TensorF32 => ({ shape, data: new Float32Array(n) });

  it.each([
    ['length mismatch', [['w', t(3, [2, 2])]], /"w": data has 3 elements but shape \[2, 2\] needs 4/],
    ['empty name', [['', t(1)]], /non-empty/],
    ['reserved name', [['__metadata__', t(1)]], /"__metadata__" is reserved/],
    [
      'duplicate name',
      [
        ['w', t(1)],
        ['w', t(1)],
      ],
      /duplicate tensor name "w"/,
    ],
    ['bad shape', [['w', t(1, [-1])]], /"w": shape must be/],
    ['non-f32 data', [['w', { shape: [1], data: new Float64Array(1) }]], /"w": data must be a Float32Array/],
  ])('%s', (_, entries, msg) => {
    expect(catchErr(() => encodeSafetensors(entries as [string, TensorF32][])).message).toMatch(msg);
  });

  it('metadata values must be strings', () => {
    expect(catchErr(() => encodeSafetensors([], { epoch: 3 } as unknown as Record<string, string>)).message).toMatch(
      /metadata value for "epoch" must be a string/,
    );
  });
});

describe('input from Node', () => {
  it('decodes a Buffer from a shared pool (Buffer.slice is a view, not a copy)', async () => {
    const { Buffer } = await import('node:buffer');
    const bytes = encodeSafetensors([
      ['a', { shape: [2], data: new Float32Array([1, 2]) }],
      ['b', { shape: [1], data: new Float32Array([3]) }],
    ]);
    const pooled = Buffer.concat([Buffer.alloc(3), Buffer.from(bytes)]).subarray(3);
    const d = decodeSafetensors(pooled);
    expect(Array.from(d.tensors.get('a')!.data)).toEqual([1, 2]);
    expect(Array.from(d.tensors.get('b')!.data)).toEqual([3]);
  });
});
