// Fuzzing the weight-file readers: safetensors, model weights and optimizer checkpoints (files a
// user opens in the page or passes to the CLI). Valid files, written by this project's writers or by
// a raw writer for every dtype, are mutated at the byte level (bit flips, truncations, splices,
// huge header lengths) and at the header's JSON level (prototype keys, huge shapes and offsets,
// configs far over the model limits). See gpu/testing/fuzz.ts for the contract.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { checkParse, fuzzParams, fuzzTimeout, mutatedBytes, mutatedJson, type ParserContract } from '../testing/fuzz.ts';
import { decodeSafetensors, DTYPE_BYTES, encodeSafetensors, SafetensorsError, type Decoded, type SafetensorsDtype, type TensorF32 } from './safetensors.ts';
import { CONFIG_KEY, decodeWeights, encodeWeights, type LoadedWeights } from '../recurrent/weights.ts';
import { decodeOptimizerState, encodeOptimizerState } from '../recurrent/weights.ts';
import { parseModelConfig, type ModelConfig } from '../recurrent/config.ts';
import { paramLayout } from '../recurrent/params.ts';
import { optimizer, type OptimizerConfig } from '../optimizer/config.ts';
import type { OptimizerSnapshot } from '../optimizer/state.ts';

const tensorName = fc.oneof(
  fc.constantFrom('rnn.weight_ih_l0', 'head.bias', '__proto__', 'constructor', 'prototype', 'toString', '10', '0', ' ', 'é', '\\', '"'),
  fc.string({ minLength: 1, maxLength: 12 }),
);
const metadata = fc.dictionary(
  fc.oneof(fc.constantFrom('__proto__', 'constructor', 'format', CONFIG_KEY), fc.string({ maxLength: 8 })),
  fc.string({ maxLength: 16 }),
  { maxKeys: 4 },
);
const shape = fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 });

/** A float32 tensor whose values include NaN payloads, infinities, subnormals and -0. */
const tensorF32: fc.Arbitrary<TensorF32> = shape.chain((s) => {
  const n = s.reduce((a, b) => a * b, 1);
  return fc
    .array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: n, maxLength: n })
    .map((bits) => ({ shape: s, data: new Float32Array(Uint32Array.from(bits).buffer) }));
});

const f32Files = fc
  .tuple(fc.uniqueArray(fc.tuple(tensorName, tensorF32), { maxLength: 5, selector: ([n]) => n }), fc.option(metadata, { nil: undefined }))
  .filter(([ts]) => ts.every(([n]) => n !== '__metadata__'))
  .map(([tensors, meta]) => ({ tensors, meta, bytes: encodeSafetensors(tensors, meta) }));

