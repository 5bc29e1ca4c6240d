import { describe, it, expect } from 'vitest';
import { decodeWeights, encodeWeights, CONFIG_KEY } from './weights.ts';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors.ts';
import { parseModelConfig } from './config.ts';
import { initParams, paramLayout } from './params.ts';

const cfg = parseModelConfig({ hidden: 5, nonlinearity: 'relu', input: { kind: 'tokens', vocab: 7 } });

describe('model weights as safetensors', () => {
  it('uses PyTorch names and shapes for nn.RNN(batch_first=True) + nn.Linear', () => {
    const { tensors, metadata } = decodeSafetensors(encodeWeights(cfg, initParams(cfg, 1)));
    expect([...tensors].map(([n, t]) => [n, t.dtype, t.shape])).toEqual([
      ['rnn.weight_ih_l0', 'F32', [5, 7]],
      ['rnn.weight_hh_l0', 'F32', [5, 5]],
      ['rnn.bias_ih_l0', 'F32', [5]],
      ['rnn.bias_hh_l0', 'F32', [5]],
      ['head.weight', 'F32', [7, 5]],
      ['head.bias', 'F32', [7]],
    ]);
    expect(JSON.parse(metadata[CONFIG_KEY])).toEqual(cfg);
    expect(metadata.format).toBe('pt');
  });

  it('round-trips bit for bit, with or without the config given', () => {
    const params = initParams(cfg, 2);
    const bytes = encodeWeights(cfg, params);
    expect(decodeWeights(bytes, cfg).params).toEqual(params);
    const loaded = decodeWeights(bytes);
    expect(loaded.cfg).toEqual(cfg);
    expect(loaded.params).toEqual(params);
  });

  it('init is U(-1/sqrt(H), 1/sqrt(H)) for every tensor', () => {
    const big = parseModelConfig({ hidden: 16, input: { kind: 'tokens', vocab: 9 } });
    const p = initParams(big, 9);
    for (const s of paramLayout(big).specs) {
      const t = p.subarray(s.offset, s.offset + s.size);
      expect(Math.max(...t.map(Math.abs))).toBeLessThanOrEqual(0.25);
      expect(Math.max(...t.map(Math.abs))).toBeGreaterThan(0.15);
    }
  });

  it('init depends only on the seed: the same seed gives the same weights, another seed others', () => {
    const big = parseModelConfig({ hidden: 16, input: { kind: 'tokens', vocab: 9 } });
    expect(initParams(big, 9)).toEqual(initParams(big, 9));
    expect(initParams(big, 42)).toEqual(initParams(big, 42));
    expect(initParams(big, 42)).not.toEqual(initParams(big, 43));
  });

  const other = (patch: Record<string, unknown>) => parseModelConfig({ hidden: 5, nonlinearity: 'relu', input: { kind: 'tokens', vocab: 7 }, ...patch });

  it('refuses a file for another model, naming the tensor and both shapes', () => {
    const bytes = encodeWeights(other({ hidden: 6 }), initParams(other({ hidden: 6 }), 1));
    expect(() => decodeWeights(bytes, cfg)).toThrow(/rnn\.weight_ih_l0.*\[6,7\].*\[5,7\]/);
  });

  /** The model's tensors by name, as a file holds them. */
  const entries = () => {
    const params = initParams(cfg, 1);
    return paramLayout(cfg).specs.map(
      (s) => [s.name, { shape: s.shape, data: params.slice(s.offset, s.offset + s.size) }] as [string, { shape: number[]; data: Float32Array }],
    );
  };

  it('refuses a file with a tensor missing, naming it', () => {
    expect(() => decodeWeights(encodeSafetensors(entries().slice(1)), cfg)).toThrow(/missing tensor rnn\.weight_ih_l0/);
  });

  it('refuses a file with an unexpected tensor, naming it', () => {
    const all = entries();
    expect(() => decodeWeights(encodeSafetensors([...all, ['rnn.weight_ih_l1', all[0][1]]]), cfg)).toThrow(/unexpected tensor "rnn\.weight_ih_l1"/);
  });

  for (const bad of [NaN, Infinity, -Infinity])
    it(`refuses a weight of ${bad}, naming the tensor and element`, () => {
      const params = initParams(cfg, 1);
      params[paramLayout(cfg).byName.get('head.bias')!.offset + 3] = bad;
      expect(() => decodeWeights(encodeWeights(cfg, params), cfg)).toThrow(new RegExp(`head\\.bias.*${bad} at element 3`));
    });

  it('refuses a file without a config when none is given, naming the key it lacks', () => {
    const bytes = encodeSafetensors([['x', { shape: [1], data: new Float32Array(1) }]]);
    expect(() => decodeWeights(bytes)).toThrow(/rnnlab\.config/);
  });
});

/** A safetensors file holding the model's tensors in another dtype, written by hand. */
function encodeAs(dtype: 'F64' | 'F16' | 'BF16', tensors: [string, { shape: number[]; data: Float32Array }][]): Uint8Array {
  const size = dtype === 'F64' ? 8 : 2;
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + t.data.length * size] };
    offset += t.data.length * size;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  const f32 = new DataView(new ArrayBuffer(4));
  for (const [, t] of tensors)
    for (const x of t.data) {
      if (dtype === 'F64') view.setFloat64(at, x, true);
      else {
        f32.setFloat32(0, x, true);
        const bits = f32.getUint32(0, true);
        // BF16 is the top half of an f32; F16 here from values that are exact in half precision.
        view.setUint16(at, dtype === 'BF16' ? bits >>> 16 : toHalf(x), true);
      }
      at += size;
    }
  return out;
}

function toHalf(x: number): number {
  if (x === 0) return Object.is(x, -0) ? 0x8000 : 0;
  const sign = x < 0 ? 0x8000 : 0;
  const a = Math.abs(x);
  const e = Math.floor(Math.log2(a));
  return sign | ((e + 15) << 10) | Math.round((a / 2 ** e - 1) * 1024);
}

describe('weights in other dtypes', () => {
  const gru = parseModelConfig({ cell: 'gru', layers: 2, hidden: 4, input: { kind: 'tokens', vocab: 5 } });
  // Multiples of 1/64 in [-1, 1): exact in F16, BF16 and F32, so the conversion must be exact.
  const params = initParams(gru, 3).map((x) => Math.round(x * 64) / 64);
  const tensors = paramLayout(gru).specs.map(
    (s) => [s.name, { shape: s.shape, data: params.slice(s.offset, s.offset + s.size) }] as [string, { shape: number[]; data: Float32Array }],
  );
  for (const dtype of ['F64', 'F16', 'BF16'] as const)
    it(`an ${dtype} weight file converts exactly to the model's float32 weights on load`, () => {
      expect(decodeWeights(encodeAs(dtype, tensors), gru).params).toEqual(params);
    });
});
