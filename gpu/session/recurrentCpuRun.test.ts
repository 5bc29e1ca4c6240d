// The CPU fallback session in Node, without any GPU, driven as the worker drives it: the same
// messages as the GPU session (session.test.ts), and its steps checked against the float64
// reference computed directly.
import { describe, expect, it } from 'vitest';
import { charConfig, FOX, lossesOfSteps, openSession } from '../testing/sessions.ts';
import { splitSteps } from '../data/split.ts';
import { sampleChars } from '../recurrent/generate.ts';
import { decodeOptimizerState } from '../recurrent/weights.ts';
import { decodeWeights } from '../recurrent/weights.ts';
import type { Cell } from '../recurrent/config.ts';
import { initParams } from '../recurrent/params.ts';
import { optimizer } from '../optimizer/config.ts';
import { clipScale, newOptimizerState, optimizerStep } from '../optimizer/reference.ts';
import { RecurrentReference } from '../recurrent/reference.ts';
import type { SessionOptions } from './session.ts';
import type { CpuTrainer } from '../recurrent/cpuTrainer.ts';
import { prepareRecurrentData, streamAfter } from './recurrentData.ts';
import type { SessionConfig } from './protocol.ts';

const LIMITS = { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 };

function open(opts: Partial<SessionOptions> = {}) {
  const { session, msgs, of, last } = openSession({ gpu: null, ...opts });
  const weights = async () => {
    await session.exportWeights();
    return decodeWeights(new Uint8Array(last('weights')!.bytes), last('configured')!.model).params;
  };
  const errors = () => msgs.filter((m) => m.type === 'error');
  return { session, msgs, of, last, weights, errors };
}

const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
const spread = (a: Float32Array) => Math.max(...a) - Math.min(...a);
const CHANNELS: Record<Cell, string[]> = { rnn: ['h'], gru: ['h', 'r', 'z'], lstm: ['h', 'i', 'f', 'o', 'c'] };

