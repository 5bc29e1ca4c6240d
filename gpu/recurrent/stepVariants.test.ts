// The GPU-shaped step kernels (tiled: forwardTile.wgsl, backwardTile.wgsl) held to the float64
// reference at every tile shape they can take (rows per workgroup and per invocation, units, K split
// across the workgroup), on shapes that leave partial tiles both ways (B = 19, H = 37) and a single
// unit and row: every cell, one and two layers, token and real inputs, ragged lengths and initial
// states; the single-dispatch sequence kernels likewise; then training steps with truncated BPTT and
// clipping against the reference's own. And the shape of the dispatches on the bench's configs,
// checked without a GPU's timing.
import { afterEach, describe, expect, it } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { RecurrentTrainer } from './trainer.ts';
import { RecurrentReference } from './reference.ts';
import { parseModelConfig, type Cell } from './config.ts';
import { initParams } from './params.ts';
import { randomBatch } from '../testing/randomBatch.ts';
import { expectClose } from '../testing/compare.ts';
import { expectMatchesReference } from '../testing/recurrentCheck.ts';
import { splitSteps } from '../data/split.ts';
import { optimizer } from '../optimizer/config.ts';
import { clipScale, newOptimizerState, optimizerStep } from '../optimizer/reference.ts';
import { stepTuning } from './stepKernels.ts';
import { stepShaders } from './shaders.ts';
import { kernelRequirements } from '../core/limits.ts';
import {
  defaultStepKernels,
  gpuTile,
  kernelName,
  parseKernel,
  parseStepKernels,
  runnableOn,
  stepKernelsName,
  subgroupMinSize,
  tileInvocations,
  tileWorkgroups,
  type StepKernels,
} from './stepVariants.ts';

const gpu = useGpu();
const TOL = 1e-4;

const TILES = ['tiled-b16-u16-m4-k1', 'tiled-b8-u16-m4-k2', 'tiled-b4-u4-m2-k8', 'tiled-b1-u8-m1-k16', 'tiled-b2-u16-m1-k4'];
/** The single-dispatch kernels, forward and backward: a partial workgroup of rows (19 = 2·8 + 3) and one row each. */
const SEQUENCES = ['sequence-r8', 'sequence-r1'];
/** K slices added by subgroup shuffles (SwiftShader has subgroups of 4 or more): 2 and 4 slices, TM below and above KS. */
const SUBGROUP_TILES = ['tiled-b8-u8-m4-k2-sg', 'tiled-b4-u4-m1-k4-sg', 'tiled-b16-u4-m4-k4-sg'];
const both = (name: string): StepKernels => parseStepKernels(name);

const cells: { cell: Cell; nonlinearity?: 'relu' }[] = [{ cell: 'rnn' }, { cell: 'rnn', nonlinearity: 'relu' }, { cell: 'gru' }, { cell: 'lstm' }];

describe('tiled and single-dispatch step kernels vs the float64 reference', () => {
  let n = 0;
  for (const c of cells)
    for (const tile of [...TILES, ...SEQUENCES, ...SUBGROUP_TILES])
      for (const [layers, kind, H, B] of [
        [2, 'tokens', 37, 19],
        [1, 'real', 37, 19],
        [1, 'tokens', 1, 1],
      ] as const) {
        const seed = n++;
        it(`${c.cell}${c.nonlinearity ? `/${c.nonlinearity}` : ''} ${tile} layers=${layers} ${kind} H=${H} B=${B}, ragged, initial states`, async () => {
          const ctx = gpu();
          const T = 5;
          const cfg = parseModelConfig({
            ...c,
            layers,
            hidden: H,
            input: kind === 'tokens' ? { kind, vocab: 11 } : { kind, features: 7 },
            output: kind === 'real' ? 4 : undefined,
          });
          const params = initParams(cfg, 10 + seed).map((x) => 2 * x);
          const batch = randomBatch(cfg, T, B, 50 + seed, true);
          const h0 = Float32Array.from({ length: layers * B * H }, (_, i) => Math.sin(i + seed));
          const c0 = c.cell === 'lstm' ? Float32Array.from({ length: layers * B * H }, (_, i) => Math.cos(i * 0.7)) : undefined;
          const trainer = new RecurrentTrainer(ctx, { model: cfg, T, B, params, kernels: both(tile) });
          expect(kernelName(trainer.model.kernels.backward)).toBe(tile);
          trainer.computeGradients(batch, { h0, c0 });
          const ref = new RecurrentReference(cfg).lossAndGrad(Float64Array.from(params), batch, { h0: Float64Array.from(h0), c0: c0 && Float64Array.from(c0) });
          await expectMatchesReference(trainer, ref, TOL);
          trainer.destroy();
        });
      }
});

