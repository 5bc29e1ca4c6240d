import { describe, expect, it } from 'vitest';
import { predictGemm, type OpCost } from './opCosts.ts';

describe('predictGemm', () => {
  it('adds up a 16 × 16 tile: 32 loads, 256 multiply-adds and one iteration per k', () => {
    const costs: OpCost[] = [
      { op: 'loop iteration (empty body)', ns: 4 },
      { op: 'multiply-add, 256 accumulators', ns: 2 },
      { op: 'load f32, scattered lanes', ns: 15 },
    ];
    const p = predictGemm(costs);
    expect(p.nsPerK).toBe(32 * 15 + 256 * 2 + 4);
    expect(p.loadShare).toBeCloseTo(480 / 996, 12);
    // 2 flops × 256 multiply-adds × 4 lanes per k.
    expect(p.gflops).toBeCloseTo(2048 / 996, 12);
    expect(predictGemm(costs, 8).nsPerK).toBe(24 * 15 + 128 * 2 + 4);
  });
});
