// The CPU fallback run in a session, without any GPU: its steps checked against the float64 reference
// computed directly (the first step, truncated BPTT's carried state, ragged sequences, the step after
// a loaded checkpoint), and the restore of a GPU session's snapshot. The lifecycle it shares with the
// GPU run is tested on both in session.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { charConfig, FOX, openSession, type RecordedSession } from '../testing/sessions.ts';
import { splitSteps } from '../data/split.ts';
import { decodeOptimizerState, decodeWeights } from '../recurrent/weights.ts';
import { initParams } from '../recurrent/params.ts';
import { optimizer } from '../optimizer/config.ts';
import { clipScale, newOptimizerState, optimizerStep } from '../optimizer/reference.ts';
import { RecurrentReference } from '../recurrent/reference.ts';
import type { SessionOptions } from './session.ts';
import { prepareRecurrentData, streamAfter, type RecurrentData } from './recurrentData.ts';

const LIMITS = { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 };

const open = (opts: Partial<SessionOptions> = {}) => openSession({ gpu: null, ...opts });

describe('the CPU run', () => {
  it('its first step is the reference: lossAndGrad, then optimizerStep, from initParams', async () => {
    const config = charConfig({ cell: 'gru', layers: 2, optimizer: optimizer({ kind: 'adam', lr: 0.01, clip: 0.5 }) });
    const { session, last, weights } = open();
    await session.configure(config, false);
    await session.step();

    const data = await prepareRecurrentData(config, async () => FOX, LIMITS);
    const ref = new RecurrentReference(data.model);
    const p = Float64Array.from(initParams(data.model, config.seed));
    const { loss, grads } = ref.lossAndGrad(p, data.stream()());
    const norm = clipScale(grads, 0).norm;
    expect(optimizerStep(p, grads, newOptimizerState(p.length), config.optimizer)).toBe(true);
    expect(await weights()).toEqual(Float32Array.from(p));
    const m = last('metrics')!;
    expect([m.firstStep, m.losses[0], m.gradNorms[0], m.skipped[0]]).toEqual([0, Math.fround(loss), Math.fround(norm), 0]);
  });

  it('truncated BPTT carries the state from chunk to chunk: the second chunk’s loss is the reference’s from the first’s final states', async () => {
    const config = charConfig({ cell: 'lstm', seqLen: 8, tbptt: 4, optimizer: optimizer({ kind: 'sgd', lr: 0.1 }) });
    const { session, of, errors } = open();
    await session.configure(config, false);
    await session.runSteps(2);
    const losses = of('metrics').flatMap((m) => Array.from(m.losses));

    const data = await prepareRecurrentData(config, async () => FOX, LIMITS);
    const ref = new RecurrentReference(data.model);
    const p = Float64Array.from(initParams(data.model, config.seed));
    const [c0, c1] = splitSteps(data.stream()(), 4);
    const first = ref.lossAndGrad(p, c0);
    optimizerStep(p, first.grads, newOptimizerState(p.length), config.optimizer);
    const carried = ref.lossAndGrad(p, c1, { h0: first.fwd.hT, c0: first.fwd.cT! }).loss;
    const fresh = ref.lossAndGrad(p, c1).loss;
    expect(losses).toEqual([Math.fround(first.loss), Math.fround(carried)]);
    expect(Math.abs(carried - fresh)).toBeGreaterThan(1e-4);
    expect(errors()).toEqual([]);
  });

  describe('truncated BPTT over ragged sequences (tagging: sentences ≤ 6 words in chunks of 4 of 12 steps)', () => {
    const config = charConfig({ dataset: { kind: 'task', name: 'tagging' }, cell: 'gru', seqLen: 12, tbptt: 4 });
    let s: RecordedSession;
    let data: RecurrentData;
    let losses: number[];
    beforeAll(async () => {
      data = await prepareRecurrentData(config, async () => FOX, LIMITS);
      s = open();
      await s.session.configure(config, false);
      await s.session.runSteps(9); // three batches of three chunks
      losses = s.of('metrics').flatMap((m) => Array.from(m.losses));
    });

    it('a chunk where every sequence has ended has loss 0; the others a finite one', () => {
      expect(losses).toHaveLength(9);
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses.filter((_, i) => i % 3 === 2)).toEqual([0, 0, 0]);
      expect(s.errors()).toEqual([]);
    });

    it('the validation loss is the reference’s forward over the whole sequences', async () => {
      expect(Math.min(...data.validation.lengths!)).toBeLessThanOrEqual(8); // the last chunk has sequences without a real step
      const full = new RecurrentReference(data.model).forward(Float64Array.from(await s.weights()), data.validation).loss;
      expect(s.last('validation')!.loss).toBeCloseTo(full, 5);
    });
  });

  it('the first step after a loaded checkpoint is the reference’s, from its weights and optimizer state, on the batch after its step', async () => {
    const config = charConfig({ cell: 'gru', optimizer: optimizer({ kind: 'adam', lr: 0.01, clip: 1 }) });
    const a = open();
    await a.session.configure(config, false);
    await a.session.runSteps(15);
    await a.session.handle({ type: 'saveCheckpoint' });
    const saved = a.last('checkpoint')!.checkpoint;

    const b = open();
    await b.session.handle({ type: 'loadCheckpoint', checkpoint: saved });
    await b.session.step();
    expect(b.last('metrics')!.firstStep).toBe(15);
    const model = b.last('configured')!.model;
    const data = await prepareRecurrentData(config, async () => FOX, LIMITS);
    const p = Float64Array.from(decodeWeights(new Uint8Array(saved.weights), model).params);
    const saved15 = decodeOptimizerState(new Uint8Array(saved.optimizer), model, config.optimizer);
    const state = { step: 15, m: Float64Array.from(saved15.m), v: Float64Array.from(saved15.v) };
    optimizerStep(p, new RecurrentReference(model).lossAndGrad(p, streamAfter(data, 15)()).grads, state, config.optimizer);
    expect(await b.weights()).toEqual(Float32Array.from(p));
  });

  it("restores a GPU session's snapshot (a lost device and no new one): the same weights, optimizer state and step count", async () => {
    const config = charConfig({ optimizer: optimizer({ kind: 'adam', lr: 0.01 }) });
    // A trained state, in the snapshot's form (float32 weights and optimizer state, as a GPU session holds them).
    const a = open();
    await a.session.configure(config, false);
    await a.session.runSteps(12);
    await a.session.saveCheckpoint();
    const saved = a.last('checkpoint')!.checkpoint;
    const model = a.last('configured')!.model;
    const params = decodeWeights(new Uint8Array(saved.weights), model).params;
    const state = decodeOptimizerState(new Uint8Array(saved.optimizer), model, config.optimizer);
    expect(state.step).toBe(12);

    const b = open();
    expect(await b.session.restore({ config, params, optimizer: state, step: 12, training: true })).toBe(true);
    expect(b.last('status')).toEqual({ type: 'status', status: 'paused', steps: 12 });
    await b.session.saveCheckpoint();
    const again = b.last('checkpoint')!.checkpoint;
    expect(again.step).toBe(12);
    expect(new Uint8Array(again.weights)).toEqual(new Uint8Array(saved.weights));
    expect(new Uint8Array(again.optimizer)).toEqual(new Uint8Array(saved.optimizer));
  });
});
