// Parameters of the recurrent stack + linear head, named and shaped as PyTorch's
// nn.RNN / nn.GRU / nn.LSTM (batch_first=True) and nn.Linear, laid out in one flat buffer in
// state_dict order (gpu/core/paramLayout.ts). Gate blocks stack along the rows: GRU [r, z, n],
// LSTM [i, f, g, o].

import { directions, GATES, inputSize, layerSuffix, outputWidth, type ModelConfig } from './config.ts';
import { Rng } from '../core/rng.ts';
import { layoutOf, type ParamLayout } from '../core/paramLayout.ts';

export function paramLayout(cfg: ModelConfig): ParamLayout {
  const H = cfg.hidden;
  const GH = GATES[cfg.cell] * H;
  const shapes: [string, number[]][] = [];
  const D = directions(cfg);
  for (let l = 0; l < cfg.layers; l++)
    for (let d = 0; d < D; d++) {
      const s = layerSuffix(l, d); // a bidirectional layer: _l0, then _l0_reverse (state_dict order)
      shapes.push(
        [`rnn.weight_ih${s}`, [GH, l === 0 ? inputSize(cfg) : D * H]],
        [`rnn.weight_hh${s}`, [GH, H]],
        [`rnn.bias_ih${s}`, [GH]],
        [`rnn.bias_hh${s}`, [GH]],
      );
    }
  shapes.push(['head.weight', [cfg.output, outputWidth(cfg)]], ['head.bias', [cfg.output]]);
  return layoutOf(shapes);
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
