// Sampling text from a trained character model, one step at a time on the CPU from the weights
// (read back between training chunks). A few hundred characters cost well under a millisecond
// per character at the sizes the page trains, and keep the GPU queue free for training.

import type { ModelConfig } from './model/config.ts';
import { paramLayout } from './model/params.ts';
import { Rng } from './rng.ts';

export function sampleChars(
  cfg: ModelConfig,
  params: Float32Array,
  prompt: Uint32Array,
  length: number,
  temperature: number,
  seed: number,
): Uint32Array {
  if (cfg.input.kind !== 'tokens') throw new Error('sampling needs a token-input model');
  if (cfg.cell !== 'rnn' || cfg.layers !== 1) throw new Error('sampling supports one-layer Elman models in this version');
  const layout = paramLayout(cfg);
  const p = (n: string) => {
    const s = layout.byName.get(n)!;
    return params.subarray(s.offset, s.offset + s.size);
  };
  const [wih, whh, bih, bhh, wo, bo] = ['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0', 'head.weight', 'head.bias'].map(p);
  const H = cfg.hidden;
  const V = cfg.input.vocab;
  const O = cfg.output;
  const relu = cfg.nonlinearity === 'relu';
  const rng = new Rng(seed);
  let h = new Float64Array(H);
  const next = new Float64Array(H);
  const logits = new Float64Array(O);
  const out = new Uint32Array(length);
  let token = prompt.length ? prompt[0] : 0;
  for (let step = 0; step < prompt.length + length - 1; step++) {
    for (let i = 0; i < H; i++) {
      let s = wih[i * V + token] + bih[i] + bhh[i];
      for (let j = 0; j < H; j++) s += whh[i * H + j] * h[j];
      next[i] = relu ? Math.max(0, s) : Math.tanh(s);
    }
    h = Float64Array.from(next);
    if (step + 1 < prompt.length) {
      token = prompt[step + 1];
      continue;
    }
    let max = -Infinity;
    for (let o = 0; o < O; o++) {
      let s = bo[o];
      for (let i = 0; i < H; i++) s += wo[o * H + i] * h[i];
      logits[o] = s / Math.max(temperature, 1e-3);
      max = Math.max(max, logits[o]);
    }
    let sum = 0;
    for (let o = 0; o < O; o++) sum += (logits[o] = Math.exp(logits[o] - max));
    let u = rng.uniform() * sum;
    token = O - 1;
    for (let o = 0; o < O; o++) if ((u -= logits[o]) < 0) { token = o; break; }
    out[step + 1 - prompt.length] = token;
  }
  return out;
}
