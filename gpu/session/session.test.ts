// The session lifecycle of a recurrent model, driven as the worker drives it, on the GPU (Node, Dawn)
// and on the CPU fallback alike: configure and what it announces, train and pause, validation and the
// heatmap, sampling. Weights and optimizer state in and out of a session are in session.state.test.ts;
// the CPU run's steps against the float64 reference in recurrentCpuRun.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { charConfig, openSession, type RecordedSession } from '../testing/sessions.ts';
import { useGpu } from '../testing/gpu.ts';
import { sampleChars } from '../recurrent/generate.ts';
import { optimizer } from '../optimizer/config.ts';
import type { Cell } from '../recurrent/config.ts';
import type { SessionOptions } from './session.ts';

const gpu = useGpu();
const open = (backend: 'gpu' | 'cpu', opts: Partial<SessionOptions> = {}) => openSession({ gpu: backend === 'gpu' ? gpu() : null, ...opts });

const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
const spread = (a: Float32Array) => Math.max(...a) - Math.min(...a);
const CHANNELS: Record<Cell, string[]> = { rnn: ['h'], gru: ['h', 'r', 'z'], lstm: ['h', 'i', 'f', 'o', 'c'] };

/** What each backend trains on the character text: the GPU a larger model for longer, the CPU every cell. */
const TRAINING = {
  gpu: {
    cells: ['rnn'],
    config: { hidden: 32, seqLen: 16, tbptt: 16, batchSize: 8, optimizer: optimizer({ lr: 0.01 }) },
    steps: 60,
    validations: [20, 40, 60],
    /** The mean loss of the last `lossWindow` steps is `drop` below the first ones' (nats). */
    lossWindow: 10,
    drop: 0.5,
    minSpread: 0.1,
  },
  cpu: { cells: ['rnn', 'gru', 'lstm'], config: {}, steps: 30, validations: [20, 30], lossWindow: 5, drop: 0, minSpread: 1e-3 },
} as const;

