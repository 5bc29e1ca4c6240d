// batch.json for `rnnlab grad`: batch-first, as a PyTorch user writes it (x[b][t]).
// {"cell":"rnn"|"gru"|"lstm", "nonlinearity":"tanh"|"relu" (rnn only), "layers":L, "hidden":H,
//  "input":{"kind":"tokens","vocab":V} | {"kind":"real","features":F}, "output":O (optional for tokens),
//  "loss":"ce"|"mse"|"class"|"regress", "x": tokens [B][T] | real [B][T][F],
//  "y": ce [B][T] ids | mse [B][T][O] | class [B] ids | regress [B][O] (on each final state), "lengths":[B] (optional), "h0"/"c0":[L][B][H] (optional; bidirectional: [2L][B][H], direction fastest as PyTorch's h_0)}
// With lengths, every x[b] still has T entries; entries past lengths[b] are padding and never read.

import { directions, MODEL_KEYS, parseModelConfig, type ModelConfig } from '../../gpu/recurrent/config.ts';
import { ConfigError, isObject, noUnknownKeys } from '../../gpu/core/validate.ts';
import type { Batch } from '../../gpu/data/batch.ts';
import type { InitialState } from '../../gpu/recurrent/model.ts';

/** Values in one array of a batch file (x, y, h0 or c0), padding included: 16M (64 MB as float32). */
export const MAX_BATCH_VALUES = 1 << 24;

/** The fields of a batch file: the model's and the batch's. */
export const BATCH_KEYS = [...MODEL_KEYS, 'x', 'y', 'lengths', 'h0', 'c0'] as const;

export function parseBatchFile(raw: unknown): { cfg: ModelConfig; batch: Batch; init: InitialState } {
  if (!isObject(raw)) throw new ConfigError('', 'the batch file must hold a JSON object');
  noUnknownKeys(raw, '', BATCH_KEYS);
  const cfg = parseModelConfig(raw);
  if (!Array.isArray(raw.x) || raw.x.length === 0) throw new ConfigError('x', 'must be a non-empty array of sequences [B][T]');
  const B = raw.x.length;
  if (!Array.isArray(raw.x[0]) || raw.x[0].length === 0) throw new ConfigError('x[0]', 'must be a non-empty array of steps');
  const T = raw.x[0].length;
  const lengths = parseLengths(raw.lengths, B, T);
  const real = (b: number, t: number) => t < lengths[b];
  const batch: Batch = { T, B, lengths };
  const F = cfg.input.kind === 'tokens' ? 1 : cfg.input.features;
  const x = grid(raw.x, 'x', B, T, cfg.input.kind === 'tokens' ? 0 : F, real, cfg.input.kind === 'tokens' ? idCheck(cfg.input.vocab) : finite);
  if (cfg.input.kind === 'tokens') batch.tokens = Uint32Array.from(x);
  else batch.inputs = Float32Array.from(x);
  const O = cfg.output;
  if (cfg.loss === 'class') {
    if (!Array.isArray(raw.y) || raw.y.length !== B) throw new ConfigError('y', `must hold one class id per sequence (${B}) for loss "class"`);
    raw.y.forEach((v, b) => idCheck(O)(v, `y[${b}]`));
    batch.targets = Uint32Array.from(raw.y as number[]);
  } else if (cfg.loss === 'regress') batch.targetValues = Float32Array.from(grid(raw.y, 'y', B, O, 0, () => true, finite, true));
  else if (cfg.loss === 'mse') batch.targetValues = Float32Array.from(grid(raw.y, 'y', B, T, O, real, finite));
  else batch.targets = Uint32Array.from(grid(raw.y, 'y', B, T, 0, real, idCheck(O)));
  const H = cfg.hidden;
  const init: InitialState = {};
  if (raw.h0 !== undefined) init.h0 = Float32Array.from(grid(raw.h0, 'h0', cfg.layers * directions(cfg), B, H, () => true, finite, true));
  if (raw.c0 !== undefined) {
    if (cfg.cell !== 'lstm') throw new ConfigError('c0', 'is for cell "lstm" only');
    init.c0 = Float32Array.from(grid(raw.c0, 'c0', cfg.layers * directions(cfg), B, H, () => true, finite, true));
  }
  return { cfg, batch, init };
}

type Check = (v: unknown, path: string) => void;

const finite: Check = (v, path) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(path, `must be a finite number, got ${JSON.stringify(v)}`);
};

const idCheck =
  (bound: number): Check =>
  (v, path) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= bound)
      throw new ConfigError(path, `must be an integer id in [0, ${bound}), got ${JSON.stringify(v)}`);
  };

function parseLengths(v: unknown, B: number, T: number): Uint32Array {
  if (v === undefined) return new Uint32Array(B).fill(T);
  if (!Array.isArray(v) || v.length !== B) throw new ConfigError('lengths', `must hold one length per sequence (${B})`);
  v.forEach((n, b) => {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > T)
      throw new ConfigError(`lengths[${b}]`, `must be an integer in [1, ${T}], got ${JSON.stringify(n)}`);
  });
  return Uint32Array.from(v as number[]);
}

/**
 * Reads a [D0][D1] (inner 0) or [D0][D1][inner] nested array, checks every entry where `real(i, j)`,
 * and returns it flattened in time-major order (j outer: row j*D0 + i), or in input order if `asIs`.
 * Entries where `real` is false are padding: any value, stored as 0.
 */
function grid(
  v: unknown,
  path: string,
  D0: number,
  D1: number,
  inner: number,
  real: (i: number, j: number) => boolean,
  check: Check,
  asIs = false,
): Float64Array {
  if (!Array.isArray(v) || v.length !== D0) throw new ConfigError(path, `must be an array of ${D0}`);
  const width = Math.max(inner, 1);
  // The rows first: then D0 × D1 entries are in the file. Padding entries need no inner arrays, so
  // the values to allocate are capped as well (a short file must not allocate gigabytes).
  v.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== D1)
      throw new ConfigError(`${path}[${i}]`, `must be an array of ${D1}${path === 'y' || path === 'x' ? ' steps (as many as x[0])' : ''}`);
  });
  if (D0 * D1 * width > MAX_BATCH_VALUES)
    throw new ConfigError(
      path,
      `holds ${D0} × ${D1}${inner ? ` × ${inner}` : ''} values, more than the ${MAX_BATCH_VALUES.toLocaleString('en-US')} a batch file may hold`,
    );
  const out = new Float64Array(D0 * D1 * width);
  v.forEach((row: unknown[], i) => {
    row.forEach((cell, j) => {
      if (!real(i, j)) return;
      const at = (asIs ? i * D1 + j : j * D0 + i) * width;
      if (inner === 0) {
        check(cell, `${path}[${i}][${j}]`);
        out[at] = cell as number;
        return;
      }
      if (!Array.isArray(cell) || cell.length !== inner) throw new ConfigError(`${path}[${i}][${j}]`, `must be an array of ${inner} numbers`);
      cell.forEach((x, k) => {
        check(x, `${path}[${i}][${j}][${k}]`);
        out[at + k] = x as number;
      });
    });
  });
  return out;
}
