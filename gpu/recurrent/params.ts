// Parameters of the recurrent stack + linear head, named and shaped as PyTorch's
// nn.RNN / nn.GRU / nn.LSTM (batch_first=True) and nn.Linear, laid out in one flat buffer in
// state_dict order (gpu/core/paramLayout.ts). Gate blocks stack along the rows: GRU [r, z, n],
// LSTM [i, f, g, o].

import { GATES, inputSize, type ModelConfig } from './config.ts';
import { Rng } from '../core/rng.ts';
import { layoutOf, type ParamLayout } from '../core/paramLayout.ts';

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