/** Files with any dtype, written by hand: header entries in random order, raw data bytes. */
const rawFiles: fc.Arbitrary<Uint8Array> = fc
  .uniqueArray(fc.tuple(tensorName, fc.constantFrom(...Object.keys(DTYPE_BYTES)), shape), { maxLength: 4, selector: ([n]) => n })
  .chain((entries) => {
    const sizes = entries.map(([, dtype, s]) => s.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype as SafetensorsDtype]);
    const total = sizes.reduce((a, b) => a + b, 0);
    return fc.tuple(fc.constant(entries), fc.uint8Array({ minLength: total, maxLength: total }), fc.option(metadata, { nil: undefined }));
  })
  .map(([entries, data, meta]) => {
    const parts: string[] = meta ? [`"__metadata__":${JSON.stringify(meta)}`] : [];
    let offset = 0;
    for (const [name, dtype, s] of entries) {
      const end = offset + s.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype as SafetensorsDtype];
      parts.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype, shape: s, data_offsets: [offset, end] })}`);
      offset = end;
    }
    const header = new TextEncoder().encode(`{${parts.join(',')}}`);
    const out = new Uint8Array(8 + header.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
    out.set(header, 8);
    out.set(data, 8 + header.length);
    return out;
  });

/** A header rewritten as mutated JSON (prototype keys, huge offsets and shapes, wrong types), the data kept. */
function withMutatedHeader(file: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return file.chain((bytes) => {
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as unknown;
    return mutatedJson(fc.constant(header)).map((text) => {
      const h = new TextEncoder().encode(text);
      const out = new Uint8Array(8 + h.length + bytes.length - 8 - n);
      new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
      out.set(h, 8);
      out.set(bytes.subarray(8 + n), 8 + h.length);
      return out;
    });
  });
}

const anyFile = fc.oneof(mutatedBytes(f32Files.map((f) => f.bytes)), mutatedBytes(rawFiles), withMutatedHeader(rawFiles), fc.uint8Array({ maxLength: 64 }));

/** Floats out ≤ 2 per 4 input bytes (F16/BF16 double in size), plus the header's worth of bookkeeping. */
const budget = (input: Uint8Array) => 2 * input.length + 64 * 1024;

/** Every file reader's contract: a SafetensorsError or an output `checkOutput` accepts, within the budget. */
const reader = <O>(name: string, parse: (b: Uint8Array) => O, checkOutput?: (out: O, input: Uint8Array) => void): ParserContract<Uint8Array, O> => ({
  name,
  parse,
  throws: [SafetensorsError],
  maxAllocated: budget,
  checkOutput,
});

const safetensors = reader<Decoded>('decodeSafetensors', decodeSafetensors, (out, input) => {
  expect(Object.getPrototypeOf(out.metadata)).toBeNull();
  let bytes = 0;
  for (const t of out.tensors.values()) {
    expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
    bytes += t.data.byteLength;
  }
  expect(bytes).toBeLessThanOrEqual(2 * input.length);
});

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('fuzz: safetensors', () => {
  it(
    'any mutated file: a SafetensorsError or a well-formed result, within time and memory',
    () => {
      fc.assert(
        fc.property(anyFile, (b) => void checkParse(safetensors, b)),
        fuzzParams(),
      );
    },
    fuzzTimeout(2),
  );

  it(
    'round trip: what encodeSafetensors writes decodes to the same names, shapes, bits and metadata',
    () => {
      fc.assert(
        fc.property(f32Files, ({ tensors, meta, bytes }) => {
          const out = checkParse(safetensors, bytes)!;
          expect([...out.tensors.keys()]).toEqual(tensors.map(([n]) => n));
          for (const [name, t] of tensors) {
            expect(out.tensors.get(name)!.shape).toEqual(t.shape);
            expect(bits(out.tensors.get(name)!.data)).toEqual(bits(t.data));
          }
          expect({ ...out.metadata }).toEqual({ ...(meta ?? {}) });
        }),
        fuzzParams(0.5),
      );
    },
    fuzzTimeout(2, 0.5),
  );
});

// ---------------------------------------------------------------- weights and optimizer state

const modelConfig: fc.Arbitrary<ModelConfig> = fc
  .record({
    cell: fc.constantFrom('rnn', 'gru', 'lstm'),
    relu: fc.boolean(),
    layers: fc.integer({ min: 1, max: 2 }),
    hidden: fc.integer({ min: 1, max: 6 }),
    tokens: fc.boolean(),
    size: fc.integer({ min: 1, max: 6 }),
    output: fc.integer({ min: 1, max: 5 }),
    loss: fc.constantFrom('ce', 'mse', 'class', 'regress'),
  })
  .map((r) =>
    parseModelConfig({
      cell: r.cell,
      nonlinearity: r.cell === 'rnn' && r.relu ? 'relu' : 'tanh',
      layers: r.layers,
      hidden: r.hidden,
      input: r.tokens ? { kind: 'tokens', vocab: r.size } : { kind: 'real', features: r.size },
      output: r.output,
      loss: r.loss,
    }),
  );

/** Zero where the flat layout pads between tensors (what a reader gives back there). */
function zeroPadding(cfg: ModelConfig, flat: Float32Array): Float32Array {
  const out = new Float32Array(flat.length);
  for (const s of paramLayout(cfg).specs) out.set(flat.subarray(s.offset, s.offset + s.size), s.offset);
  return out;
}

const weightFiles = modelConfig.chain((cfg) =>
  fc
    .float32Array({ minLength: paramLayout(cfg).total, maxLength: paramLayout(cfg).total, noNaN: true, noDefaultInfinity: true })
    .map((params) => ({ cfg, params: zeroPadding(cfg, params), bytes: encodeWeights(cfg, params) })),
);

/** Weight files whose stored config is mutated JSON: huge hidden/vocab, wrong types, prototype keys. */
const configMutated: fc.Arbitrary<Uint8Array> = weightFiles.chain(({ cfg, params }) =>
  mutatedJson(fc.constant(cfg)).map((text) => {
    const layout = paramLayout(cfg);
    const tensors: [string, TensorF32][] = layout.specs.map((s) => [s.name, { shape: s.shape, data: params.slice(s.offset, s.offset + s.size) }]);
    return encodeSafetensors(tensors, { [CONFIG_KEY]: text });
  }),
);

const weights = reader<LoadedWeights>(
  'decodeWeights',
  (b) => decodeWeights(b),
  (out, input) => {
    expect(out.params.length * 4).toBeLessThanOrEqual(input.length + 64 * 4 * 40);
    expect(out.params.every(Number.isFinite)).toBe(true);
  },
);

describe('fuzz: model weights', () => {
  it(
    'mutated weight files and stored configs: a SafetensorsError or weights that fit their config',
    () => {
      fc.assert(
        fc.property(fc.oneof(mutatedBytes(weightFiles.map((w) => w.bytes)), configMutated), (b) => void checkParse(weights, b)),
        fuzzParams(),
      );
    },
    fuzzTimeout(3),
  );

  it('a small config file cannot make the reader allocate a huge model (4096 hidden, 65536 vocab, 8 layers)', () => {
    const big = { cell: 'lstm', nonlinearity: 'tanh', layers: 8, hidden: 4096, input: { kind: 'tokens', vocab: 65536 }, output: 65536, loss: 'ce' };
    const file = encodeSafetensors([['head.bias', { shape: [1], data: new Float32Array(1) }]], { [CONFIG_KEY]: JSON.stringify(big) });
    expect(checkParse(weights, file)).toBeUndefined();
    // The expected config given by the caller (the CLI's batch file) is held to the same bound.
    const given = parseModelConfig(big);
    expect(checkParse({ ...weights, name: 'decodeWeights(expected)', parse: (b) => decodeWeights(b, given) }, file)).toBeUndefined();
  });

  it(
    'round trip: encodeWeights → decodeWeights gives the same config and parameters',
    () => {
      fc.assert(
        fc.property(weightFiles, ({ cfg, params, bytes }) => {
          const out = checkParse(weights, bytes)!;
          expect(out.cfg).toEqual(cfg);
          expect(bits(out.params)).toEqual(bits(params));
        }),
        fuzzParams(0.5),
      );
    },
    fuzzTimeout(3, 0.5),
  );
});

const optimizerKind = fc.constantFrom<OptimizerConfig['kind']>('sgd', 'adam', 'adamw');

const optimizerFiles = fc.tuple(modelConfig, optimizerKind, fc.nat({ max: 1e6 })).map(([cfg, kind, step]) => {
  const n = paramLayout(cfg).total;
  const o = optimizer({ kind });
  const m = zeroPadding(
    cfg,
    new Float32Array(n).map((_, i) => Math.sin(i)),
  );
  const v =
    kind === 'sgd'
      ? new Float32Array(0)
      : zeroPadding(
          cfg,
          new Float32Array(n).map((_, i) => i / 7),
        );
  const s: OptimizerSnapshot = { step, skippedTotal: 0, m, v };
  return { cfg, o, s, bytes: encodeOptimizerState(cfg, o, s) };
});

describe('fuzz: optimizer checkpoints', () => {
  it(
    'mutated checkpoints: a SafetensorsError or a state of the model’s size',
    () => {
      fc.assert(
        fc.property(
          optimizerFiles.chain((f) => mutatedBytes(fc.constant(f.bytes)).map((bytes) => ({ ...f, bytes }))),
          ({ cfg, o, bytes }) => {
            const out = checkParse(
              reader('decodeOptimizerState', (b) => decodeOptimizerState(b, cfg, o)),
              bytes,
            );
            if (out) {
              expect(out.m.length).toBe(paramLayout(cfg).total);
              expect(Number.isInteger(out.step) && out.step >= 0).toBe(true);
            }
          },
        ),
        fuzzParams(),
      );
    },
    fuzzTimeout(3),
  );

  it(
    'round trip: encodeOptimizerState → decodeOptimizerState',
    () => {
      fc.assert(
        fc.property(optimizerFiles, ({ cfg, o, s, bytes }) => {
          const out = decodeOptimizerState(bytes, cfg, o);
          expect(out.step).toBe(s.step);
          expect(bits(out.m)).toEqual(bits(s.m));
          expect(bits(out.v)).toEqual(bits(s.v));
        }),
        fuzzParams(0.25),
      );
    },
    fuzzTimeout(3, 0.25),
  );
});