describe('training with GPU-shaped kernels, truncated BPTT and clipping, vs the reference', () => {
  for (const cell of ['rnn', 'gru', 'lstm'] as const)
    for (const kernels of ['tiled-b4-u8-m2-k4', 'sequence-r2', 'tiled-b4-u8-m2-k4-sg'])
      it(`${cell} ${kernels}: 3 batches of 2 chunks (state carried), Adam with clip 0.05: weights within 1e-4`, async () => {
        const ctx = gpu();
        const cfg = parseModelConfig({ cell, layers: 2, hidden: 21, input: { kind: 'tokens', vocab: 9 } });
        const opt = optimizer({ kind: 'adam', lr: 0.01, clip: 0.05 });
        const T = 4;
        const B = 6;
        const params = initParams(cfg, 3);
        const trainer = new RecurrentTrainer(ctx, { model: cfg, T, B, params, optimizer: opt, kernels: both(kernels) });
        const ref = new RecurrentReference(cfg);
        const p = Float64Array.from(params);
        const state = newOptimizerState(p.length);
        let clipped = 0;
        for (let k = 0; k < 3; k++) {
          const [first, second] = splitSteps(randomBatch(cfg, 2 * T, B, 70 + k), T);
          let carried: { h0: Float64Array; c0?: Float64Array } | undefined;
          for (const [i, chunk] of [first, second].entries()) {
            trainer.step(chunk, { carryState: i > 0 });
            const r = ref.lossAndGrad(p, chunk, carried);
            if (clipScale(r.grads, opt.clip).scale < 1) clipped++;
            optimizerStep(p, r.grads, state, opt);
            carried = { h0: r.fwd.hT, c0: r.fwd.cT ?? undefined };
          }
        }
        expect(clipped, 'clipping took effect').toBeGreaterThan(0);
        expectClose('weights', await trainer.readParams(), p, TOL);
        trainer.destroy();
      });
});