for (const backend of ['gpu', 'cpu'] as const)
  describe(`TrainingSession (${backend})`, () => {
    const plan = TRAINING[backend];
    for (const cell of plan.cells)
      describe(`trains a character ${cell} for ${plan.steps} steps`, () => {
        let s: RecordedSession;
        let losses: number[];
        beforeAll(async () => {
          s = open(backend);
          await s.session.handle({ type: 'configure', config: charConfig({ cell, ...plan.config }), keepWeights: false });
          await s.session.runSteps(plan.steps);
          losses = s.of('metrics').flatMap((m) => Array.from(m.losses));
          await s.session.dispose();
        });

        it('announces one step label per time step, from the text’s characters', () => {
          const T = charConfig(plan.config).seqLen;
          expect(s.msgs.slice(0, 2).map((m) => m.type)).toEqual(['configured', 'status']);
          expect(s.of('status')[0]).toEqual({ type: 'status', status: 'idle', steps: 0 });
          const cfg = s.last('configured')!;
          expect(cfg.vocabulary).toContain(' ');
          expect(cfg.stepLabels).toHaveLength(T);
          expect(cfg.stepLabels.join('')).toMatch(/^[a-z.␣⏎]+$/);
        });

        it(`the loss falls (the last steps' mean more than ${plan.drop} below the first steps')`, () => {
          expect(losses).toHaveLength(plan.steps);
          expect(losses.every(Number.isFinite)).toBe(true);
          expect(mean(losses.slice(-plan.lossWindow))).toBeLessThan(mean(losses.slice(0, plan.lossWindow)) - plan.drop);
        });

        it('reports every step’s metrics in windows of 10 steps', () => {
          expect(s.of('metrics').map((m) => [m.firstStep, m.losses.length])).toEqual(Array.from({ length: plan.steps / 10 }, (_, i) => [10 * i, 10]));
          expect(s.of('metrics').every((m) => m.msPerStep > 0 && m.tokensPerSec > 0 && m.skipped.every((x) => x === 0))).toBe(true);
          expect(
            s
              .of('metrics')
              .flatMap((m) => Array.from(m.gradNorms))
              .every((g) => g > 0),
          ).toBe(true);
        });

        it(`validates every 20 steps and at the end: ${plan.validations.join(', ')}, each loss finite`, () => {
          expect(s.of('validation').map((v) => v.step)).toEqual(plan.validations);
          expect(s.of('validation').every((v) => Number.isFinite(v.loss))).toBe(true);
        });

        it('the heatmap of the last validation holds the cell’s channels over seqLen × hidden', () => {
          const { seqLen: T, hidden: H } = charConfig(plan.config);
          const heat = s.last('heatmap')!;
          expect(heat.T).toBe(T);
          expect(heat.channels.map((c) => c.name)).toEqual(CHANNELS[cell]);
          for (const c of heat.channels) {
            expect(c.units).toBe(H);
            expect(c.values).toHaveLength(T * H);
            expect(c.values.every(Number.isFinite)).toBe(true);
            expect(spread(c.values)).toBeGreaterThan(plan.minSpread);
          }
          for (const gate of heat.channels.filter((c) => c.name !== 'h' && c.name !== 'c')) expect(gate.values.every((v) => v > 0 && v < 1)).toBe(true);
        });

        it(`ends paused at step ${plan.steps}, without an error`, () => {
          expect(s.last('status')).toEqual({ type: 'status', status: 'paused', steps: plan.steps });
          expect(s.errors()).toEqual([]);
        });
      });

    for (const task of ['copy', 'adding'] as const)
      it(`${task} task: announced with a step label per time step, no vocabulary, a positive baseline`, async () => {
        const { session, last } = open(backend);
        await session.configure(charConfig({ dataset: { kind: 'task', name: task }, hidden: 8, seqLen: 10, tbptt: 10 }), false);
        const cfg = last('configured')!;
        expect(cfg.stepLabels).toHaveLength(10);
        expect(cfg.vocabulary).toBeNull();
        expect(cfg.baseline).toBeGreaterThan(0);
        await session.dispose();
      });

    it('adding task: the step labels mark the two summed steps with *', async () => {
      const { session, last } = open(backend);
      await session.configure(charConfig({ dataset: { kind: 'task', name: 'adding' }, hidden: 8, seqLen: 10, tbptt: 10 }), false);
      expect(last('configured')!.stepLabels.filter((l) => l.endsWith('*'))).toHaveLength(2);
      await session.dispose();
    });

    for (const task of ['copy', 'adding'] as const)
      for (const [cell, layers] of [
        ['rnn', 1],
        ['gru', 1],
        ['lstm', 1],
        ['lstm', 2],
      ] as const)
        it(`${task} task, ${layers}-layer ${cell}: after one step the heatmap holds the cell’s channels, 10 steps × 8 units`, async () => {
          const { session, last, errors } = open(backend);
          await session.configure(charConfig({ dataset: { kind: 'task', name: task }, cell, layers, hidden: 8, seqLen: 10, tbptt: 10 }), false);
          await session.step();
          const heat = last('heatmap')!;
          expect(heat.channels.map((c) => c.name)).toEqual(CHANNELS[cell]);
          for (const c of heat.channels) {
            expect(c.units).toBe(8);
            expect(c.values).toHaveLength(10 * 8);
            expect(spread(c.values)).toBeGreaterThan(1e-4);
          }
          expect(last('status')).toEqual({ type: 'status', status: 'paused', steps: 1 });
          expect(errors()).toEqual([]);
          await session.dispose();
        });

    it('truncated BPTT: the step labels and the heatmap cover one chunk', async () => {
      const { session, last, errors } = open(backend);
      await session.configure(charConfig({ cell: 'lstm', seqLen: 8, tbptt: 4 }), false);
      expect(last('configured')!.stepLabels).toHaveLength(4);
      await session.runSteps(2);
      expect(last('heatmap')!.T).toBe(4);
      expect(last('heatmap')!.channels.every((c) => c.values.length === 4 * 12)).toBe(true);
      expect(errors()).toEqual([]);
      await session.dispose();
    });

    /** Trains through messages (`trains` train messages in a row) until two metrics windows came, then pauses; the status after the first. */
    async function trainThenPause(trains: number) {
      const s = open(backend, { sliceMs: 5 });
      await s.session.handle({ type: 'configure', config: charConfig(), keepWeights: false });
      for (let i = 0; i < trains; i++) await s.session.handle({ type: 'train' });
      const training = s.last('status')!.status;
      while (s.of('metrics').length < 2) await new Promise((r) => setTimeout(r, 2));
      await s.session.handle({ type: 'pause' });
      const steps = s.session.steps;
      await s.session.dispose();
      return { ...s, training, steps, losses: s.of('metrics').flatMap((m) => Array.from(m.losses)) };
    }

    it('train, then pause: paused at the step reached, with a validation there and a loss for every step', async () => {
      const { steps, last, errors, training, losses } = await trainThenPause(1);
      expect(training).toBe('training');
      expect(steps).toBeGreaterThanOrEqual(2);
      expect(last('status')).toEqual({ type: 'status', status: 'paused', steps });
      expect(last('validation')!.step).toBe(steps);
      expect(Number.isFinite(last('validation')!.loss)).toBe(true);
      expect(losses).toHaveLength(steps);
      expect(errors()).toEqual([]);
    });

    it('a second train message while training starts no second loop: the pause stops it, a loss for every step', async () => {
      const { steps, last, errors, losses } = await trainThenPause(2);
      expect(steps).toBeGreaterThanOrEqual(2);
      expect(last('status')).toEqual({ type: 'status', status: 'paused', steps });
      expect(losses).toHaveLength(steps);
      expect(errors()).toEqual([]);
    });

    it('a validation mid-batch leaves the carried state of truncated BPTT as it was', async () => {
      const config = charConfig({ seqLen: 16, tbptt: 4, cell: 'gru' });
      const paused = open(backend);
      await paused.session.configure(config, false);
      await paused.session.runSteps(2); // stops after chunk 2 of 4, and validates
      await paused.session.runSteps(2);
      const straight = open(backend, { validateEvery: 1000 });
      await straight.session.configure(config, false);
      await straight.session.runSteps(4);
      expect(paused.of('validation')).toHaveLength(2);
      expect(await paused.weights()).toEqual(await straight.weights());
      await paused.session.dispose();
      await straight.session.dispose();
    });

    it('a stop with nothing trained since the last validation does not validate the same weights again', async () => {
      const { session, of } = open(backend);
      await session.configure(charConfig(), false);
      await session.runSteps(20); // ends with a validation at step 20
      const before = of('validation').length;
      await session.runSteps(0); // a loop that trains nothing, as a pause right after a periodic validation
      expect(of('validation')).toHaveLength(before);
      expect(
        of('heatmap')
          .map((h) => h.step)
          .filter((step) => step === 20),
      ).toHaveLength(1);
      await session.runSteps(1);
      expect(of('validation').at(-1)!.step).toBe(21);
      await session.dispose();
    });

    for (const cell of ['rnn', 'gru', 'lstm'] as Cell[])
      describe(`samples from a 2-layer ${cell} after 3 steps`, () => {
        let s: RecordedSession;
        beforeAll(async () => {
          s = open(backend);
          await s.session.configure(charConfig({ cell, layers: 2, hidden: 16 }), false);
          await s.session.runSteps(3);
          await s.session.sample('the Qfox', 0.8, 50);
        });
        afterAll(() => s.session.dispose());

        it('the prompt keeps its known characters, followed by 50 of the vocabulary', () => {
          const sample = s.last('sample')!;
          expect([sample.prompt, sample.step]).toEqual(['the fox', 3]); // 'Q' is not in the text
          expect(Array.from(sample.text)).toHaveLength(50);
          const vocab = s.last('configured')!.vocabulary!;
          expect(Array.from(sample.text).every((c) => vocab.includes(c))).toBe(true);
        });

        it('the text sampleChars draws from the float32 weights with seed 0 (the session’s first sample)', async () => {
          const sample = s.last('sample')!;
          const vocab = s.last('configured')!.vocabulary!;
          const ids = Uint32Array.from(Array.from(sample.prompt), (c) => vocab.indexOf(c));
          const expected = sampleChars(s.last('configured')!.model, await s.weights(), ids, 50, 0.8, 0);
          expect(sample.text).toBe(Array.from(expected, (i) => vocab[i]).join(''));
        });
      });

    it('sampling a task model is refused, not fatally', async () => {
      const { session, last } = open(backend);
      await session.configure(charConfig({ dataset: { kind: 'task', name: 'tagging' }, seqLen: 12, tbptt: 12 }), false);
      await session.handle({ type: 'sample', prompt: 'x', temperature: 1, length: 10 });
      expect(last('error')).toMatchObject({ fatal: false, message: expect.stringMatching(/character models/) });
      await session.dispose();
    });

    it('messages before a configuration are refused without a crash', async () => {
      const { session, last } = open(backend);
      await session.handle({ type: 'train' });
      expect(last('error')).toEqual({ type: 'error', message: 'No model yet: send a configuration first.', fatal: false });
    });
  });
