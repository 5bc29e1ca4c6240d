// The training session in Node (Dawn), driven directly as the worker does: configure, train,
// validate and heatmap, sampling, weights in and out, refusals, and the roll-back after divergence.
import { describe, expect, it } from 'vitest';
import { charConfig as smallCharConfig, lossesOfSteps, openSession } from '../testing/sessions.ts';
import { useGpu } from '../testing/gpu.ts';
import { sampleChars } from '../recurrent/generate.ts';
import { initParams } from '../recurrent/params.ts';
import { optimizer } from '../optimizer/config.ts';
import type { Cell } from '../recurrent/config.ts';
import { requestNodeDevice } from '../core/device.node.ts';
import type { GpuContext } from '../core/context.ts';
import type { TrainingSession, SessionOptions } from './session.ts';
import type { RecurrentTrainer } from '../recurrent/trainer.ts';
import type { SessionConfig } from './protocol.ts';

const gpu = useGpu();

/** The GPU tests' character model: larger than the CPU fixture's. */
const charConfig = (over: Partial<SessionConfig> = {}): SessionConfig =>
  smallCharConfig({ hidden: 32, seqLen: 16, tbptt: 16, batchSize: 8, optimizer: optimizer({ lr: 0.01 }), ...over });

/** A session on the file's device, or on `ctx` (a second device, as after a device loss). */
const open = (opts: Partial<SessionOptions> = {}, ctx: GpuContext = gpu()) => openSession({ gpu: ctx, ...opts });

/** The GPU trainer behind a session (its weights and optimizer state). */
const trainerOf = (s: TrainingSession) => s.trainer as RecurrentTrainer;

const spread = (a: Float32Array) => Math.max(...a) - Math.min(...a);
const CHANNELS: Record<Cell, string[]> = { rnn: ['h'], gru: ['h', 'r', 'z'], lstm: ['h', 'i', 'f', 'o', 'c'] };

