// A recurrent model's buffer plan against the device's limits, with tiny injected limits (no GPU
// needed): a model over a limit is refused naming the buffer and the limit, with the largest hidden,
// batchSize and tbptt that fit.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/validate.ts';
import { parseModelConfig } from './config.ts';
import { checkBufferLimits, largestBuffers } from './memory.ts';

const cfg = parseModelConfig({ cell: 'lstm', hidden: 1024, input: { kind: 'tokens', vocab: 65 } });
const limits = { maxStorageBufferBindingSize: 128 << 20, maxBufferSize: 256 << 20 };
const biggest = (h: number, t: number, b: number) => Math.max(...largestBuffers({ ...cfg, hidden: h }, t, b).map((x) => x.bytes));

describe('a recurrent model’s buffer plan', () => {
  it('a model over a limit is refused naming the buffer, the limit, and the hidden / batchSize / tbptt that fit', () => {
    // Gate activations: T 64 × B 256 × 4 gates × H 1024 × 4 bytes = 256 MiB.
    let message = '';
    try {
      checkBufferLimits(cfg, 64, 256, limits, 'gpu', 64);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      message = (e as Error).message;
    }
    expect(message).toBe(
      "this model needs a GPU buffer of 256.0 MiB for its gate activations (tbptt 64 × batchSize 256 × 4 gates × hidden 1024), more than this GPU's maxStorageBufferBindingSize of 134217728 bytes (128.0 MiB). With the other settings as they are, hidden ≤ 512, or batchSize ≤ 128, or tbptt ≤ 32 fits.",
    );
  });

  it('each suggested setting fits, and one more does not', () => {
    expect(biggest(512, 64, 256)).toBeLessThanOrEqual(128 << 20);
    expect(biggest(513, 64, 256)).toBeGreaterThan(128 << 20);
    expect(biggest(1024, 64, 128)).toBeLessThanOrEqual(128 << 20);
    expect(biggest(1024, 64, 129)).toBeGreaterThan(128 << 20);
    expect(biggest(1024, 32, 256)).toBeLessThanOrEqual(128 << 20);
    expect(biggest(1024, 33, 256)).toBeGreaterThan(128 << 20);
  });

  it('a model that fits passes', () => {
    expect(() => checkBufferLimits(cfg, 16, 32, limits)).not.toThrow();
  });
});
