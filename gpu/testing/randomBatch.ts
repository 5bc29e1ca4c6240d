import { Rng } from '../rng.ts';
import type { ModelConfig } from '../model/config.ts';
import type { Batch } from '../data/batch.ts';

/** A random time-major batch for a model, from a seed. */
export function randomBatch(cfg: ModelConfig, T: number, B: number, seed: number): Batch {
  const rng = new Rng(seed);
  const rows = T * B;
  const targets = new Uint32Array(rows).map(() => rng.int(cfg.output));
  if (cfg.input.kind === 'tokens') {
    const V = cfg.input.vocab;
    return { T, B, tokens: new Uint32Array(rows).map(() => rng.int(V)), targets };
  }
  const F = cfg.input.features;
  return { T, B, inputs: new Float32Array(rows * F).map(() => rng.uniform() * 2 - 1), targets };
}