describe('CpuSession', () => {
  for (const cell of ['rnn', 'gru', 'lstm'] as Cell[])
    it(`trains a character ${cell}: falling losses, metrics windows, validation, heatmap`, async () => {
      const { session, of, last, msgs, errors } = open();
      await session.handle({ type: 'configure', config: charConfig({ cell }), keepWeights: false });
      expect(msgs.map((m) => m.type)).toEqual(['configured', 'status']);
      const cfg = last('configured')!;
      expect(cfg.stepLabels).toHaveLength(8);
      expect(cfg.vocabulary).toContain(' ');
      expect(last('status')).toEqual({ type: 'status', status: 'idle', steps: 0 });
      await session.runSteps(30);
      expect(of('metrics').map((m) => [m.firstStep, m.losses.length])).toEqual([
        [0, 10],
        [10, 10],
        [20, 10],
      ]);
      expect(of('metrics').every((m) => m.msPerStep > 0 && m.tokensPerSec > 0 && m.skipped.every((s) => s === 0))).toBe(true);
      const losses = of('metrics').flatMap((m) => Array.from(m.losses));
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)));
      expect(
        of('metrics')
          .flatMap((m) => Array.from(m.gradNorms))
          .every((g) => g > 0),
      ).toBe(true);
      expect(of('validation').map((v) => v.step)).toEqual([20, 30]);
      expect(Number.isFinite(last('validation')!.loss)).toBe(true);
      const heat = last('heatmap')!;
      expect(heat.T).toBe(8);
      expect(heat.channels.map((c) => c.name)).toEqual(CHANNELS[cell]);
      for (const c of heat.channels) {
        expect(c.units).toBe(12);
        expect(c.values).toHaveLength(8 * 12);
        expect(c.values.every(Number.isFinite)).toBe(true);
        expect(spread(c.values)).toBeGreaterThan(1e-3);
      }
      for (const gate of heat.channels.filter((c) => c.name !== 'h' && c.name !== 'c')) expect(gate.values.every((v) => v > 0 && v < 1)).toBe(true);
      expect(last('status')).toEqual({ type: 'status', status: 'paused', steps: 30 });
      expect(errors()).toEqual([]);
    });

  for (const task of ['copy', 'adding'] as const)
    it(`${task} task (${task === 'copy' ? 'tokens' : 'real inputs'}), 2-layer lstm: heatmap and labels`, async () => {
      const { session, last, errors } = open();
      await session.configure(charConfig({ dataset: { kind: 'task', name: task }, cell: 'lstm', layers: 2, hidden: 8, seqLen: 10, tbptt: 10 }), false);
      expect(last('configured')!.stepLabels).toHaveLength(10);
      expect(last('configured')!.baseline).toBeGreaterThan(0);
      await session.step();
      const heat = last('heatmap')!;
      expect(heat.channels.map((c) => [c.name, c.values.length])).toEqual(CHANNELS.lstm.map((n) => [n, 80]));
      expect(last('status')).toEqual({ type: 'status', status: 'paused', steps: 1 });
      expect(errors()).toEqual([]);
    });

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

  it('truncated BPTT carries the state from chunk to chunk (and the heatmap covers the last chunk)', async () => {
    const config = charConfig({ cell: 'lstm', seqLen: 8, tbptt: 4, optimizer: optimizer({ kind: 'sgd', lr: 0.1 }) });
    const { session, of, last, errors } = open();
    await session.configure(config, false);
    expect(last('configured')!.stepLabels).toHaveLength(4);
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
    expect(last('heatmap')!.T).toBe(4);
    expect(last('heatmap')!.channels.every((c) => c.values.length === 4 * 12)).toBe(true);
    expect(errors()).toEqual([]);
  });

  it('truncated BPTT over ragged sequences (tagging): chunks where sequences have ended, validation = the full forward', async () => {
    const config = charConfig({ dataset: { kind: 'task', name: 'tagging' }, cell: 'gru', seqLen: 12, tbptt: 4 });
    const data = await prepareRecurrentData(config, async () => FOX, LIMITS);
    expect(Math.min(...data.validation.lengths!)).toBeLessThanOrEqual(8); // the last chunk has sequences without a real step
    const { session, of, last, weights, errors } = open();
    await session.configure(config, false);
    await session.runSteps(9); // three batches; chunk 3 of a training batch has no real step (sentences ≤ 6)
    const losses = of('metrics').flatMap((m) => Array.from(m.losses));
    expect(losses).toHaveLength(9);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.filter((_, i) => i % 3 === 2)).toEqual([0, 0, 0]);
    expect(errors()).toEqual([]);
    const full = new RecurrentReference(data.model).forward(Float64Array.from(await weights()), data.validation).loss;
    expect(last('validation')!.loss).toBeCloseTo(full, 5);
  });

  it('train and pause through messages; a train while training is a no-op', async () => {
    const { session, of, last, errors } = open({ sliceMs: 5 });
    await session.handle({ type: 'configure', config: charConfig(), keepWeights: false });
    await session.handle({ type: 'train' });
    expect(last('status')!.status).toBe('training');
    await session.handle({ type: 'train' });
    while (of('metrics').length < 2) await new Promise((r) => setTimeout(r, 2));
    await session.handle({ type: 'pause' });
    expect(last('status')).toEqual({ type: 'status', status: 'paused', steps: session.steps });
    expect(last('validation')!.step).toBe(session.steps);
    expect(of('metrics').flatMap((m) => Array.from(m.losses))).toHaveLength(session.steps);
    expect(errors()).toEqual([]);
  });

  it('samples (deterministic, from the float32 weights); sampling a task is refused', async () => {
    const { session, last, weights } = open();
    await session.configure(charConfig({ cell: 'gru', layers: 2, hidden: 16 }), false);
    await session.runSteps(3);
    await session.handle({ type: 'sample', prompt: 'the Qfox', temperature: 0.8, length: 50 });
    const s = last('sample')!;
    expect([s.prompt, s.step]).toEqual(['the fox', 3]);
    const vocab = last('configured')!.vocabulary!;
    const ids = Uint32Array.from(Array.from(s.prompt), (c) => vocab.indexOf(c));
    const expected = sampleChars(last('configured')!.model, await weights(), ids, 50, 0.8, 0);
    expect(s.text).toBe(Array.from(expected, (i) => vocab[i]).join(''));

    await session.configure(charConfig({ dataset: { kind: 'task', name: 'tagging' }, seqLen: 12, tbptt: 12 }), false);
    await session.handle({ type: 'sample', prompt: 'x', temperature: 1, length: 10 });
    expect(last('error')).toMatchObject({ fatal: false, message: expect.stringMatching(/character models/) });
  });

  it('exports and imports weights (round trip); refuses a wrong file', async () => {
    const { session, last, weights } = open();
    await session.configure(charConfig(), false);
    await session.runSteps(3);
    const before = await weights();
    const bytes = last('weights')!.bytes.slice(0);
    await session.runSteps(3);
    expect(await weights()).not.toEqual(before);
    await session.handle({ type: 'importWeights', bytes });
    expect(await weights()).toEqual(before);
    expect(last('status')).toEqual({ type: 'status', status: 'paused', steps: 6 });

    await session.importWeights(new Uint8Array([1, 2, 3]).buffer);
    expect(last('error')).toMatchObject({ fatal: false, message: expect.stringMatching(/^Cannot load these weights/) });
    const other = open();
    await other.session.configure(charConfig({ hidden: 24 }), false);
    await other.session.importWeights(bytes.slice(0));
    expect(other.last('error')!.message).toMatch(/shape/);
  });

  it('a stop with nothing trained since the last validation does not validate the same weights again', async () => {
    const { session, of } = open();
    await session.configure(charConfig(), false);
    await session.runSteps(20);
    const before = of('validation').length;
    await session.runSteps(0);
    expect(of('validation')).toHaveLength(before);
    await session.runSteps(1);
    expect(of('validation').at(-1)!.step).toBe(21);
  });

  it('a restored session trains on the batches that come next: the same losses as the run that went on', async () => {
    const config = charConfig({ cell: 'gru', tbptt: 4, optimizer: optimizer({ kind: 'adam', lr: 0.02, clip: 1 }) });
    const a = open();
    await a.session.configure(config, false);
    await a.session.runSteps(6); // three batches of two chunks
    await a.session.handle({ type: 'saveCheckpoint' });
    const saved = a.last('checkpoint')!.checkpoint;
    await a.session.runSteps(4);
    const b = open();
    await b.session.handle({ type: 'loadCheckpoint', checkpoint: saved });
    await b.session.runSteps(4);
    const went = lossesOfSteps(a.of('metrics'), 6, 4);
    expect(went.every(Number.isFinite)).toBe(true);
    expect(lossesOfSteps(b.of('metrics'), 6, 4)).toEqual(went);
  });

  it('a saved checkpoint rebuilds the session in a new CpuSession: weights, optimizer state, step count', async () => {
    const config = charConfig({ cell: 'gru', optimizer: optimizer({ kind: 'adam', lr: 0.01, clip: 1 }) });
    const a = open();
    await a.session.configure(config, false);
    await a.session.runSteps(15);
    await a.session.handle({ type: 'saveCheckpoint' });
    const saved = a.last('checkpoint')!.checkpoint;
    expect(saved.step).toBe(15);

    const b = open();
    await b.session.handle({ type: 'loadCheckpoint', checkpoint: saved });
    expect(b.last('configured')!.model.cell).toBe('gru');
    expect(b.last('status')).toEqual({ type: 'status', status: 'paused', steps: 15 });
    await b.session.saveCheckpoint();
    const again = b.last('checkpoint')!.checkpoint;
    expect(new Uint8Array(again.weights)).toEqual(new Uint8Array(saved.weights));
    expect(new Uint8Array(again.optimizer)).toEqual(new Uint8Array(saved.optimizer));
    const model = b.last('configured')!.model;
    const saved15 = decodeOptimizerState(new Uint8Array(again.optimizer), model, config.optimizer);
    expect(saved15.step).toBe(15);
    // The next step uses the restored optimizer state, on the batch that comes after step 15's.
    await b.session.step();
    expect(b.last('metrics')!.firstStep).toBe(15);
    const data = await prepareRecurrentData(config, async () => FOX, LIMITS);
    const p = Float64Array.from(decodeWeights(new Uint8Array(saved.weights), model).params);
    const state = { step: 15, m: Float64Array.from(saved15.m), v: Float64Array.from(saved15.v) };
    optimizerStep(p, new RecurrentReference(model).lossAndGrad(p, streamAfter(data, 15)()).grads, state, config.optimizer);
    expect(await b.weights()).toEqual(Float32Array.from(p));
    await b.session.runSteps(4);

    await b.session.handle({ type: 'loadCheckpoint', checkpoint: { ...saved, config: { ...saved.config, hidden: 7 } } as typeof saved });
    expect(b.last('error')!.message).toMatch(/Cannot restore the saved session: .*shape/);
    expect(b.session.steps).toBe(20);
  });

  it("restores a GPU session's snapshot (a lost device and no new one): weights, optimizer state, step count", async () => {
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

  it('refuses bad settings with the field or limit named, keeping the current model', async () => {
    const { session, last, weights } = open({ limits: { maxStorageBufferBindingSize: 65536 } });
    await session.configure(charConfig(), false);
    await session.runSteps(3);
    const params = await weights();
    const refusals: [Partial<SessionConfig>, RegExp][] = [
      [{ tbptt: 5 }, /^Settings refused: tbptt: must divide seqLen \(8\)/],
      [{ dataset: { kind: 'task', name: 'adding' }, tbptt: 4 }, /tbptt: truncated BPTT .*sequence's end/],
      // The limit check is shared with the GPU session; the CPU's refusal names no GPU.
      [
        { hidden: 512 },
        /^Settings refused: this model needs an array of [\d.]+ [KM]iB for its .*, more than the CPU fallback allows for one array \(65536 bytes, 64\.0 KiB\)/,
      ],
      [{ seqLen: 1000, tbptt: 1000 }, /too short for sequences of 1000/],
    ];
    for (const [over, message] of refusals) {
      expect(await session.configure(charConfig(over), true)).toBe(false);
      expect(last('error')).toMatchObject({ fatal: false, message: expect.stringMatching(message) });
    }
    expect(session.steps).toBe(3);
    expect(await weights()).toEqual(params);
    await session.runSteps(2); // still trains
    expect(last('status')).toEqual({ type: 'status', status: 'paused', steps: 5 });
  });

  it('keepWeights carries the weights when the shapes match; reset starts afresh', async () => {
    const { session, last, weights } = open();
    await session.configure(charConfig(), false);
    await session.runSteps(3);
    const trained = await weights();
    await session.configure(charConfig({ optimizer: optimizer({ kind: 'sgd', lr: 0.1 }), batchSize: 2 }), true);
    expect(await weights()).toEqual(trained);
    expect(session.steps).toBe(0);
    await session.handle({ type: 'reset' });
    expect(last('status')).toEqual({ type: 'status', status: 'idle', steps: 0 });
    expect(await weights()).toEqual(initParams(last('configured')!.model, 1));
  });

  it('a non-finite loss pauses, restores the last good weights and optimizer state, and says so', async () => {
    const { session, msgs, of, last, weights } = open();
    await session.configure(charConfig(), false);
    await session.runSteps(20); // ends with a validation: the last good checkpoint
    const good = await weights();
    await session.saveCheckpoint();
    const goodOptimizer = new Uint8Array(last('checkpoint')!.checkpoint.optimizer);
    (session.trainer as CpuTrainer).params.set(new Float64Array(good.length).fill(NaN));
    const from = msgs.length;
    await session.runSteps(30);
    expect(msgs.slice(from).filter((m) => m.type === 'error')).toHaveLength(1);
    const error = last('error')!;
    expect(error.fatal).toBe(false);
    expect(error.message).toMatch(
      /diverged at step 20 \(the loss became NaN\).*restored the weights of step 20.*lower learning rate \(now 0.02\) or gradient clipping/,
    );
    expect(
      of('metrics')
        .slice(2)
        .map((m) => [m.firstStep, m.losses.length, m.skipped[0]]),
    ).toEqual([[20, 1, 1]]);
    expect(of('metrics')[2].losses[0]).toBeNaN();
    expect(await weights()).toEqual(good);
    await session.saveCheckpoint();
    expect(new Uint8Array(last('checkpoint')!.checkpoint.optimizer)).toEqual(goodOptimizer);
    expect(last('status')).toEqual({ type: 'status', status: 'paused', steps: 21 });
    expect(Number.isFinite(last('validation')!.loss)).toBe(true);
    await session.runSteps(3); // trains on from the restored weights
    expect(of('metrics').at(-1)!.losses.every(Number.isFinite)).toBe(true);
  });

  it('messages before a configuration are refused without a crash', async () => {
    const { session, last } = open();
    await session.handle({ type: 'train' });
    expect(last('error')).toEqual({ type: 'error', message: 'No model yet: send a configuration first.', fatal: false });
  });
});
