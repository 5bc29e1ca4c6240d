import { Rng } from '../core/rng.ts';
import type { ModelConfig } from '../recurrent/config.ts';
import type { Batch } from '../data/batch.ts';

/**
 * A random time-major batch for a model, from a seed: inputs and targets for its loss, and, with
 * `ragged`, random lengths in 1..T (one sequence kept at T) whose padding holds junk that must never
 * be read (out-of-range ids, NaN).
 */
export function randomBatch(cfg: ModelConfig, T: number, B: number, seed: number, ragged = false): Batch {
  const rng = new Rng(seed);
  const rows = T * B;
  const O = cfg.output;
  const batch: Batch = { T, B };
  if (ragged) batch.lengths = Uint32Array.from({ length: B }, (_, b) => (b === 0 ? T : 1 + rng.int(T)));
  const pad = (r: number) => batch.lengths !== undefined && Math.floor(r / B) >= batch.lengths[r % B];
  if (cfg.loss === 'class') batch.targets = Uint32Array.from({ length: B }, () => rng.int(O));
  else if (cfg.loss === 'regress') batch.targetValues = Float32Array.from({ length: B * O }, () => rng.uniform() * 2 - 1);
  else if (cfg.loss === 'mse') batch.targetValues = Float32Array.from({ length: rows * O }, (_, k) => (pad(Math.floor(k / O)) ? NaN : rng.uniform() * 2 - 1));
  else batch.targets = Uint32Array.from({ length: rows }, (_, r) => (pad(r) ? 0xffffffff : rng.int(O)));
  if (cfg.input.kind === 'tokens') {
    const V = cfg.input.vocab;
    batch.tokens = Uint32Array.from({ length: rows }, (_, r) => (pad(r) ? 999_999 : rng.int(V)));
  } else {
    const F = cfg.input.features;
    batch.inputs = Float32Array.from({ length: rows * F }, (_, k) => (pad(Math.floor(k / F)) ? NaN : rng.uniform() * 2 - 1));
  }
  return batch;
}

/** randomBatch with the given lengths and junk (NaN, out-of-range ids) in the padding, which must never be read. */
export function raggedBatch(cfg: ModelConfig, T: number, lengths: number[], seed: number): Batch {
  const B = lengths.length;
  const batch = randomBatch(cfg, T, B, seed);
  batch.lengths = Uint32Array.from(lengths);
  const pad = (r: number) => Math.floor(r / B) >= lengths[r % B];
  for (let r = 0; r < T * B; r++) {
    if (!pad(r)) continue;
    if (batch.tokens) batch.tokens[r] = 999_999;
    if (batch.inputs && cfg.input.kind === 'real') batch.inputs.fill(NaN, r * cfg.input.features, (r + 1) * cfg.input.features);
    if (batch.targets && cfg.loss === 'ce') batch.targets[r] = 0xffffffff;
    if (batch.targetValues && cfg.loss === 'mse') batch.targetValues.fill(NaN, r * cfg.output, (r + 1) * cfg.output);
  }
  return batch;
}
