// Faults injected into a training session in Node (Dawn), each ending with a clear message, the last
// good state intact and no false "done": a validation error from a shader mid-run, the device lost
// mid-step and during a pending readback (gpu/testing/faultyDevice.ts), out of memory at buffer
// creation (error scopes), and kernels or buffers over the device's limits refused before any
// dispatch. (A non-finite loss mid-run: session.state.test.ts; a crashed GPU process, a crashed worker, a
// hidden tab, storage faults: e2e/faults.spec.ts, e2e/deviceloss.spec.ts, e2e/persist.spec.ts.)
import { afterEach, describe, expect, it } from 'vitest';
import { optimizer } from '../optimizer/config.ts';
import { faultyDevice, type FaultyDevice } from '../testing/faultyDevice.ts';
import type { SessionOptions } from './session.ts';
import { charConfig, openSession, type Of } from '../testing/sessions.ts';
import type { RecurrentTrainer } from '../recurrent/trainer.ts';
import type { SessionConfig } from './protocol.ts';

const config = (over: Partial<SessionConfig> = {}): SessionConfig =>
  charConfig({ cell: 'gru', hidden: 16, seqLen: 16, tbptt: 16, optimizer: optimizer({ kind: 'adam', lr: 0.01 }), ...over });

let devices: FaultyDevice[] = [];
afterEach(() => {
  for (const d of devices) d.destroy();
  devices = [];
});

