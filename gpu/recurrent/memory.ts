// What a recurrent model needs in memory, checked against the device's buffer limits before
// anything is allocated: a config over a limit is refused with the limit's name and the largest
// hidden, batchSize or tbptt that fits, instead of failing asynchronously on the GPU.

import { ConfigError } from '../core/validate.ts';
import { GATES, perSequenceLoss, type ModelConfig } from './config.ts';
import { paramLayout } from './params.ts';

/** The device limits a configuration is checked against. */
export interface BufferLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

/** Bytes of the largest buffers a RecurrentTrainer for (cfg, T, B) allocates, with what they hold. */
export function largestBuffers(cfg: ModelConfig, T: number, B: number): { what: string; bytes: number }[] {
  const H = cfg.hidden;
  const G = GATES[cfg.cell];
  const F = cfg.input.kind === 'tokens' ? 1 : cfg.input.features;
  const headRows = perSequenceLoss(cfg) ? B : T * B;
  return [
    { what: `parameters (${paramLayout(cfg).total} floats)`, bytes: paramLayout(cfg).total * 4 },
    { what: `gate activations (tbptt ${T} × batchSize ${B} × ${G > 1 ? `${G} gates × ` : ''}hidden ${H})`, bytes: T * B * G * H * 4 },
    { what: `hidden states ((tbptt ${T} + 1) × batchSize ${B} × hidden ${H})`, bytes: (T + 1) * B * H * 4 },
    { what: `outputs (${headRows === B ? '' : `tbptt ${T} × `}batchSize ${B} × output ${cfg.output})`, bytes: headRows * cfg.output * 4 },
    { what: `inputs (tbptt ${T} × batchSize ${B} × ${F})`, bytes: T * B * F * 4 },
  ];
}

/**
 * Refuses a model whose largest buffer passes a limit, naming the limit, the buffer and, for each of
 * hidden, batchSize and tbptt (a divisor of seqLen), the largest value that fits with the other
 * settings as they are: a config over a limit never reaches the GPU, where it would fail
 * asynchronously or compute nothing.
 */
export function checkBufferLimits(cfg: ModelConfig, T: number, B: number, limits: BufferLimits, device: 'gpu' | 'cpu' = 'gpu', seqLen = T): void {
  const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const name = limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
  const biggest = (c: ModelConfig, t: number, b: number) => largestBuffers(c, t, b).reduce((x, y) => (y.bytes > x.bytes ? y : x));
  const largest = biggest(cfg, T, B);
  if (largest.bytes <= cap) return;
  const fits: string[] = [];
  const hidden = largestFitting(cfg.hidden - 1, (h) => biggest({ ...cfg, hidden: h }, T, B).bytes <= cap);
  if (hidden) fits.push(`hidden ≤ ${hidden}`);
  const batch = largestFitting(B - 1, (b) => biggest(cfg, T, b).bytes <= cap);
  if (batch) fits.push(`batchSize ≤ ${batch}`);
  const tbptt = divisors(seqLen)
    .filter((t) => t < T && biggest(cfg, t, B).bytes <= cap)
    .pop();
  if (tbptt) fits.push(`tbptt ≤ ${tbptt}`);
  const hint = fits.length
    ? ` With the other settings as they are, ${fits.join(', or ')} fits.`
    : ' No smaller hidden, batchSize or tbptt alone makes it fit: reduce several of them.';
  throw new ConfigError(
    '',
    device === 'gpu'
      ? `this model needs a GPU buffer of ${mib(largest.bytes)} for its ${largest.what}, more than this GPU's ${name} of ${cap} bytes (${mib(cap)}).${hint}`
      : `this model needs an array of ${mib(largest.bytes)} for its ${largest.what}, more than the CPU fallback allows for one array (${cap} bytes, ${mib(cap)}).${hint}`,
  );
}

/** The largest n in [1, max] with fits(n) (fits is monotone: true up to some n), or 0. */
function largestFitting(max: number, fits: (n: number) => boolean): number {
  if (max < 1 || !fits(1)) return 0;
  let [lo, hi] = [1, max + 1];
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

const mib = (bytes: number) => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`);
