import { describe, it, expect } from 'vitest';
import { optimizerPath } from './state.ts';
import { decodeOptimizerState, encodeOptimizerState } from '../recurrent/weights.ts';
import { decodeWeights, encodeWeights } from '../recurrent/weights.ts';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors.ts';
import { parseModelConfig } from '../recurrent/config.ts';
import { initParams, paramLayout } from '../recurrent/params.ts';
import { optimizer } from '../optimizer/config.ts';

const cfg = parseModelConfig({ cell: 'gru', layers: 2, hidden: 4, input: { kind: 'tokens', vocab: 5 } });
const n = paramLayout(cfg).total;
const snapshot = (kind: 'sgd' | 'adam') => ({
  step: 17,
  skippedTotal: 2,
  m: initParams(cfg, 1),
  v: kind === 'sgd' ? new Float32Array(0) : initParams(cfg, 2).map(Math.abs),
});

describe('optimizer state files', () => {
  it('names tensors as torch.optim state and round-trips bit for bit', () => {
    for (const kind of ['sgd', 'adam'] as const) {
      const o = optimizer({ kind });
      const bytes = encodeOptimizerState(cfg, o, snapshot(kind));
      const names = [...decodeSafetensors(bytes).tensors.keys()];
      expect(names).toContain(kind === 'sgd' ? 'momentum_buffer.rnn.weight_hh_l1' : 'exp_avg_sq.head.bias');
      const back = decodeOptimizerState(bytes, cfg, o);
      expect(back.step).toBe(17);
      expect(back.skippedTotal).toBe(2);
      expect(back.m).toEqual(snapshot(kind).m);
      expect(back.v).toEqual(snapshot(kind).v);
      expect(back.m.length).toBe(n);
    }
  });

  it('refuses state saved for another optimizer or model', () => {
    const bytes = encodeOptimizerState(cfg, optimizer({ kind: 'adam' }), snapshot('adam'));
    expect(() => decodeOptimizerState(bytes, cfg, optimizer({ kind: 'sgd' }))).toThrow(/for "adam", this run uses "sgd"/);
    const bigger = parseModelConfig({ cell: 'gru', layers: 2, hidden: 5, input: { kind: 'tokens', vocab: 5 } });
    expect(() => decodeOptimizerState(bytes, bigger, optimizer({ kind: 'adam' }))).toThrow(
      /exp_avg\.rnn\.weight_ih_l0" has shape \[12,5\], the model needs \[15,5\]/,
    );
  });

  it('lives beside the weights file', () => {
    expect(optimizerPath('runs/model.safetensors')).toBe('runs/model.optim.safetensors');
    expect(optimizerPath('model')).toBe('model.optim.safetensors');
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
  it('F64, F16 and BF16 weight files convert to the model on load', () => {
    const layout = paramLayout(cfg);
    // Multiples of 1/64 in [-1, 1): exact in F16, BF16 and F32, so the conversion must be exact.
    const params = initParams(cfg, 3).map((x) => Math.round(x * 64) / 64);
    const tensors = layout.specs.map(
      (s) => [s.name, { shape: s.shape, data: params.slice(s.offset, s.offset + s.size) }] as [string, { shape: number[]; data: Float32Array }],
    );
    for (const dtype of ['F64', 'F16', 'BF16'] as const) expect(decodeWeights(encodeAs(dtype, tensors), cfg).params, dtype).toEqual(params);
    expect(decodeWeights(encodeWeights(cfg, params), cfg).params).toEqual(params);
    expect(() => decodeWeights(encodeSafetensors(tensors.slice(0, 2)), cfg)).toThrow(/missing tensor/);
  });
});
