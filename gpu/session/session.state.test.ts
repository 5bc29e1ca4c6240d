// Weights and optimizer state in and out of a recurrent model's session, on the GPU (Node, Dawn) and on
// the CPU fallback alike, driven as the worker drives it: weights files, keepWeights and reset, refused
// settings that keep the model, checkpoints saved and loaded, the roll-back after a non-finite loss,
// and (GPU) the snapshot that a device-loss recovery restores on a new device.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { charConfig, lossesOfSteps, openSession, type Of, type RecordedSession } from '../testing/sessions.ts';
import { useGpu } from '../testing/gpu.ts';
import { initParams } from '../recurrent/params.ts';
import { decodeOptimizerState } from '../recurrent/weights.ts';
import { CpuTrainer } from '../recurrent/cpuTrainer.ts';
import { optimizer } from '../optimizer/config.ts';
import { requestNodeDevice } from '../core/device.node.ts';
import type { OptimizerSnapshot } from '../optimizer/state.ts';
import type { RecurrentTrainer } from '../recurrent/trainer.ts';
import type { TrainingSession, SessionOptions } from './session.ts';
import type { SessionConfig } from './protocol.ts';

const gpu = useGpu();
type Backend = 'gpu' | 'cpu';

const open = (backend: Backend, opts: Partial<SessionOptions> = {}) => openSession({ gpu: backend === 'gpu' ? gpu() : null, ...opts });

/** Weights that make the next loss NaN, written into the trainer behind the session's back (the optimizer state kept). */
function poison(session: TrainingSession): void {
  const t = session.trainer;
  if (t instanceof CpuTrainer) t.params.fill(NaN);
  else (t as RecurrentTrainer).setParams(new Float32Array((t as RecurrentTrainer).model.layout.total).fill(NaN));
}

/** The limit message of a model over 64 KiB arrays: the GPU names its binding limit, the CPU no GPU. */
const TOO_LARGE: Record<Backend, RegExp> = {
  gpu: /maxStorageBufferBindingSize of 65536 bytes/,
  cpu: /^Settings refused: this model needs an array of [\d.]+ [KM]iB for its .*, more than the CPU fallback allows for one array \(65536 bytes, 64\.0 KiB\)/,
};

