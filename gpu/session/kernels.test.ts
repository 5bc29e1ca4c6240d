// A GPU run's step kernels as a session reports and records them: the configured message names them
// and how they were chosen, a checkpoint records them, a restored run replays with them (and so
// continues with the same losses, bit for bit), and a name that is no kernel is refused.
import { describe, expect, it } from 'vitest';
import { charConfig, lossesOfSteps, openSession } from '../testing/sessions.ts';
import { useGpu } from '../testing/gpu.ts';
import { defaultStepKernels, stepKernelsName } from '../recurrent/stepVariants.ts';
import type { RecurrentTrainer } from '../recurrent/trainer.ts';
import type { SavedSession } from './protocol.ts';

const gpu = useGpu();
const TILED = 'forward=tiled-b4-u4-m2-k8,backward=tiled-b2-u16-m1-k4';

describe('step kernels in a session', () => {
  it('reports the default on a CPU adapter and records it in a checkpoint', async () => {
    const s = openSession({ gpu: gpu() });
    const config = charConfig({ cell: 'gru' });
    await s.session.handle({ type: 'configure', config, keepWeights: false });
    const expected = stepKernelsName(defaultStepKernels(gpu().adapter, { cell: 'gru', T: 8, B: 4, H: 12 }));
    expect(s.last('configured')!.kernels).toEqual({ name: expected, source: 'default', measured: {}, tookMs: 0 });
    await s.session.handle({ type: 'saveCheckpoint' });
    expect((s.last('checkpoint')!.checkpoint as SavedSession).config.stepKernels).toBe(expected);
    await s.session.dispose();
  });

  it('a restored run replays with the kernels it recorded and continues with the same losses', async () => {
    const a = openSession({ gpu: gpu() });
    await a.session.handle({ type: 'configure', config: charConfig({ cell: 'lstm', stepKernels: TILED }), keepWeights: false });
    expect(a.last('configured')!.kernels).toMatchObject({ name: TILED, source: 'recorded' });
    await a.session.runSteps(3);
    await a.session.handle({ type: 'saveCheckpoint' });
    const checkpoint = a.last('checkpoint')!.checkpoint as SavedSession;
    await a.session.runSteps(3);
    const after = lossesOfSteps(a.of('metrics'), 3, 3);
    expect(after.every(Number.isFinite)).toBe(true);
    await a.session.dispose();

    const b = openSession({ gpu: gpu() });
    expect(checkpoint.config.stepKernels).toBe(TILED);
    expect(await b.session.loadCheckpoint(checkpoint)).toBe(true);
    expect(b.last('configured')!.kernels).toMatchObject({ name: TILED, source: 'recorded' });
    expect(stepKernelsName((b.session.trainer as RecurrentTrainer).model.kernels)).toBe(TILED);
    await b.session.runSteps(3);
    expect(lossesOfSteps(b.of('metrics'), 3, 3)).toEqual(after);
    expect(b.errors()).toEqual([]);
    await b.session.dispose();
  });

  it('refuses a config whose step kernels are not kernels, naming the setting', async () => {
    const s = openSession({ gpu: gpu() });
    await s.session.handle({ type: 'configure', config: charConfig({ stepKernels: 'forward=warp,backward=blocked' }), keepWeights: false });
    expect(s.last('error')!.message).toMatch(/^Settings refused: stepKernels.*"warp" is not a step kernel/);
    await s.session.dispose();
  });
});