describe('TrainingSession', () => {
  it('trains a character model: falling losses, validation, heatmap, labels', async () => {
    const { session, of, last } = open();
    expect(await session.configure(charConfig(), false)).toBe(true);
    const cfg = last('configured')!;
    expect(cfg.stepLabels).toHaveLength(16);
    expect(cfg.vocabulary).toContain(' ');
    expect(cfg.stepLabels.join('')).toMatch(/^[a-z.␣⏎]+$/);
    await session.runSteps(60);
    const losses = of('metrics').flatMap((m) => Array.from(m.losses));
    expect(losses).toHaveLength(60);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(of('metrics').every((m) => m.msPerStep > 0 && m.tokensPerSec > 0)).toBe(true);
    const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
    expect(mean(losses.slice(-10))).toBeLessThan(mean(losses.slice(0, 10)) - 0.5);
    expect(of('validation').map((v) => v.step)).toEqual([20, 40, 60]);
    expect(Number.isFinite(last('validation')!.loss)).toBe(true);
    const heat = last('heatmap')!;
    expect(heat.T).toBe(16);
    expect(heat.channels.map((c) => c.name)).toEqual(['h']);
    expect(heat.channels[0].values).toHaveLength(16 * 32);
    expect(spread(heat.channels[0].values)).toBeGreaterThan(0.1);
    expect(last('status')).toEqual({ type: 'status', status: 'paused', steps: 60 });
    await session.dispose();
  });

  it('truncated BPTT: the heatmap and labels cover the last chunk; train/pause through messages', async () => {
    const { session, msgs, of, last } = open();
    await session.handle({ type: 'configure', config: charConfig({ seqLen: 16, tbptt: 4, cell: 'lstm' }), keepWeights: false });
    expect(last('configured')!.stepLabels).toHaveLength(4);
    await session.handle({ type: 'train' });
    expect(last('status')!.status).toBe('training');
    while (of('metrics').length < 3) await new Promise((r) => setTimeout(r, 5));
    await session.handle({ type: 'pause' });
    expect(last('status')!.status).toBe('paused');
    const heat = last('heatmap')!;
    expect(heat.T).toBe(4);
    expect(heat.channels.every((c) => c.values.length === 4 * 32)).toBe(true);
    expect(Number.isFinite(last('validation')!.loss)).toBe(true);
    expect(msgs.filter((m) => m.type === 'error')).toEqual([]);
    await session.dispose();
  });

  it('a validation mid-batch leaves the carried state of truncated BPTT as it was', async () => {
    const config = charConfig({ seqLen: 16, tbptt: 4, cell: 'gru' });
    const paused = open();
    await paused.session.configure(config, false);
    await paused.session.runSteps(2); // stops after chunk 2 of 4, and validates
    await paused.session.runSteps(2);
    const straight = open({ validateEvery: 1000 });
    await straight.session.configure(config, false);
    await straight.session.runSteps(4);
    expect(paused.of('validation')).toHaveLength(2);
    expect(await trainerOf(paused.session).readParams()).toEqual(await trainerOf(straight.session).readParams());
    await paused.session.dispose();
    await straight.session.dispose();
  });

  for (const task of ['copy', 'adding'] as const)
    for (const cell of ['rnn', 'gru', 'lstm'] as Cell[])
      it(`${task} task, ${cell}: heatmap channels and step labels`, async () => {
        const { session, msgs, last } = open();
        const T = 10;
        await session.configure(charConfig({ dataset: { kind: 'task', name: task }, cell, hidden: 8, seqLen: T, tbptt: T }), false);
        const cfg = last('configured')!;
        expect(cfg.stepLabels).toHaveLength(T);
        expect(cfg.vocabulary).toBeNull();
        expect(cfg.baseline).toBeGreaterThan(0);
        if (task === 'adding') expect(cfg.stepLabels.filter((l) => l.endsWith('*'))).toHaveLength(2);
        await session.step();
        const heat = last('heatmap')!;
        expect(heat.channels.map((c) => c.name)).toEqual(CHANNELS[cell]);
        for (const c of heat.channels) {
          expect(c.units).toBe(8);
          expect(c.values).toHaveLength(T * 8);
          expect(spread(c.values)).toBeGreaterThan(1e-4);
        }
        expect(last('status')).toEqual({ type: 'status', status: 'paused', steps: 1 });
        expect(msgs.filter((m) => m.type === 'error')).toEqual([]);
        await session.dispose();
      });

  for (const cell of ['rnn', 'gru', 'lstm'] as Cell[])
    it(`samples from a 2-layer ${cell}: vocabulary characters, deterministic`, async () => {
      const { session, last } = open();
      await session.configure(charConfig({ cell, layers: 2, hidden: 16 }), false);
      await session.runSteps(3);
      await session.sample('the Qfox', 0.8, 50);
      const s = last('sample')!;
      expect(s.prompt).toBe('the fox'); // 'Q' is not in the text
      expect(Array.from(s.text)).toHaveLength(50);
      const vocab = last('configured')!.vocabulary!;
      expect(Array.from(s.text).every((c) => vocab.includes(c))).toBe(true);
      const params = await trainerOf(session).readParams();
      const ids = Uint32Array.from(Array.from(s.prompt), (c) => vocab.indexOf(c));
      const expected = sampleChars(last('configured')!.model, params, ids, 50, 0.8, 0); // the first sample uses seed 0
      expect(s.text).toBe(Array.from(expected, (i) => vocab[i]).join(''));
      await session.dispose();
    });

  it('sampling a task is refused', async () => {
    const { session, last } = open();
    await session.configure(charConfig({ dataset: { kind: 'task', name: 'tagging' }, seqLen: 12, tbptt: 12 }), false);
    await session.sample('x', 1, 10);
    expect(last('error')).toMatchObject({ fatal: false, message: expect.stringMatching(/character models/) });
    await session.dispose();
  });

  it('exports and imports weights (round trip); refuses a wrong file', async () => {
    const { session, last } = open();
    await session.configure(charConfig(), false);
    await session.runSteps(3);
    const before = await trainerOf(session).readParams();
    await session.exportWeights();
    const bytes = last('weights')!.bytes;
    await session.runSteps(3);
    expect(await trainerOf(session).readParams()).not.toEqual(before);
    await session.importWeights(bytes.slice(0));
    expect(await trainerOf(session).readParams()).toEqual(before);
    expect(last('status')!.status).toBe('paused');

    await session.importWeights(new Uint8Array([1, 2, 3]).buffer);
    expect(last('error')).toMatchObject({ fatal: false, message: expect.stringMatching(/^Cannot load these weights/) });
    const other = open();
    await other.session.configure(charConfig({ hidden: 24 }), false);
    await other.session.importWeights(bytes.slice(0));
    expect(other.last('error')!.message).toMatch(/shape/);
    await other.session.dispose();
    await session.dispose();
  });

  it('keepWeights carries the weights when the shapes match, not otherwise', async () => {
    const { session } = open();
    await session.configure(charConfig(), false);
    await session.runSteps(3);
    const trained = await trainerOf(session).readParams();
    await session.configure(charConfig({ optimizer: optimizer({ kind: 'sgd', lr: 0.1 }), batchSize: 4 }), true);
    expect(await trainerOf(session).readParams()).toEqual(trained);
    expect(trainerOf(session).steps).toBe(0);
    const wider = charConfig({ hidden: 24 });
    await session.configure(wider, true);
    const fresh = await trainerOf(session).readParams();
    expect(fresh).toHaveLength(trainerOf(session).model.layout.total);
    expect(fresh).toEqual(initParams(trainerOf(session).model.cfg, wider.seed));
    await session.dispose();
  });

  it('refuses bad settings with the field or limit named, keeping the current trainer', async () => {
    const { session, last } = open({ limits: { maxStorageBufferBindingSize: 65536 } });
    await session.configure(charConfig(), false);
    const trainer = session.trainer as RecurrentTrainer;
    const params = await trainer!.readParams();
    const refusals: [Partial<SessionConfig>, RegExp][] = [
      [{ tbptt: 5 }, /tbptt: must divide seqLen \(16\)/],
      [{ dataset: { kind: 'task', name: 'adding' }, tbptt: 8 }, /tbptt: truncated BPTT .*sequence's end/],
      [{ hidden: 512 }, /maxStorageBufferBindingSize of 65536 bytes/],
      [{ seqLen: 1000, tbptt: 1000 }, /too short for sequences of 1000/],
      [{ dataset: { kind: 'task', name: 'nope' as 'copy' } }, /dataset: unknown task/],
    ];
    for (const [over, message] of refusals) {
      expect(await session.configure(charConfig(over), true)).toBe(false);
      expect(last('error')).toMatchObject({ fatal: false, message: expect.stringMatching(message) });
      expect(session.trainer).toBe(trainer);
    }
    expect(await trainer!.readParams()).toEqual(params);
    await session.runSteps(2); // still trains
    expect(last('status')).toEqual({ type: 'status', status: 'paused', steps: 2 });
    await session.dispose();
  });

  it('snapshot, dispose, restore on a new device (the device-loss recovery): same weights, optimizer state and step', async () => {
    const a = open();
    await a.session.configure(charConfig({ cell: 'lstm', optimizer: optimizer({ kind: 'adam', lr: 0.01, clip: 1 }) }), false);
    await a.session.runSteps(20); // ends with a validation: the last good checkpoint
    const want = await trainerOf(a.session).readCheckpoint();
    expect(want.optimizer.step).toBe(20);
    const snapshot = a.session.snapshot()!;
    expect(snapshot).toMatchObject({ step: 20, training: false });
    expect(snapshot.params).toEqual(want.params);
    expect(snapshot.optimizer).toEqual(want.optimizer);
    await a.session.dispose();

    const device = await requestNodeDevice();
    try {
      const b = open({}, device);
      expect(await b.session.restore(snapshot)).toBe(true);
      expect(b.of('configured')).toEqual([]);
      expect(b.last('status')).toEqual({ type: 'status', status: 'paused', steps: 20 });
      expect(await trainerOf(b.session).readParams()).toEqual(want.params);
      const restored = await trainerOf(b.session).readOptimizerState();
      expect(restored).toEqual(want.optimizer); // step 20, skippedTotal, m and v, bit for bit
      expect(restored.m.some((x) => x !== 0) && restored.v.some((x) => x !== 0)).toBe(true);
      // Training goes on from step 20 with that state: Adam's step count continues (a fresh one would be 5).
      await b.session.runSteps(5);
      expect(b.of('metrics').map((m) => [m.firstStep, m.losses.length])).toEqual([[20, 5]]);
      expect((await trainerOf(b.session).readOptimizerState()).step).toBe(25);
      await b.session.dispose();
      expect(device.errors).toEqual([]);
      expect(device.lostReason).toBeNull();
    } finally {
      device.device.destroy();
    }
  });

  it('a stop with nothing trained since the last validation does not validate the same weights again', async () => {
    const { session, of } = open();
    await session.configure(charConfig(), false);
    await session.runSteps(20); // ends with a validation at step 20
    const before = of('validation').length;
    await session.runSteps(0); // a loop that trains nothing, as a pause right after a periodic validation
    expect(of('validation')).toHaveLength(before);
    expect(
      of('heatmap')
        .map((h) => h.step)
        .filter((s) => s === 20),
    ).toHaveLength(1);
    await session.runSteps(1);
    expect(of('validation').at(-1)!.step).toBe(21);
    await session.dispose();
  });

  it('a non-finite loss pauses, restores the last good weights and says so', async () => {
    const { session, msgs, last } = open();
    await session.configure(charConfig(), false);
    await session.runSteps(20); // ends with a validation: the last good checkpoint
    const good = await trainerOf(session).readParams();
    trainerOf(session).setParams(new Float32Array(good.length).fill(NaN));
    msgs.length = 0;
    await session.runSteps(30);
    const error = last('error')!;
    expect(error.fatal).toBe(false);
    expect(error.message).toMatch(/diverged at step 20 .*restored the weights of step 20.*lower learning rate/);
    expect(await trainerOf(session).readParams()).toEqual(good);
    expect(last('status')!.status).toBe('paused');
    expect(Number.isFinite(last('validation')!.loss)).toBe(true);
    await session.dispose();
  });

  for (const tbptt of [16, 8])
    it(`a restored session trains on the batches that come next: the same losses as the run that went on (TBPTT ${tbptt} of 16)`, async () => {
      const config = charConfig({ cell: 'gru', tbptt, optimizer: optimizer({ kind: 'adam', lr: 0.01, clip: 1 }) });
      const a = open();
      await a.session.configure(config, false);
      await a.session.runSteps(14); // a whole number of batches either way
      await a.session.handle({ type: 'saveCheckpoint' });
      const saved = a.last('checkpoint')!.checkpoint;
      await a.session.runSteps(5);
      const b = open();
      await b.session.handle({ type: 'loadCheckpoint', checkpoint: saved });
      await b.session.runSteps(5);
      const went = lossesOfSteps(a.of('metrics'), 14, 5);
      expect(went.every(Number.isFinite)).toBe(true);
      expect(lossesOfSteps(b.of('metrics'), 14, 5)).toEqual(went);
      await Promise.all([a.session.dispose(), b.session.dispose()]);
    });

  it('a saved checkpoint rebuilds the session in a new one: settings, weights, optimizer state, step count', async () => {
    const a = open();
    await a.session.configure(charConfig({ cell: 'gru', optimizer: optimizer({ kind: 'adam', lr: 0.01, clip: 1 }) }), false);
    await a.session.runSteps(15);
    await a.session.handle({ type: 'saveCheckpoint' });
    const saved = a.last('checkpoint')!.checkpoint;
    expect(saved.step).toBe(15);
    const want = await trainerOf(a.session).readCheckpoint();

    const b = open();
    await b.session.handle({ type: 'loadCheckpoint', checkpoint: saved });
    expect(b.last('configured')!.model.cell).toBe('gru');
    expect(b.last('status')).toEqual({ type: 'status', status: 'paused', steps: 15 });
    const got = await trainerOf(b.session).readCheckpoint();
    expect(got.params).toEqual(want.params);
    expect(got.optimizer.m).toEqual(want.optimizer.m);
    expect(got.optimizer.v).toEqual(want.optimizer.v);
    expect(got.optimizer.step).toBe(15);
    await b.session.runSteps(5);
    expect(b.of('metrics')[0].firstStep).toBe(15);

    // A checkpoint that does not fit its own settings is refused; the session stays as it was.
    await b.session.handle({ type: 'loadCheckpoint', checkpoint: { ...saved, config: { ...saved.config, hidden: 7 } } as typeof saved });
    expect(b.last('error')!.message).toMatch(/Cannot restore the saved session: .*shape/);
    expect(trainerOf(b.session).steps).toBe(20);
    await Promise.all([a.session.dispose(), b.session.dispose()]);
  });
});
