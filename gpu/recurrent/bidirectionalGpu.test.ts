// Bidirectional models on the GPU against the float64 reference: loss, logits, every layer's
// [forward; reverse] output and every gradient within 1e-4 of each tensor's max |value|, for every
// cell × loss × layers {1, 2} × input kind on ragged batches with h0 (and c0) given, and with each
// family of step kernels, since the reverse direction runs the same kernels on mirrored data.
import { describe, expect, it } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { RecurrentTrainer } from './trainer.ts';
import { readBuffer } from '../core/readBuffer.ts';
import { RecurrentReference } from './reference.ts';
import { parseModelConfig, type Cell } from './config.ts';
import { initParams } from './params.ts';
import { randomBatch } from '../testing/randomBatch.ts';
import { expectClose } from '../testing/compare.ts';
import { expectMatchesReference } from '../testing/recurrentCheck.ts';
import { Rng } from '../core/rng.ts';
import { parseStepKernels } from './stepVariants.ts';

const gpu = useGpu();
const TOL = 1e-4;

const cells: { cell: Cell; nonlinearity?: 'relu' }[] = [{ cell: 'rnn' }, { cell: 'rnn', nonlinearity: 'relu' }, { cell: 'gru' }, { cell: 'lstm' }];
const losses = ['ce', 'mse', 'class', 'regress'] as const;

async function check(cfgRaw: Record<string, unknown>, T: number, B: number, seed: number, kernels?: string): Promise<void> {
  const cfg = parseModelConfig({ ...cfgRaw, bidirectional: true });
  const H = cfg.hidden;
  const ctx = gpu();
  const params = initParams(cfg, 300 + seed).map((x) => 2 * x);
  const batch = randomBatch(cfg, T, B, 400 + seed, true); // padding holds junk that must never be read
  const states = cfg.layers * 2 * B * H;
  const h0 = Float32Array.from({ length: states }, (_, i) => Math.sin(i + seed));
  const c0 = cfg.cell === 'lstm' ? Float32Array.from({ length: states }, (_, i) => Math.cos(i * 0.7 + seed)) : undefined;
  const trainer = new RecurrentTrainer(ctx, { model: cfg, T, B, params, kernels: kernels ? parseStepKernels(kernels) : undefined });
  trainer.computeGradients(batch, { h0, c0 });
  const ref = new RecurrentReference(cfg).lossAndGrad(Float64Array.from(params), batch, { h0: Float64Array.from(h0), c0: c0 && Float64Array.from(c0) });
  const perStep = cfg.loss === 'ce' || cfg.loss === 'mse';
  const logits = await readBuffer(ctx, trainer.model.buffers.logits, (perStep ? T * B : B) * cfg.output);
  const real = (r: number) => !perStep || Math.floor(r / B) < batch.lengths![r % B];
  expectClose(
    'logits',
    logits.map((v, k) => (real(Math.floor(k / cfg.output)) ? v : 0)),
    ref.fwd.logits,
    TOL,
  );
  await expectMatchesReference(trainer, ref, TOL);
  trainer.destroy();
}

describe('bidirectional models on the GPU vs the float64 reference (ragged, h0/c0 given)', () => {
  const rng = new Rng(91);
  let n = 0;
  for (const c of cells)
    for (const loss of losses)
      for (const layers of [1, 2]) {
        const kind = (n & 1) === 0 ? 'tokens' : 'real';
        const [H, T, B] = [[3, 8, 17][n % 3], 2 + rng.int(8), 2 + rng.int(6)];
        const input = kind === 'tokens' ? { kind, vocab: 4 + rng.int(20) } : { kind, features: 1 + rng.int(6) };
        const output = 2 + rng.int(6);
        const seed = n++;
        it(`${c.cell}${c.nonlinearity ? `/${c.nonlinearity}` : ''} loss=${loss} layers=${layers} ${kind} H=${H} T=${T} B=${B}`, () =>
          check({ ...c, layers, hidden: H, loss, input, output }, T, B, seed));
      }
});

describe('the reverse direction runs every family of step kernels', () => {
  for (const kernels of ['blocked', 'tiled-b4-u4-m2-k2', 'sequence-r2'])
    for (const cell of ['gru', 'lstm'] as const)
      it(`${kernels}, ${cell}, 2 layers, per-step loss`, () =>
        check({ cell, layers: 2, hidden: 8, loss: 'ce', input: { kind: 'tokens', vocab: 7 } }, 6, 3, 7, kernels));
});

describe('bidirectional states and carried state', () => {
  it('refuses truncated BPTT, which cannot carry a reverse direction', () => {
    const cfg = parseModelConfig({ cell: 'gru', hidden: 4, input: { kind: 'tokens', vocab: 5 }, bidirectional: true });
    const trainer = new RecurrentTrainer(gpu(), { model: cfg, T: 3, B: 2 });
    const batch = randomBatch(cfg, 3, 2, 1);
    expect(() => trainer.step(batch, { carryState: true })).toThrow(/truncated BPTT cannot carry a bidirectional model/);
    trainer.destroy();
  });

  it('h0 of a unidirectional size is refused with the shape it needs', () => {
    const cfg = parseModelConfig({ cell: 'lstm', hidden: 4, layers: 2, input: { kind: 'tokens', vocab: 5 }, bidirectional: true });
    const trainer = new RecurrentTrainer(gpu(), { model: cfg, T: 3, B: 2 });
    expect(() => trainer.computeGradients(randomBatch(cfg, 3, 2, 1), { h0: new Float32Array(2 * 2 * 4) })).toThrow(/h0 must hold 2\*2\*2\*4 numbers/);
    trainer.destroy();
  });
});
