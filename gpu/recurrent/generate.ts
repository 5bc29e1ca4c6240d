// Sampling text from a trained character model, one step at a time on the CPU from the weights
// (read back between training chunks), in float64 with the reference's cell functions, so the
// sampler computes exactly what the model is specified to compute. A few hundred characters cost
// well under a millisecond per character at the sizes the page trains, and keep the GPU queue free
// for training.

import { GATES, type ModelConfig } from './config.ts';
import { paramLayout } from './params.ts';
import { gruStepForward, lstmStepForward, rnnStepForward } from './referenceCells.ts';
import { Rng } from '../core/rng.ts';

/**
 * A token-input model run one token at a time (batch of one): `feed(token)` advances every layer
 * and returns the head's logits for the next token. The returned array is reused by the next call.
 */
export function charModelStepper(cfg: ModelConfig, params: Float32Array): (token: number) => Float64Array {
  if (cfg.input.kind !== 'tokens') throw new Error('sampling needs a token-input model');
  const layout = paramLayout(cfg);
  const p = (n: string) => {
    const s = layout.byName.get(n)!;
    return params.subarray(s.offset, s.offset + s.size);
  };
  const { hidden: H, output: O, cell } = cfg;
  const V = cfg.input.vocab;
  const GH = GATES[cell] * H;
  const relu = cfg.nonlinearity === 'relu';
  const layers = Array.from({ length: cfg.layers }, (_, l) => ({
    wih: p(`rnn.weight_ih_l${l}`),
    whh: p(`rnn.weight_hh_l${l}`),
    bih: p(`rnn.bias_ih_l${l}`),
    bhh: p(`rnn.bias_hh_l${l}`),
    h: new Float64Array(H),
    c: new Float64Array(H),
    hNext: new Float64Array(H),
    cNext: new Float64Array(H),
  }));
  const [wo, bo] = [p('head.weight'), p('head.bias')];
  const gi = new Float64Array(GH);
  const gh = new Float64Array(GH);
  const logits = new Float64Array(O);

  return (token) => {
    let below: Float64Array | null = null; // the layer's input: the token (layer 0) or h of the layer below
    for (const L of layers) {
      for (let k = 0; k < GH; k++) {
        let a = L.bih[k];
        if (below) for (let j = 0; j < H; j++) a += L.wih[k * H + j] * below[j];
        else a += L.wih[k * V + token]; // one-hot input: a column of W_ih
        gi[k] = a;
        let b = L.bhh[k];
        for (let j = 0; j < H; j++) b += L.whh[k * H + j] * L.h[j];
        gh[k] = b;
      }
      if (cell === 'rnn') rnnStepForward(gi, gh, H, relu, L.hNext);
      else if (cell === 'gru') gruStepForward(gi, gh, L.h, H, L.hNext);
      else lstmStepForward(gi, gh, L.c, H, L.hNext, L.cNext);
      [L.h, L.hNext] = [L.hNext, L.h];
      [L.c, L.cNext] = [L.cNext, L.c];
      below = L.h;
    }
    for (let o = 0; o < O; o++) {
      let s = bo[o];
      for (let i = 0; i < H; i++) s += wo[o * H + i] * below![i];
      logits[o] = s;
    }
    return logits;
  };
}

/**
 * `length` tokens sampled after feeding `prompt` (token 0 when the prompt is empty), at
 * `temperature`, from a seeded Rng: the same weights, prompt and seed give the same text.
 */
export function sampleChars(cfg: ModelConfig, params: Float32Array, prompt: Uint32Array, length: number, temperature: number, seed: number): Uint32Array {
  const feed = charModelStepper(cfg, params);
  const rng = new Rng(seed);
  const O = cfg.output;
  const probs = new Float64Array(O);
  const out = new Uint32Array(length);
  let logits: Float64Array | null = null;
  for (const token of prompt.length ? prompt : [0]) logits = feed(token);
  for (let n = 0; n < length; n++) {
    let max = -Infinity;
    for (let o = 0; o < O; o++) max = Math.max(max, (probs[o] = logits![o] / Math.max(temperature, 1e-3)));
    let sum = 0;
    for (let o = 0; o < O; o++) sum += probs[o] = Math.exp(probs[o] - max);
    let u = rng.uniform() * sum;
    let token = O - 1;
    for (let o = 0; o < O; o++)
      if ((u -= probs[o]) < 0) {
        token = o;
        break;
      }
    out[n] = token;
    if (n + 1 < length) logits = feed(token);
  }
  return out;
}