describe('the shape of the GPU-shaped steps (no GPU timing needed)', () => {
  afterEach(() => {
    stepTuning.variant = 'auto';
  });
  // Issue #14: with the GPU-shaped variants, every per-step dispatch of the large config launches
  // ≥ 128 workgroups of ≥ 64 invocations, of the small config ≥ 32.
  for (const [name, B, H, min] of [
    ['large', 64, 512, 128],
    ['small', 32, 128, 32],
  ] as const)
    for (const cell of ['rnn', 'gru', 'lstm'] as const)
      it(`${name}-${cell} (B=${B}, H=${H}): every per-step dispatch ≥ ${min} workgroups of ≥ 64 invocations`, () => {
        const ctx = gpu();
        stepTuning.variant = 'tiled';
        const cfg = parseModelConfig({ cell, hidden: H, input: { kind: 'tokens', vocab: 65 } });
        const trainer = new RecurrentTrainer(ctx, { model: cfg, T: 4, B });
        for (const layer of trainer.model.layers)
          for (const d of [layer.forward, layer.backward]) {
            const k = d === layer.forward ? trainer.model.kernels.forward : trainer.model.kernels.backward;
            expect(k.kind, d.label).toBe('tiled');
            if (k.kind !== 'tiled') continue;
            expect(d.grid[0] * d.grid[1] * d.grid[2], d.label).toBeGreaterThanOrEqual(min);
            expect(tileInvocations(k), d.label).toBeGreaterThanOrEqual(64);
          }
        trainer.destroy();
      });

  it('the blocked kernels leave ~4 workgroups at the large config (why the tiles exist)', () => {
    const ctx = gpu();
    stepTuning.variant = 'blocked';
    const cfg = parseModelConfig({ cell: 'lstm', hidden: 512, input: { kind: 'tokens', vocab: 65 } });
    const trainer = new RecurrentTrainer(ctx, { model: cfg, T: 4, B: 64 });
    expect(trainer.model.layers[0].forward.grid[0]).toBeLessThanOrEqual(16);
    trainer.destroy();
  });

  it('gpuTile: 16×16 tiles where they fill the GPU, smaller tiles and K slices where the batch or layer is small', () => {
    expect(gpuTile(64, 512)).toEqual({ BM: 16, UT: 16, TM: 4, KS: 1 });
    for (const [B, H] of [
      [32, 128],
      [16, 32],
      [1, 256],
      [3, 5],
    ]) {
      const t = gpuTile(B, H);
      expect(tileInvocations(t), `B=${B} H=${H}`).toBeGreaterThanOrEqual(32);
      expect(tileInvocations(t)).toBeLessThanOrEqual(256);
      expect(parseKernel(kernelName({ kind: 'tiled', ...t }))).toEqual({ kind: 'tiled', ...t });
    }
    expect(tileWorkgroups(32, 128, gpuTile(32, 128))).toBeGreaterThanOrEqual(128);
  });

  it('every tile gpuTile picks, for any batch and layer, fits WebGPU’s default limits (256 invocations, 16 KiB of workgroup storage)', () => {
    for (const cell of ['rnn', 'gru', 'lstm'] as const)
      for (const B of [1, 2, 3, 5, 8, 16, 17, 32, 64, 128, 1024])
        for (const H of [1, 3, 4, 16, 33, 128, 512, 2048])
          for (const target of [32, 128, 512, 2048]) {
            const t = gpuTile(B, H, target);
            const constants = { H, B, T: 4, ...t, WG: tileInvocations(t) };
            for (const code of [stepShaders[cell].forwardTile, stepShaders[cell].backwardTile]) {
              const r = kernelRequirements(code, 'main', constants);
              expect(r.workgroupSize![0], `${cell} B=${B} H=${H} ${kernelName({ kind: 'tiled', ...t })}`).toBeLessThanOrEqual(256);
              expect(r.workgroupBytes, `${cell} B=${B} H=${H} ${kernelName({ kind: 'tiled', ...t })}`).toBeLessThanOrEqual(16384);
            }
          }
  });

  it('CPU adapters keep the CPU-shaped kernels, GPUs get tiles; the setting forces either', () => {
    const shape = { cell: 'lstm' as const, T: 64, B: 32, H: 128 };
    expect(stepKernelsName(defaultStepKernels({ name: 'SwiftShader', backend: 'Dawn', cpu: true }, shape))).toBe('forward=blocked,backward=blocked');
    expect(stepKernelsName(defaultStepKernels({ name: 'nvidia / hopper', backend: 'Dawn', cpu: false }, shape))).toMatch(/^forward=tiled-.*,backward=tiled-/);
    stepTuning.variant = 'blocked';
    expect(defaultStepKernels({ name: 'nvidia', backend: 'Dawn' }, shape).forward.kind).toBe('blocked');
    expect(gpu().adapter.cpu, `the test adapter (${gpu().adapter.name}) is SwiftShader`).toBe(true);
  });

  it('-sg tiles need subgroups at least as large as their K slices; recorded ones fall back to workgroup memory where they are not', () => {
    const ctx = gpu();
    const without = { features: new Set<string>() } as unknown as GPUDevice;
    expect(subgroupMinSize(without)).toBe(0);
    expect(subgroupMinSize(ctx.device)).toBeGreaterThanOrEqual(4);
    const recorded = parseStepKernels('forward=tiled-b4-u4-m1-k4-sg,backward=sequence-r2');
    expect(stepKernelsName(runnableOn(without, recorded))).toBe('forward=tiled-b4-u4-m1-k4,backward=sequence-r2');
    expect(runnableOn(ctx.device, recorded)).toEqual(recorded);
    const cfg = parseModelConfig({ cell: 'gru', hidden: 8, input: { kind: 'tokens', vocab: 5 } });
    expect(() => new RecurrentTrainer(ctx, { model: cfg, T: 2, B: 4, kernels: both('tiled-b4-u4-m1-k16-sg') })).toThrow(
      /a -sg tile adds its 16 K slices within one subgroup; this device's subgroups can be as small as \d+/,
    );
  });

  it('names round-trip, and a name that is no kernel says what is', () => {
    for (const name of ['blocked', 'sequence-r4', ...TILES, ...SUBGROUP_TILES]) expect(kernelName(parseKernel(name))).toBe(name);
    expect(() => parseKernel('tiled-b16-u32-m4-k1')).toThrow(/units ≤ 16/);
    expect(() => parseKernel('fast')).toThrow(/"fast" is not a step kernel/);
    expect(() => parseStepKernels('forward=blocked')).toThrow(/give one step kernel for both passes, or forward=<kernel>,backward=<kernel>/);
    expect(stepKernelsName(parseStepKernels('forward=sequence-r2,backward=tiled-b4-u4-m2-k8'))).toBe('forward=sequence-r2,backward=tiled-b4-u4-m2-k8');
  });
});
