// batch.json for `rnnlab grad`: batch-first, as a PyTorch user writes it.
// {"cell":"rnn","nonlinearity":"tanh"|"relu","layers":1,"hidden":H,"input":{"kind":"tokens","vocab":V},
//  "loss":"ce","x":[[id,…],…],"y":[[id,…],…]}

import { ConfigError, isObject, MODEL_KEYS, noUnknownKeys, parseModelConfig, type ModelConfig } from '../model/config.ts';
import { tokensFromBatchFirst, type Batch } from '../data/batch.ts';

export function parseBatchFile(raw: unknown): { cfg: ModelConfig; batch: Batch } {
  if (!isObject(raw)) throw new ConfigError('', 'the batch file must hold a JSON object');
  noUnknownKeys(raw, '', [...MODEL_KEYS, 'x', 'y']);
  const cfg = parseModelConfig(raw);
  if (cfg.input.kind !== 'tokens') throw new ConfigError('input.kind', 'grad takes token inputs in this version');
  const x = intMatrix(raw.x, 'x', cfg.input.vocab);
  const B = x.length;
  const T = x[0].length;
  const y = intMatrix(raw.y, 'y', cfg.output, T);
  if (y.length !== B) throw new ConfigError('y', `has ${y.length} sequences, x has ${B}`);
  return { cfg, batch: { T, B, tokens: tokensFromBatchFirst(x, T, B), targets: tokensFromBatchFirst(y, T, B) } };
}

/** A [B][T] array of ids in [0, bound); every row as long as `T` (x's length) or as the first row. */
function intMatrix(v: unknown, path: string, bound: number, T?: number): number[][] {
  if (!Array.isArray(v) || v.length === 0) throw new ConfigError(path, 'must be a non-empty array of sequences [B][T]');
  const against = T === undefined ? `${path}[0]` : 'x';
  v.forEach((row, b) => {
    if (!Array.isArray(row) || row.length === 0) throw new ConfigError(`${path}[${b}]`, 'must be a non-empty array of token ids');
    T ??= row.length;
    if (row.length !== T) throw new ConfigError(`${path}[${b}]`, `has ${row.length} steps, ${against} has ${T} (all sequences need the same length)`);
    row.forEach((id, t) => {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= bound)
        throw new ConfigError(`${path}[${b}][${t}]`, `must be an integer id in [0, ${bound}), got ${JSON.stringify(id)}`);
    });
  });
  return v as number[][];
}
