// The encoder-decoder on the GPU against its float64 reference (teacher forcing, mask all ones): the
// loss, the logits, the alignment and every parameter's gradient within 1e-4 of each tensor's max
// |value|, for every cell × attention kind, encoders of one or two directions and one or two layers,
// on ragged sources and targets whose padding holds junk.
import { describe, expect, it } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { readBuffer } from '../core/readBuffer.ts';
import { expectClose } from '../testing/compare.ts';
import { pairBatch } from '../testing/pairBatch.ts';
import { parseSeq2SeqConfig } from './config.ts';
import { initParams } from './params.ts';
import { Seq2SeqReference } from './reference.ts';
import { Seq2SeqTrainer } from './trainer.ts';

const gpu = useGpu();
const TOL = 1e-4;
const CELLS = [{ cell: 'rnn', nonlinearity: 'tanh' }, { cell: 'rnn', nonlinearity: 'relu' }, { cell: 'gru' }, { cell: 'lstm' }] as const;
const ATTENTIONS = ['none', 'dot', 'general', 'additive'] as const;

describe('the encoder-decoder on the GPU vs the float64 reference', () => {
  let n = 0;
  for (const c of CELLS)
    for (const attention of ATTENTIONS) {
      const bidirectional = n % 2 === 1;
      const layers = 1 + (Math.floor(n / 2) % 2);
      const seed = n++;
      const [S, U, H, V] = [4 + (seed % 3), 3 + (seed % 4), [3, 5, 8][seed % 3], 6 + (seed % 5)];
      it(`${c.cell}${c.cell === 'rnn' ? '/' + c.nonlinearity : ''} ${attention}${bidirectional ? ' bidirectional' : ''} L${layers} H${H} V${V} S${S} U${U}`, async () => {
        const cfg = parseSeq2SeqConfig({
          ...c,
          attention,
          bidirectional,
          layers,
          hidden: H,
          vocab: V,
          ...(attention === 'additive' ? { attentionSize: 4 } : {}),
        });
        const params = initParams(cfg, 50 + seed).map((x) => 2 * x);
        const batch = pairBatch(V, S, U, [S, 1, S - 1], [U, 2, 1], 70 + seed);
        const ctx = gpu();
        const trainer = new Seq2SeqTrainer(ctx, { model: cfg, S, U, B: 3, params });
        trainer.computeGradients(batch);
        const ref = new Seq2SeqReference(cfg).lossAndGrad(Float64Array.from(params), batch);
        const loss = (await readBuffer(ctx, trainer.model.buffers.metrics, 1))[0];
        expect(Math.abs(loss - ref.loss) / Math.max(1, ref.loss)).toBeLessThan(TOL);
        const real = (r: number) => Math.floor(r / 3) < batch.targetLengths[r % 3];
        const logits = await readBuffer(ctx, trainer.model.buffers.logits, U * 3 * V);
        expectClose(
          'logits',
          logits.map((v, k) => (real(Math.floor(k / V)) ? v : 0)),
          ref.fwd.logits,
          TOL,
        );
        if (trainer.model.alignment) {
          const alignment = await readBuffer(ctx, trainer.model.alignment, U * 3 * S);
          expectClose(
            'alignment',
            alignment.map((v, k) => (real(Math.floor(k / S)) ? v : 0)),
            ref.fwd.attention,
            TOL,
          );
        }
        const grads = await trainer.readGrads();
        for (const s of trainer.model.layout.specs)
          expectClose(s.name, grads.subarray(s.offset, s.offset + s.size), ref.grads.subarray(s.offset, s.offset + s.size), TOL);
        trainer.destroy();
      });
    }
});