for (const backend of ['gpu', 'cpu'] as const)
  describe(`TrainingSession (${backend})`, () => {
    describe('weights files', () => {
      /** A session trained 3 steps, its weights then and their file. */
      async function trained() {
        const s = open(backend);
        await s.session.configure(charConfig(), false);
        await s.session.runSteps(3);
        const params = await s.weights();
        await s.session.exportWeights();
        return { ...s, params, bytes: s.last('weights')!.bytes.slice(0) };
      }

      it('importing the weights it exported brings them back; a file that records no step leaves the count going on', async () => {
        const { session, last, weights, params, bytes } = await trained();
        await session.runSteps(3);
        expect(await weights()).not.toEqual(params);
        await session.handle({ type: 'importWeights', bytes });
        expect(await weights()).toEqual(params);
        expect(last('weightsImported')).toEqual({ type: 'weightsImported', step: null });
        expect(last('status')).toEqual({ type: 'status', status: 'paused', steps: 6 });
        await session.dispose();
      });

      it('a file exported with its step records it; imported, the count restarts at 0 over those steps, validated at 0, and training goes on', async () => {
        const s = open(backend);
        await s.session.configure(charConfig(), false);
        await s.session.runSteps(4);
        const params = await s.weights();
        await s.session.handle({ type: 'exportWeights', step: 259 });
        const bytes = s.last('weights')!.bytes.slice(0);
        const b = open(backend);
        await b.session.configure(charConfig(), false);
        await b.session.runSteps(2);
        const validationsBefore = b.of('validation').length;
        await b.session.handle({ type: 'importWeights', bytes });
        expect(await b.weights()).toEqual(params);
        expect(b.last('weightsImported')).toEqual({ type: 'weightsImported', step: 259 });
        expect(b.last('status')).toEqual({ type: 'status', status: 'paused', steps: 0 });
        expect(
          b
            .of('validation')
            .slice(validationsBefore)
            .map((v) => v.step),
        ).toEqual([0]);
        await b.session.runSteps(2);
        expect(b.last('status')).toEqual({ type: 'status', status: 'paused', steps: 2 });
        expect(b.of('metrics').at(-1)!.firstStep + b.of('metrics').at(-1)!.losses.length).toBe(2);
        await Promise.all([s.session.dispose(), b.session.dispose()]);
      });

      it('a file that is not safetensors is refused, not fatally, the weights untouched', async () => {
        const { session, last, weights, params } = await trained();
        await session.importWeights(new Uint8Array([1, 2, 3]).buffer);
        expect(last('error')).toMatchObject({ fatal: false, message: expect.stringMatching(/^Cannot load these weights/) });
        expect(await weights()).toEqual(params);
        await session.dispose();
      });

      it('the weights of another shape are refused, naming the shape', async () => {
        const { session, bytes } = await trained();
        const other = open(backend);
        await other.session.configure(charConfig({ hidden: 24 }), false);
        await other.session.importWeights(bytes);
        expect(other.last('error')!.message).toMatch(/shape/);
        await Promise.all([session.dispose(), other.session.dispose()]);
      });
    });

    describe('keepWeights and reset', () => {
      /** A session trained 3 steps and its weights then. */
      async function trained() {
        const s = open(backend);
        await s.session.configure(charConfig(), false);
        await s.session.runSteps(3);
        return { ...s, params: await s.weights() };
      }

      it('keepWeights carries the weights, not the step count, into another configuration of the same shape', async () => {
        const { session, weights, params } = await trained();
        await session.configure(charConfig({ optimizer: optimizer({ kind: 'sgd', lr: 0.1 }), batchSize: 2 }), true);
        expect(await weights()).toEqual(params);
        expect(session.steps).toBe(0);
        await session.dispose();
      });

      it('keepWeights into another shape starts from the seed’s initial weights', async () => {
        const { session, last, weights } = await trained();
        const wider = charConfig({ hidden: 24 });
        await session.configure(wider, true);
        expect(await weights()).toEqual(initParams(last('configured')!.model, wider.seed));
        await session.dispose();
      });

      it('reset starts afresh: idle at step 0 with the seed’s initial weights', async () => {
        const { session, last, weights } = await trained();
        await session.handle({ type: 'reset' });
        expect(last('status')).toEqual({ type: 'status', status: 'idle', steps: 0 });
        expect(await weights()).toEqual(initParams(last('configured')!.model, charConfig().seed));
        await session.dispose();
      });
    });

    it('refuses bad settings with the field or limit named, keeping the model as it was', async () => {
      const { session, last, weights } = open(backend, { limits: { maxStorageBufferBindingSize: 65536 } });
      await session.configure(charConfig(), false);
      await session.runSteps(3);
      const trainer = session.trainer;
      const params = await weights();
      const refusals: [Partial<SessionConfig>, RegExp][] = [
        [{ tbptt: 5 }, /^Settings refused: tbptt: must divide seqLen \(8\)/],
        [{ dataset: { kind: 'task', name: 'adding' }, tbptt: 4 }, /tbptt: truncated BPTT .*sequence's end/],
        [{ hidden: 512 }, TOO_LARGE[backend]],
        [{ seqLen: 1000, tbptt: 1000 }, /too short for sequences of 1000/],
        [{ dataset: { kind: 'task', name: 'nope' as 'copy' } }, /dataset: unknown task/],
      ];
      for (const [over, message] of refusals) {
        expect(await session.configure(charConfig(over), true)).toBe(false);
        expect(last('error')).toMatchObject({ fatal: false, message: expect.stringMatching(message) });
        expect(session.trainer).toBe(trainer);
      }
      expect(session.steps).toBe(3);
      expect(await weights()).toEqual(params);
      await session.runSteps(2); // still trains
      expect(last('status')).toEqual({ type: 'status', status: 'paused', steps: 5 });
      await session.dispose();
    });

    describe('a non-finite loss after 20 steps', () => {
      let s: RecordedSession;
      let good: { params: Float32Array; optimizer: Uint8Array };
      let from: number;
      let restored: Float32Array;
      let restoredOptimizer: Uint8Array;
      let stoppedAt: number;
      beforeAll(async () => {
        s = open(backend);
        await s.session.configure(charConfig(), false);
        await s.session.runSteps(20); // ends with a validation: the last good checkpoint
        await s.session.saveCheckpoint();
        good = { params: await s.weights(), optimizer: new Uint8Array(s.last('checkpoint')!.checkpoint.optimizer) };
        poison(s.session);
        from = s.msgs.length;
        await s.session.runSteps(30);
        stoppedAt = s.session.steps;
        restored = await s.weights();
        await s.session.saveCheckpoint();
        restoredOptimizer = new Uint8Array(s.last('checkpoint')!.checkpoint.optimizer);
      });
      afterAll(() => s.session.dispose());
      const after = () => s.msgs.slice(from);

      it('reports step 20’s loss as NaN and skips every step from there, then pauses', () => {
        expect(
          after()
            .filter((m) => m.type === 'status')
            .at(-1),
        ).toMatchObject({ type: 'status', status: 'paused' });
        const metrics = after().filter((m) => m.type === 'metrics');
        expect(metrics[0].firstStep).toBe(20);
        expect(metrics.flatMap((m) => Array.from(m.losses)).every(Number.isNaN)).toBe(true);
        expect(metrics.flatMap((m) => Array.from(m.skipped))).toEqual(Array(stoppedAt - 20).fill(1));
      });

      // The GPU has steps in flight when the NaN comes back (skipped, above); the CPU knows at once.
      if (backend === 'cpu')
        it('stops right after the step that diverged: paused at step 21', () => {
          expect(
            after()
              .filter((m) => m.type === 'status')
              .at(-1),
          ).toEqual({ type: 'status', status: 'paused', steps: 21 });
          expect(
            after()
              .filter((m) => m.type === 'metrics')
              .map((m) => [m.firstStep, m.losses.length, m.skipped[0]]),
          ).toEqual([[20, 1, 1]]);
        });

      it('says so once, not fatally: the step, what it restored, and what to try', () => {
        const errors = after().filter((m) => m.type === 'error');
        expect(errors).toHaveLength(1);
        expect(errors[0].fatal).toBe(false);
        expect(errors[0].message).toMatch(
          /diverged at step 20 \(the loss became NaN\).*restored the weights of step 20.*lower learning rate \(now 0.02\) or gradient clipping/,
        );
      });

      it('rolls back to the weights and optimizer state of the last validation', () => {
        expect(restored).toEqual(good.params);
        expect(restoredOptimizer).toEqual(good.optimizer);
        expect(Number.isFinite(s.last('validation')!.loss)).toBe(true);
      });

      it('trains on from the restored weights', async () => {
        await s.session.runSteps(3);
        expect(s.of('metrics').at(-1)!.losses.every(Number.isFinite)).toBe(true);
      });
    });

    for (const tbptt of [8, 4])
      it(`a restored session trains on the batches that come next: the same losses as the run that went on (TBPTT ${tbptt} of 8)`, async () => {
        const config = charConfig({ cell: 'gru', tbptt, optimizer: optimizer({ kind: 'adam', lr: 0.02, clip: 1 }) });
        const a = open(backend);
        await a.session.configure(config, false);
        await a.session.runSteps(6); // a whole number of batches either way
        await a.session.handle({ type: 'saveCheckpoint' });
        const saved = a.last('checkpoint')!.checkpoint;
        await a.session.runSteps(4);
        const b = open(backend);
        await b.session.handle({ type: 'loadCheckpoint', checkpoint: saved });
        await b.session.runSteps(4);
        const went = lossesOfSteps(a.of('metrics'), 6, 4);
        expect(went.every(Number.isFinite)).toBe(true);
        expect(lossesOfSteps(b.of('metrics'), 6, 4)).toEqual(went);
        await Promise.all([a.session.dispose(), b.session.dispose()]);
      });

    describe('a checkpoint saved at step 15, loaded in a new session', () => {
      const config = charConfig({ cell: 'gru', optimizer: optimizer({ kind: 'adam', lr: 0.01, clip: 1 }) });
      let saved: Of<'checkpoint'>['checkpoint'];
      let want: { step: number; params: Float32Array; optimizer: OptimizerSnapshot };
      beforeAll(async () => {
        const a = open(backend);
        await a.session.configure(config, false);
        await a.session.runSteps(15);
        await a.session.handle({ type: 'saveCheckpoint' });
        saved = a.last('checkpoint')!.checkpoint;
        want = await a.session.run!.readCheckpoint();
        await a.session.dispose();
      });
      async function loaded() {
        const b = open(backend);
        await b.session.handle({ type: 'loadCheckpoint', checkpoint: saved });
        return b;
      }

      it('rebuilds its settings, paused at step 15', async () => {
        expect(saved.step).toBe(15);
        const b = await loaded();
        expect(b.last('configured')!.model.cell).toBe('gru');
        expect(b.last('status')).toEqual({ type: 'status', status: 'paused', steps: 15 });
        await b.session.dispose();
      });

      it('restores its weights and optimizer state bit for bit', async () => {
        const b = await loaded();
        const got = await b.session.run!.readCheckpoint();
        expect(got.params).toEqual(want.params);
        expect(got.optimizer.m).toEqual(want.optimizer.m);
        expect(got.optimizer.v).toEqual(want.optimizer.v);
        expect(got.optimizer.step).toBe(15);
        await b.session.saveCheckpoint();
        const again = b.last('checkpoint')!.checkpoint;
        expect(new Uint8Array(again.weights)).toEqual(new Uint8Array(saved.weights));
        expect(new Uint8Array(again.optimizer)).toEqual(new Uint8Array(saved.optimizer));
        expect(decodeOptimizerState(new Uint8Array(again.optimizer), b.last('configured')!.model, config.optimizer).step).toBe(15);
        await b.session.dispose();
      });

      it('trains on from step 15', async () => {
        const b = await loaded();
        await b.session.runSteps(5);
        expect(b.of('metrics')[0].firstStep).toBe(15);
        expect(b.last('status')).toEqual({ type: 'status', status: 'paused', steps: 20 });
        await b.session.dispose();
      });

      it('one that does not fit its own settings is refused, the session left as it was', async () => {
        const b = await loaded();
        await b.session.handle({ type: 'loadCheckpoint', checkpoint: { ...saved, config: { ...saved.config, hidden: 7 } } as typeof saved });
        expect(b.last('error')!.message).toMatch(/Cannot restore the saved session: .*shape/);
        expect(b.session.steps).toBe(15);
        expect(await b.weights()).toEqual(want.params);
        await b.session.dispose();
      });
    });
  });

describe('TrainingSession (gpu): the device-loss recovery', () => {
  it('a snapshot restored on a new device (the device-loss recovery) goes on from its weights, optimizer state and step', async () => {
    const a = open('gpu');
    await a.session.configure(
      charConfig({ cell: 'lstm', hidden: 32, seqLen: 16, tbptt: 16, batchSize: 8, optimizer: optimizer({ kind: 'adam', lr: 0.01, clip: 1 }) }),
      false,
    );
    await a.session.runSteps(20); // ends with a validation: the last good checkpoint
    const want = await a.session.run!.readCheckpoint();
    expect(want.optimizer.step).toBe(20);
    const snapshot = a.session.snapshot()!;
    expect(snapshot).toMatchObject({ step: 20, training: false });
    expect(snapshot.params).toEqual(want.params);
    expect(snapshot.optimizer).toEqual(want.optimizer);
    await a.session.dispose();

    const device = await requestNodeDevice();
    try {
      const b = openSession({ gpu: device });
      expect(await b.session.restore(snapshot)).toBe(true);
      expect(b.of('configured')).toEqual([]);
      expect(b.last('status')).toEqual({ type: 'status', status: 'paused', steps: 20 });
      const trainer = b.session.trainer as RecurrentTrainer;
      expect(await trainer.readParams()).toEqual(want.params);
      const restored = await trainer.readOptimizerState();
      expect(restored).toEqual(want.optimizer); // step 20, skippedTotal, m and v, bit for bit
      expect(restored.m.some((x) => x !== 0) && restored.v.some((x) => x !== 0)).toBe(true);
      // Training goes on from step 20 with that state: Adam's step count continues (a fresh one would be 5).
      await b.session.runSteps(5);
      expect(b.of('metrics').map((m) => [m.firstStep, m.losses.length])).toEqual([[20, 5]]);
      expect((await trainer.readOptimizerState()).step).toBe(25);
      await b.session.dispose();
      expect(device.errors).toEqual([]);
      expect(device.lostReason).toBeNull();
    } finally {
      device.device.destroy();
    }
  });
});