async function open(opts: Partial<SessionOptions> = {}, limits = {}) {
  const dev = await faultyDevice(limits);
  devices.push(dev);
  const lost: string[] = [];
  const { session, msgs, of } = openSession({ gpu: dev.ctx, validateEvery: 10, onDeviceLost: (r) => lost.push(r), ...opts });
  const waitFor = async (ok: () => boolean, ms = 60_000) => {
    const t0 = Date.now();
    while (!ok()) {
      if (Date.now() - t0 > ms) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { dev, session, msgs, lost, of, waitFor };
}

describe('faults in a training session', () => {
  it('a validation error from a shader mid-run: a fatal message naming it, no validation or checkpoint after it, no false done', async () => {
    const { dev, session, msgs, of, waitFor } = await open();
    expect(await session.configure(config(), false)).toBe(true);
    await session.runSteps(10); // a validation: the last good checkpoint at step 10
    const good = session.snapshot()!;
    expect(good.step).toBe(10);
    void session.handle({ type: 'train', until: 1000 });
    await waitFor(() => of('metrics').some((m) => m.firstStep + m.losses.length > 12));
    const before = msgs.length;
    // A shader that does not compile: an uncaptured validation error on the session's device.
    dev.ctx.device.createShaderModule({ label: 'injected', code: 'fn main( {' });
    await waitFor(() => of('error').length > 0);
    await waitFor(() => of('status').at(-1)?.status === 'paused');
    const error = of('error').at(-1)!;
    expect(error.fatal).toBe(true);
    expect(error.message).toMatch(/^Training stopped: GPU error: .*injected/s);
    const after = msgs.slice(before);
    const at = after.indexOf(error);
    expect(
      after.slice(at).filter((m) => m.type === 'validation' || m.type === 'checkpoint' || m.type === 'heatmap'),
      'nothing computed after the error is reported',
    ).toEqual([]);
    const steps = of('status').at(-1)!.steps;
    expect(steps, 'stopped, far from the 1000 asked for').toBeLessThan(1000);
    // The last good state is the one of the last validation before the error, not of a step after it.
    const validatedBefore = msgs
      .slice(0, msgs.indexOf(error))
      .filter((m): m is Of<'validation'> => m.type === 'validation')
      .at(-1)!.step;
    const snap = session.snapshot()!;
    expect(snap.step).toBe(validatedBefore);
    expect(snap.step).toBeGreaterThanOrEqual(good.step);
    expect(snap.step).toBeLessThanOrEqual(steps);
    expect(snap.params!.every(Number.isFinite)).toBe(true);
    expect(snap.training).toBe(false);
    dev.ctx.errors.length = 0;
    await session.dispose();
  });

  it('the device lost mid-step: the recovery is told once, nothing else is posted, the last good checkpoint is intact', async () => {
    const { dev, session, msgs, lost, of, waitFor } = await open();
    await session.configure(config(), false);
    void session.handle({ type: 'train' });
    await waitFor(() => of('validation').some((v) => v.step >= 10) && of('metrics').some((m) => m.firstStep + m.losses.length > 12));
    const snapBefore = session.snapshot()!;
    const before = msgs.length;
    await dev.lose();
    await waitFor(() => lost.length > 0);
    await new Promise((r) => setTimeout(r, 500)); // the queued steps fail meanwhile
    expect(lost).toEqual(['unknown: injected: the GPU process crashed']);
    expect(
      msgs.slice(before).filter((m) => m.type === 'error'),
      'the worker entry recovers and says so; no error from the session',
    ).toEqual([]);
    const snap = session.snapshot()!;
    expect(snap.step).toBeGreaterThanOrEqual(snapBefore.step);
    expect(snap.step % 10, 'a validation step: a checkpoint the session verified').toBe(0);
    expect(snap.params!.every(Number.isFinite)).toBe(true);
    expect(snap.optimizer === null || snap.optimizer.step === snap.step).toBe(true);
    await session.dispose();
  });

  it('the device lost during a pending readback (a checkpoint for autosave): no half checkpoint, the request is kept for the recovery', async () => {
    const { dev, session, msgs, lost, waitFor } = await open();
    await session.configure(config(), false);
    await session.runSteps(10);
    const good = session.snapshot()!;
    const before = msgs.length;
    const saving = session.handle({ type: 'saveCheckpoint' });
    await dev.lose(); // before the readback of the checkpoint resolves
    await saving;
    await waitFor(() => lost.length > 0);
    const after = msgs.slice(before);
    expect(
      after.filter((m) => m.type === 'checkpoint'),
      'no checkpoint read from a lost device',
    ).toEqual([]);
    expect(after.filter((m) => m.type === 'error')).toEqual([]);
    expect(session.checkpointPending, 'the worker entry saves again once the session is rebuilt').toBe(true);
    expect(session.snapshot()).toEqual(good);
    await session.dispose();
  });

  it('out of memory at buffer creation: the new model is refused with the reason, the current one kept as it was', async () => {
    const { dev, session, of } = await open();
    await session.configure(config(), false);
    await session.runSteps(5);
    const trainer = session.trainer as RecurrentTrainer;
    const params = await trainer.readParams();
    dev.failNextScope('out-of-memory', 'injected: the driver could not allocate 2 GiB');
    expect(await session.configure(config({ hidden: 64 }), false)).toBe(false);
    expect(of('error').at(-1)).toEqual({
      type: 'error',
      fatal: false,
      message: 'Cannot build this model on the GPU: out of GPU memory (injected: the driver could not allocate 2 GiB)',
    });
    expect(session.trainer).toBe(trainer);
    expect(await trainer.readParams()).toEqual(params);
    await session.runSteps(2); // and it still trains
    expect(of('status').at(-1)).toEqual({ type: 'status', status: 'paused', steps: 7 });
    expect(dev.ctx.errors).toEqual([]);
    await session.dispose();
  });

  it('a kernel over the device’s limits is refused before any dispatch, naming the limit', async () => {
    const { dev, session, of, msgs } = await open({}, { maxComputeInvocationsPerWorkgroup: 128 });
    expect(await session.configure(config(), false)).toBe(false);
    const error = of('error').at(-1)!;
    expect(error.fatal).toBe(false);
    expect(error.message).toMatch(
      /^Cannot build this model on the GPU: .*needs invocations per workgroup: 256, more than this GPU's maxComputeInvocationsPerWorkgroup \(128\)/,
    );
    expect(msgs.filter((m) => m.type === 'metrics' || m.type === 'validation')).toEqual([]);
    expect(session.trainer).toBeNull();
    expect(dev.ctx.buffers, 'what the refused build made was freed').toBe(0);
    expect(dev.ctx.errors).toEqual([]);
  });

  it('a buffer over maxStorageBufferBindingSize: refused in the plan with the largest hidden, batchSize and tbptt that fit', async () => {
    const { session, of } = await open({}, { maxStorageBufferBindingSize: 512 * 1024 });
    expect(await session.configure(config({ hidden: 128, batchSize: 32, seqLen: 32, tbptt: 32 }), false)).toBe(false);
    expect(of('error').at(-1)!.message).toMatch(
      /^Settings refused: this model needs a GPU buffer of .* more than this GPU's maxStorageBufferBindingSize of 524288 bytes \(512\.0 KiB\)\. With the other settings as they are, hidden ≤ \d+, or batchSize ≤ \d+, or tbptt ≤ \d+ fits\.$/,
    );
    const [hidden] = /hidden ≤ (\d+)/.exec(of('error').at(-1)!.message)!.slice(1).map(Number);
    expect(await session.configure(config({ hidden, batchSize: 32, seqLen: 32, tbptt: 32 }), false), `hidden ${hidden} fits`).toBe(true);
    await session.runSteps(1);
    expect(of('status').at(-1)).toEqual({ type: 'status', status: 'paused', steps: 1 });
    await session.dispose();
  });
});
