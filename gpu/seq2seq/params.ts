// Parameters of the encoder–decoder, named and shaped as the state_dict of the PyTorch module
// scripts/seq2seq_parity.py defines (class Seq2Seq), in its order, in one flat buffer
// (gpu/core/paramLayout.ts):
//   encoder.*          nn.<Cell>(V, H, num_layers=L, bidirectional=…)   weight_ih_l0 [G·H, V], …, _reverse
//   decoder.*          nn.<Cell>(V, W, num_layers=L)                    W = D·H
//   attention.weight   [W, W]                   'general' (nn.Linear(W, W, bias=False))
//   attention.query.weight [A, W], attention.key.weight [A, W], attention.v.weight [1, A]   'additive'
//   combine.weight [W, 2W], combine.bias [W]    any attention but 'none'
//   out.weight [V, W], out.bias [V]
// The encoder and decoder tensors are those of a recurrent stack's layout (gpu/recurrent/params.ts)
// with `rnn.` renamed, so the stacks' float64 reference can run on copies (stackParams).

import { decoderConfig, encoderConfig, modelWidth, type Seq2SeqConfig } from './config.ts';
import { paramLayout as stackLayout } from '../recurrent/params.ts';
import { layoutOf, type ParamLayout } from '../core/paramLayout.ts';
import { Rng } from '../core/rng.ts';

/** The stack tensors of a recurrent layout, renamed `rnn.x` → `${prefix}.x` (the head left out). */
const renamed = (layout: ParamLayout, prefix: string): [string, number[]][] =>
  layout.specs.filter((s) => s.name.startsWith('rnn.')).map((s) => [`${prefix}.${s.name.slice('rnn.'.length)}`, s.shape]);

export function paramLayout(cfg: Seq2SeqConfig): ParamLayout {
  const [W, V] = [modelWidth(cfg), cfg.vocab];
  const shapes = [...renamed(stackLayout(encoderConfig(cfg)), 'encoder'), ...renamed(stackLayout(decoderConfig(cfg)), 'decoder')];
  if (cfg.attention === 'general') shapes.push(['attention.weight', [W, W]]);
  if (cfg.attention === 'additive') {
    const A = cfg.attentionSize!;
    shapes.push(['attention.query.weight', [A, W]], ['attention.key.weight', [A, W]], ['attention.v.weight', [1, A]]);
  }
  if (cfg.attention !== 'none') shapes.push(['combine.weight', [W, 2 * W]], ['combine.bias', [W]]);
  shapes.push(['out.weight', [V, W]], ['out.bias', [V]]);
  return layoutOf(shapes);
}

/** As gpu/recurrent/params.ts initParams: every parameter ~ U(-1/sqrt(H), 1/sqrt(H)), drawn in layout order. */
export function initParams(cfg: Seq2SeqConfig, seed: number): Float32Array {
  const layout = paramLayout(cfg);
  const flat = new Float32Array(layout.total);
  const bound = 1 / Math.sqrt(cfg.hidden);
  const rng = new Rng(seed);
  for (const s of layout.specs) for (let i = 0; i < s.size; i++) flat[s.offset + i] = -bound + 2 * bound * rng.uniform();
  return flat;
}

/** `prefix.*` of a seq2seq flat buffer copied into a flat buffer of the stack's layout (its `rnn.*`; head 0). */
export function stackParams(layout: ParamLayout, flat: Float64Array, stack: ParamLayout, prefix: string): Float64Array {
  const out = new Float64Array(stack.total);
  for (const s of stack.specs.filter((s) => s.name.startsWith('rnn.'))) {
    const from = layout.byName.get(`${prefix}.${s.name.slice('rnn.'.length)}`)!;
    out.set(flat.subarray(from.offset, from.offset + from.size), s.offset);
  }
  return out;
}

/** The reverse of stackParams: adds a stack's `rnn.*` gradients into `prefix.*` of a seq2seq flat buffer. */
export function addStackGrads(layout: ParamLayout, grads: Float64Array, stack: ParamLayout, stackGrads: Float64Array, prefix: string): void {
  for (const s of stack.specs.filter((s) => s.name.startsWith('rnn.'))) {
    const to = layout.byName.get(`${prefix}.${s.name.slice('rnn.'.length)}`)!;
    for (let i = 0; i < s.size; i++) grads[to.offset + i] += stackGrads[s.offset + i];
  }
}
