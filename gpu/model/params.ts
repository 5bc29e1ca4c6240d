// Parameters of the recurrent stack + linear head, named and shaped as PyTorch's
// nn.RNN / nn.GRU / nn.LSTM (batch_first=True) and nn.Linear, laid out in one flat buffer in
// state_dict order. Gate blocks stack along the rows: GRU [r, z, n], LSTM [i, f, g, o].
// Each tensor starts at a multiple of 64 floats (256 bytes), WebGPU's storage offset alignment,
// so any tensor can be bound on its own and read as vec4.

import { GATES, inputSize, type ModelConfig } from './config.ts';
import { Rng } from '../rng.ts';

export interface ParamSpec {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

export interface ParamLayout {
  specs: ParamSpec[];
  byName: Map<string, ParamSpec>;
  /** Total floats in the flat buffer, padding included. */
  total: number;
}

const ALIGN = 64;

export function paramLayout(cfg: ModelConfig): ParamLayout {
  const H = cfg.hidden;
  const GH = GATES[cfg.cell] * H;
  const shapes: [string, number[]][] = [];
  for (let l = 0; l < cfg.layers; l++)
    shapes.push(
      [`rnn.weight_ih_l${l}`, [GH, l === 0 ? inputSize(cfg) : H]],
      [`rnn.weight_hh_l${l}`, [GH, H]],
      [`rnn.bias_ih_l${l}`, [GH]],
      [`rnn.bias_hh_l${l}`, [GH]],
    );
  shapes.push(['head.weight', [cfg.output, H]], ['head.bias', [cfg.output]]);
  return layoutOf(shapes);
}

/** Tensors one after the other in a flat buffer, each starting on an ALIGN-float boundary. */
export function layoutOf(shapes: readonly [string, number[]][]): ParamLayout {
  const specs: ParamSpec[] = [];
  let offset = 0;
  for (const [name, shape] of shapes) {
    const size = shape.reduce((a, b) => a * b, 1);
    specs.push({ name, shape, offset, size });
    offset += Math.ceil(size / ALIGN) * ALIGN;
  }
  return { specs, byName: new Map(specs.map((s) => [s.name, s])), total: offset };
}

/** PyTorch's init for nn.RNN/GRU/LSTM: every parameter ~ U(-1/sqrt(H), 1/sqrt(H)), drawn in layout order. */
export function initParams(cfg: ModelConfig, seed: number): Float32Array {
  const layout = paramLayout(cfg);
  const flat = new Float32Array(layout.total);
  const bound = 1 / Math.sqrt(cfg.hidden);
  const rng = new Rng(seed);
  for (const s of layout.specs) {
    for (let i = 0; i < s.size; i++) flat[s.offset + i] = -bound + 2 * bound * rng.uniform();
  }
  return flat;
}

/** A view of one named tensor inside a flat buffer. */
export function tensorView<A extends Float32Array | Float64Array>(flat: A, spec: ParamSpec): A {
  return flat.subarray(spec.offset, spec.offset + spec.size) as A;
}
