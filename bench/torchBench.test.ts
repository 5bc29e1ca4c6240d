// scripts/torch_bench.py against the bench: the same configs (its table is a copy of
// bench/configs.ts's), and, where this machine's Python has torch, a real timing line per config.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BENCH_CONFIGS } from './configs.ts';
import { python, torchBench } from './torchBench.ts';

const hasTorch = spawnSync(python(), ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

describe('the PyTorch yardstick', () => {
  it('times the same configs as the bench', () => {
    const listed = torchBench([], { list: true }) as unknown as { name: string; cell: string; V: number; H: number; T: number; B: number }[];
    expect(listed).toEqual(BENCH_CONFIGS.map(({ name, cell, V, H, T, B }) => ({ name, cell, V, H, T, B })));
  });

  it.runIf(hasTorch)('prints a line per config with its time and a loss that moved (needs torch in this Python)', () => {
    const [r] = torchBench(['tiny'], { minMs: 100, device: 'cpu' });
    expect(r).toMatchObject({ config: 'tiny', device: 'cpu', tf32: false });
    expect(r.ms_per_step).toBeGreaterThan(0);
    expect(r.steps).toBeGreaterThanOrEqual(3);
    // Uniform guess over 32 tokens: ln 32 ≈ 3.47.
    expect(Math.abs(r.loss_first - Math.log(32))).toBeLessThan(0.3);
    expect(r.loss_last).not.toBe(r.loss_first);
  });

  it('an unknown config is refused', () => {
    expect(() => torchBench(['huge'])).toThrow(/unknown config\(s\) huge/);
  });
});
