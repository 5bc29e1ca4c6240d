// The Markdown report from a made-up run: peers' cells (measured, partial, too slow, estimated, error),
// the ratios, and the T-scaling fit.
import { describe, expect, it } from 'vitest';
import { findConfig, tScalingConfigs, T_SCALING } from './configs.ts';
import type { BenchResult } from './core.ts';
import type { PeerResult } from './peers.ts';
import { kernelsAbSection, markdown, peerCell, peerRatio, torchSection, type BenchReport } from './report.ts';

const result = (name: string, msPerStep: number, config = findConfig(name)): BenchResult => ({
  config,
  msPerStep,
  steps: 3,
  warmupMs: msPerStep,
  tokensPerS: 1,
  flopsPerStep: 1e9,
  gflops: 1e9 / msPerStep / 1e6,
  dispatchesPerStep: 2 * config.T + 14,
  gpuBytes: 2 ** 20 * config.T,
  buffersAddedWhileTraining: 0,
  firstLoss: 3.5,
  lastLoss: 3.4,
});
const peer = (p: Partial<PeerResult> & Pick<PeerResult, 'status'>, name = 'tiny'): PeerResult => ({ peer: 'tfjs-wasm', config: findConfig(name), ...p });

describe('the bench report', () => {
  it('says what each peer managed', () => {
    expect(peerCell(peer({ status: 'ok', msPerStep: 123.4 }))).toBe('123');
    expect(peerCell(peer({ status: 'partial', msPerStep: 12.34, steps: 1 }))).toBe('12.3 (1 step)');
    expect(peerCell(peer({ status: 'too-slow', boundMs: 41_000, boundPhase: 'step' }))).toBe('too slow: > 41.0 s/step');
    expect(peerCell(peer({ status: 'too-slow', boundMs: 59_000, boundPhase: 'warm-up' }))).toBe('too slow: warm-up step > 59.0 s');
    expect(peerRatio(peer({ status: 'too-slow', boundMs: 59_000, boundPhase: 'warm-up' }), 100)).toBe('—');
    expect(peerCell(peer({ status: 'skipped', estimateMs: 90_000 }))).toBe('too slow: ≥ 90.0 s/step (estimated, not run)');
    expect(peerCell(peer({ status: 'error', note: 'a | b' }))).toBe('error: a / b');
    expect(peerRatio(peer({ status: 'ok', msPerStep: 300 }), 100)).toBe('3.0×');
    expect(peerRatio(peer({ status: 'too-slow', boundMs: 5000 }), 100)).toBe('> 50×');
    expect(peerRatio(peer({ status: 'skipped', estimateMs: 2000 }), 100)).toBe('≥ 20×');
  });

  /** The report of a made-up quick run. */
  const rendered = () => {
    const tscale = tScalingConfigs().map((c) => result(c.name, 10 + 2 * c.T, c));
    const report: BenchReport = {
      date: '2026-01-02T03:04:05.000Z',
      host: { cpus: 2, cpuModel: 'cpu', node: 'v20' },
      args: ['--quick'],
      runs: [{ runtime: 'Chromium (WebGPU, worker)', where: 'worker', adapter: 'swiftshader', results: [result('tiny', 20), result('large-lstm', 1000)] }],
      gemm: { chromium: { best: { n: 512, variant: 'A·Bᵀ', ms: 100, gflops: 2 }, all: [{ n: 512, variant: 'A·Bᵀ', ms: 100, gflops: 2 }] } },
      tscale: { runtime: 'Chromium (WebGPU, worker)', results: tscale, spec: T_SCALING },
      peers: [peer({ status: 'ok', msPerStep: 60 }), peer({ status: 'too-slow', boundMs: 30_000 }, 'large-lstm')],
      load: { start: 1, end: 1, min: 0.5, max: 1.5, mean: 1 },
      seconds: 100,
    };
    return markdown(report);
  };

  it('renders a row per config: its run against the peers', () => {
    const md = rendered();
    expect(md).toContain('| tiny | rnn | 32 | 32 | 32 | 16 | 20.0 | 50 | 2500.0% | 60.0 | 3.0× |');
    expect(md).toContain('| large-lstm | lstm | 65 | 512 | 128 | 64 | 1000 | 1.0 | 50.0% | too slow: > 30.0 s/step | > 30× |');
  });

  it('renders the fit of the time per step against T', () => {
    expect(rendered()).toContain('ms/step = 10.0 + 2.000·T, R² = 1.0000');
  });

  it('renders the machine’s load during the run and the command that made it', () => {
    const md = rendered();
    expect(md).toContain('Load average (1 min) during the run: mean 1.00');
    expect(md).toContain('`npm run bench -- --quick`');
  });

  it('puts PyTorch on the same machine beside the Node run (fp32 and TF32), and A/B rows of step kernels against the first', () => {
    const k = (r: BenchResult, kernels: string) => ({ ...r, kernels, kernelSource: 'given' });
    const report: BenchReport = {
      date: '2026-01-02T03:04:05.000Z',
      host: { cpus: 16, cpuModel: 'cpu', node: 'v20' },
      args: ['--node', '--torch', '--kernels=blocked+tiled'],
      runs: [
        {
          runtime: 'Node v20 (Dawn)',
          where: 'node',
          adapter: 'nvidia',
          results: [
            k(result('small-lstm', 20), 'forward=blocked,backward=blocked'),
            k(result('small-lstm', 5), 'forward=tiled-b8-u4-m2-k4,backward=tiled-b8-u4-m2-k4'),
          ],
        },
      ],
      gemm: { node: { best: { n: 4096, variant: 'A·Bᵀ', ms: 1, gflops: 1000 }, all: [] } },
      torch: [
        { config: 'small-lstm', device: 'cuda', tf32: false, ms_per_step: 4, steps: 100, loss_first: 4.2, loss_last: 4.1 },
        { config: 'small-lstm', device: 'cuda', tf32: true, ms_per_step: 3, steps: 100, loss_first: 4.2, loss_last: 4.1 },
      ],
    };
    expect(torchSection(report)).toContain('| small-lstm | blocked / blocked (given) | 20.0 | 50 | 5.0% | 4.00 | 0.20× | 3.00 | 0.15× |');
    const ab = kernelsAbSection(report)!;
    expect(ab).toContain('| small-lstm | blocked / blocked (given) | 20.0 | 1.0× |');
    expect(ab).toContain('| small-lstm | tiled-b8-u4-m2-k4 / tiled-b8-u4-m2-k4 (given) | 5.00 | 0.25× |');
    expect(markdown(report)).toContain('### This trainer against PyTorch on the same machine');
  });
});
