// The on-device tuner on SwiftShader (asked to measure there; by default a CPU adapter keeps its
// kernels): it times the default first, keeps the fastest of what it measured for each pass,
// respects its budget, and remembers the choice per adapter and shape, in memory and in a file.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { parseModelConfig } from './config.ts';
import { agrees, candidates, chooseStepKernels, memoryKernelCache, tuneKey } from './tuner.ts';
import { fileKernelCache } from './kernelCache.node.ts';
import { RecurrentGpu } from './model.ts';
import { PassTimer } from '../core/passTimer.ts';
import { defaultStepKernels, kernelName, parseKernel, stepKernelsName } from './stepVariants.ts';

const gpu = useGpu();
const cfg = parseModelConfig({ cell: 'lstm', hidden: 12, input: { kind: 'tokens', vocab: 7 } });
const T = 4;
const B = 6;
// H = 12: on SwiftShader the forward default is the sequence kernel.
const byDefault = () => defaultStepKernels(gpu().adapter, { cell: 'lstm', T, B, H: 12 });

describe('the step-kernel tuner', () => {
  it('a CPU adapter keeps its default kernels unmeasured unless asked', async () => {
    const c = await chooseStepKernels(gpu(), cfg, T, B);
    expect([c.source, c.name, c.measured]).toEqual(['default', 'forward=sequence-r2,backward=blocked', {}]);
    expect(c.name).toBe(stepKernelsName(byDefault()));
  });

  it('measures every candidate within the budget, keeps the fastest of each pass, and caches the choice', async () => {
    const ctx = gpu();
    const cache = memoryKernelCache();
    const buffers = ctx.buffers;
    const c = await chooseStepKernels(ctx, cfg, T, B, { tune: 'always', cache, budgetMs: 60_000, rounds: 1 });
    expect(c.source).toBe('measured');
    expect(c.timing, 'SwiftShader offers timestamp-query').toBe('timestamps');
    expect(c.rejected, 'every candidate computed what the default did').toEqual([]);
    const all = candidates(ctx, cfg, T, B);
    const names = (pass: string, ks: { kind: string }[]) => ks.map((k) => `${pass}:${kernelName(k as never)}`);
    expect(Object.keys(c.measured).sort()).toEqual([...names('forward', all.forward), ...names('backward', all.backward)].sort());
    expect(all.forward.map(kernelName)).toEqual(expect.arrayContaining(['blocked', 'sequence-r1', expect.stringMatching(/^tiled-/)]));
    for (const pass of ['forward', 'backward'] as const) {
      const mine = Object.entries(c.measured).filter(([k]) => k.startsWith(pass));
      const fastest = mine.reduce((a, b) => (b[1] < a[1] ? b : a));
      expect(`${pass}:${kernelName(c.kernels[pass])}`).toBe(fastest[0]);
    }
    expect(ctx.buffers, 'the tuner frees what it built').toBe(buffers);
    expect(cache.entries.get(tuneKey(ctx, cfg, T, B))).toEqual({ kernels: c.name, measured: c.measured });
    const again = await chooseStepKernels(ctx, cfg, T, B, { tune: 'always', cache });
    expect([again.source, again.name, again.tookMs]).toEqual(['cache', c.name, 0]);
  });

  it('with no budget left measures only the default kernels', async () => {
    const c = await chooseStepKernels(gpu(), cfg, T, B, { tune: 'always', budgetMs: 0, rounds: 1 });
    expect(Object.keys(c.measured)).toEqual(['forward:sequence-r2', 'backward:blocked']);
    expect(c.name).toBe(stepKernelsName(byDefault()));
  });

  it('the file cache keeps choices across processes, treats a damaged file as empty, and re-measures a name it no longer knows', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'rnnlab-kernels-')), 'sub', 'step-kernels.json');
    const cache = fileKernelCache(path);
    expect(await cache.get('x')).toBeUndefined();
    await cache.set('x', { kernels: 'forward=blocked,backward=blocked', measured: { 'forward:blocked': 1 } });
    expect(await fileKernelCache(path).get('x')).toEqual({ kernels: 'forward=blocked,backward=blocked', measured: { 'forward:blocked': 1 } });
    await writeFile(path, '{ not json');
    expect(await cache.get('x')).toBeUndefined();
    const ctx = gpu();
    await cache.set(tuneKey(ctx, cfg, T, B), { kernels: 'forward=warp-drive,backward=blocked', measured: {} });
    const c = await chooseStepKernels(ctx, cfg, T, B, { tune: 'always', cache, budgetMs: 0, rounds: 1 });
    expect(c.source).toBe('measured');
    expect(JSON.parse(await readFile(path, 'utf8'))[tuneKey(ctx, cfg, T, B)].kernels).toBe(c.name);
  });

  it('the pass timer reads GPU timestamps where the device has them, within the wall-clock time around the same pass', async () => {
    const ctx = gpu();
    expect(ctx.device.features.has('timestamp-query')).toBe(true);
    const { value: model, buffers } = ctx.owning(() => new RecurrentGpu(ctx, cfg, T, B));
    const timer = new PassTimer(ctx);
    const layer = model.layers[0];
    const t0 = performance.now();
    const gpuMs = await timer.time('steps', (pass) => model.encodeSteps(pass, layer.forward, false, layer.sequence));
    const wallMs = performance.now() - t0;
    expect(timer.method).toBe('timestamps');
    expect(gpuMs).toBeGreaterThan(0);
    expect(gpuMs).toBeLessThanOrEqual(wallMs);
    timer.destroy();
    for (const b of buffers) ctx.destroyBuffer(b);
  });

  it('a candidate is kept only when its results agree with the default’s within 1e-4 of their scale', () => {
    const want = Float32Array.from([1, -20, 0.5]);
    expect(agrees(Float32Array.from([1, -20.0015, 0.5]), want)).toBe(true);
    expect(agrees(Float32Array.from([1, -20, 0.503]), want)).toBe(false);
    expect(agrees(Float32Array.from([NaN, -20, 0.5]), want)).toBe(false);
  });

  it('passes over a candidate the device refuses, naming it, and still chooses', async () => {
    const ctx = gpu();
    const refused = parseKernel('tiled-b4-u4-m1-k16-sg'); // 16 K slices in one subgroup: more than SwiftShader's smallest
    const c = await chooseStepKernels(ctx, cfg, T, B, { tune: 'always', budgetMs: 60_000, rounds: 1, extra: [refused] });
    expect(c.rejected).toEqual(['forward:tiled-b4-u4-m1-k16-sg', 'backward:tiled-b4-u4-m1-k16-sg']);
    expect(Object.keys(c.measured)).not.toContain('forward:tiled-b4-u4-m1-k16-sg');
    expect(c.source).toBe('measured');
  });
});
