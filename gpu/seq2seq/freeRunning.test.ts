// The encoder-decoder on the GPU feeding back its own predictions, against the float64 reference with
// the same teacher-forcing mask: the inputs the decoder chose at every real step (equal, token for
// token), the loss, the logits and every parameter's gradient within 1e-4 of each tensor's max
// |value| (floored at a thousandth of the largest gradient of the model: fed-back steps make some
// tensors' gradients tiny, e.g. 8e-5 where others are 0.1, and there float32's rounding of the
// larger terms they sum is what a tighter bound would measure), for every cell × attention kind, encoders of one or two directions, one or two layers,
// ragged sources and targets, and masks from all-teacher to none.
import { describe, expect, it } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { readBuffer } from '../core/readBuffer.ts';
import { Rng } from '../core/rng.ts';
import { expectClose, maxAbs, relativeError } from '../testing/compare.ts';
import { pairBatch } from '../testing/pairBatch.ts';
import { parseSeq2SeqConfig } from './config.ts';
import { initParams } from './params.ts';
import { Seq2SeqReference } from './reference.ts';
import { Seq2SeqTrainer } from './trainer.ts';
import type { PairBatch } from './pairs.ts';

const gpu = useGpu();
const TOL = 1e-4;
const CELLS = [{ cell: 'rnn', nonlinearity: 'tanh' }, { cell: 'rnn', nonlinearity: 'relu' }, { cell: 'gru' }, { cell: 'lstm' }] as const;
const ATTENTIONS = ['none', 'dot', 'general', 'additive'] as const;
const B = 3;

/** Is row r (u·B + b) a real step of its target? */
const realRow = (batch: PairBatch, r: number) => Math.floor(r / B) < batch.targetLengths[r % B];

async function compare(cfgRaw: Record<string, unknown>, seed: number, S: number, U: number, V: number, mask: Uint8Array | undefined) {
  const cfg = parseSeq2SeqConfig({ ...cfgRaw, vocab: V });
  // Larger weights than the init's (as model.test.ts): predictions that differ from the targets, so feeding them back matters.
  const params = initParams(cfg, 50 + seed).map((x) => 2 * x);
  const batch = pairBatch(V, S, U, [S, 1, S - 1], [U, 2, U - 1], 70 + seed);
  const ctx = gpu();
  const trainer = new Seq2SeqTrainer(ctx, { model: cfg, S, U, B, params, freeRunning: true });
  trainer.computeGradients(batch, mask);
  const ref = new Seq2SeqReference(cfg).lossAndGrad(Float64Array.from(params), batch, mask);
  const tokens = new Uint32Array((await readBuffer(ctx, trainer.model.decoder.input[0].tokens!, U * B)).buffer);
  const real = (r: number) => realRow(batch, r);
  expect(
    Array.from(tokens).filter((_, r) => real(r)),
    'decoder inputs',
  ).toEqual(Array.from(ref.fwd.inputs).filter((_, r) => real(r)));
  const loss = (await readBuffer(ctx, trainer.model.buffers.metrics, 1))[0];
  expect(Math.abs(loss - ref.loss) / Math.max(1, ref.loss)).toBeLessThan(TOL);
  const logits = await readBuffer(ctx, trainer.model.buffers.logits, U * B * V);
  expectClose(
    'logits',
    logits.map((v, k) => (real(Math.floor(k / V)) ? v : 0)),
    ref.fwd.logits,
    TOL,
  );
  const grads = await trainer.readGrads();
  const floor = 1e-3 * maxAbs(ref.grads);
  for (const s of trainer.model.layout.specs) {
    const [got, want] = [grads.subarray(s.offset, s.offset + s.size), ref.grads.subarray(s.offset, s.offset + s.size)];
    const { error, where } = relativeError(got, want);
    expect(error * Math.min(1, maxAbs(want) / floor), `${s.name}: ${where}`).toBeLessThan(TOL);
  }
  trainer.destroy();
  return { ref, batch };
}

/** A mask with each row teacher-forced with probability `ratio`. */
const randomMask = (U: number, ratio: number, seed: number) => {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: U * B }, () => (rng.uniform() < ratio ? 1 : 0));
};

describe('the encoder-decoder on the GPU feeding back its predictions vs the float64 reference', () => {
  let n = 0;
  for (const c of CELLS)
    for (const attention of ATTENTIONS) {
      const bidirectional = n % 2 === 1;
      const layers = 1 + (Math.floor(n / 2) % 2);
      const seed = n++;
      const [S, U, H, V] = [4 + (seed % 3), 4 + (seed % 3), [3, 5, 8][seed % 3], 6 + (seed % 5)];
      const cfg = { ...c, attention, bidirectional, layers, hidden: H, ...(attention === 'additive' ? { attentionSize: 4 } : {}) };
      it(`${c.cell}${c.cell === 'rnn' ? '/' + c.nonlinearity : ''} ${attention}${bidirectional ? ' bidirectional' : ''} L${layers} H${H} V${V} S${S} U${U}, most steps fed back`, async () => {
        const mask = randomMask(U, 0.3, 90 + seed);
        const { ref, batch } = await compare(cfg, seed, S, U, V, mask);
        // The mask made a difference: some real input is the model's own prediction, not the target's.
        const fedBack = Array.from(ref.fwd.inputs).filter((tok, r) => r >= B && realRow(batch, r) && tok !== batch.target[r - B]);
        expect(fedBack.length).toBeGreaterThan(0);
      });
    }

  it('a mask of zeros: every step after the first reads the prediction before it (greedy decoding, with gradients)', async () => {
    const U = 6;
    const { ref, batch } = await compare({ cell: 'gru', attention: 'general', layers: 2, hidden: 6 }, 3, 5, U, 8, new Uint8Array(U * B));
    for (let r = B; r < U * B; r++) if (realRow(batch, r)) expect(ref.fwd.inputs[r]).toBe(ref.fwd.predicted[r - B]);
  });

  it('a mask of ones on a model built freeRunning is full teacher forcing', async () => {
    const U = 5;
    await compare({ cell: 'lstm', attention: 'dot', hidden: 5 }, 4, 5, U, 7, new Uint8Array(U * B).fill(1));
  });

  it('a model built for full teacher forcing refuses a mask with a 0', () => {
    const cfg = parseSeq2SeqConfig({ cell: 'rnn', hidden: 4, vocab: 6 });
    const trainer = new Seq2SeqTrainer(gpu(), { model: cfg, S: 4, U: 4, B, seed: 1 });
    const batch = pairBatch(6, 4, 4, [4, 2, 3], [4, 2, 3], 5);
    expect(() => trainer.computeGradients(batch, new Uint8Array(4 * B))).toThrow(/built for full teacher forcing: build it freeRunning/);
    expect(() => trainer.computeGradients(batch, new Uint8Array(5))).toThrow(/mask holds 5 values; it must hold one per target row, 4 × 3/);
    trainer.destroy();
  });
});
