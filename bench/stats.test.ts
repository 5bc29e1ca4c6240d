import { describe, expect, it } from 'vitest';
import { linearFit } from './stats.ts';

describe('linearFit', () => {
  it('recovers an exact line with R² = 1', () => {
    const f = linearFit(
      [32, 64, 128, 256],
      [32, 64, 128, 256].map((t) => 5 + 0.25 * t),
    );
    expect(f.a).toBeCloseTo(5, 10);
    expect(f.b).toBeCloseTo(0.25, 12);
    expect(f.r2).toBeCloseTo(1, 12);
  });

  it('matches a hand-computed fit of noisy points', () => {
    // x̄ = 2, ȳ = 10/3, Sxx = 2, Sxy = 4 → b = 2, a = −2/3; residuals −1/3, 2/3, −1/3 → SS_res = 2/3;
    // SS_tot = 26/3 → R² = 12/13.
    const f = linearFit([1, 2, 3], [1, 4, 5]);
    expect(f.b).toBeCloseTo(2, 12);
    expect(f.a).toBeCloseTo(-2 / 3, 12);
    expect(f.r2).toBeCloseTo(12 / 13, 12);
  });

  it('refuses fewer than two points or a single x', () => {
    expect(() => linearFit([1], [1])).toThrow(/two or more/);
    expect(() => linearFit([2, 2], [1, 3])).toThrow(/every x is the same/);
  });
});
