import { describe, expect, it } from 'vitest';
import { parseSettings, type Settings } from '../config/schema.ts';
import { formFromDataset } from '../store/settingsSlice.ts';
import { parseAxis, sweepPoints, sweepRunName, type SweepPlan } from './sweep.ts';

const base = (() => {
  const r = parseSettings(formFromDataset('first-names'), { uploadChars: null });
  if (!r.ok) throw new Error('settings');
  return r.settings;
})();
const plan = (over: Partial<SweepPlan>): SweepPlan => ({ id: 's', base, axes: [], samples: 4, steps: 100, seeds: 'same', ...over });

describe('sweeps', () => {
  it('parse values or a range, refusing what a field cannot take', () => {
    expect(parseAxis('lr', '0.001, 0.003,0.01')).toEqual({ field: 'lr', values: [0.001, 0.003, 0.01] });
    expect(parseAxis('lr', '1e-4..1e-1')).toEqual({ field: 'lr', min: 1e-4, max: 0.1 });
    expect(parseAxis('hidden', '32, 64')).toEqual({ field: 'hidden', values: [32, 64] });
    expect(parseAxis('hidden', '32, 6.5')).toEqual({
      error: 'The hidden size values must be whole numbers above 0, separated by commas (or a range “min..max”).',
    });
    expect(parseAxis('lr', '0.1..0.01')).toEqual({ error: 'The learning rate range must be two numbers above 0, the first below the second: “min..max”.' });
    expect(parseAxis('lr', '0.1, 0.1')).toEqual({ error: 'The learning rate values repeat one.' });
    expect(parseAxis('clip', '0, 1')).toEqual({ field: 'clip', values: [0, 1] });
    expect('error' in parseAxis('lr', '')).toBe(true);
  });

  it('a grid: every combination, the first axis slowest; the seed the same, or one more for each run', () => {
    const axes = [
      { field: 'lr' as const, values: [0.001, 0.01] },
      { field: 'hidden' as const, values: [16, 32] },
    ];
    const points = sweepPoints(plan({ axes }));
    expect(points.map((p) => [p.lr, p.hidden, p.seed])).toEqual([
      [0.001, 16, base.seed],
      [0.001, 32, base.seed],
      [0.01, 16, base.seed],
      [0.01, 32, base.seed],
    ]);
    expect(sweepPoints(plan({ axes, seeds: 'each' })).map((p) => p.seed)).toEqual([0, 1, 2, 3].map((k) => base.seed + k));
    // Everything else is the base's.
    const rest = (s: Settings) => ({ ...s, lr: 0, hidden: 0, seed: 0 });
    for (const p of points) expect(rest(p)).toEqual(rest(base));
    expect(sweepRunName(plan({ axes }), points[1])).toBe('Sweep · lr 0.001 · hidden 32');
  });

  it('a random search: `samples` points in the range (log-uniform for the learning rate), the same for a seed', () => {
    const p = plan({
      axes: [
        { field: 'lr', min: 1e-4, max: 1e-1 },
        { field: 'hidden', min: 8, max: 64 },
      ],
      samples: 20,
    });
    const points = sweepPoints(p);
    expect(points).toHaveLength(20);
    for (const x of points) {
      expect(x.lr).toBeGreaterThanOrEqual(1e-4);
      expect(x.lr).toBeLessThanOrEqual(0.1);
      expect(Number.isInteger(x.hidden) && x.hidden >= 8 && x.hidden <= 64).toBe(true);
    }
    // Log-uniform: about a third of 3 decades below 1e-3.
    const low = points.filter((x) => x.lr < 1e-3).length;
    expect(low).toBeGreaterThan(2);
    expect(low).toBeLessThan(13);
    expect(sweepPoints(p)).toEqual(points);
  });
});
