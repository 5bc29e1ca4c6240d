// The tree session in Node (Dawn), driven directly as the worker does: configure, train to a step
// count, validation with the deeper trees' accuracy, and the drawn trees with their hidden states.
import { describe, expect, it } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { openSession, type Of } from '../testing/sessions.ts';
import { requestNodeDevice } from '../core/device.node.ts';
import { optimizer } from '../optimizer/config.ts';
import { TrainingSession } from './session.ts';
import type { TreeTrainer } from '../tree/trainer.ts';
import type { FromWorker, TreeSessionConfig } from './protocol.ts';
import { negationTask } from '../tree/tasks.ts';
import { writePtb } from '../tree/parse.ts';

const gpu = useGpu();

const config = (over: Partial<TreeSessionConfig> = {}): TreeSessionConfig => ({
  kind: 'tree',
  task: 'arithmetic',
  cell: 'lstm',
  hidden: 16,
  batchSize: 16,
  trainDepth: 2,
  validationDepth: 4,
  optimizer: optimizer({ kind: 'adam', lr: 0.01, clip: 1 }),
  seed: 0,
  ...over,
});

const open = () => openSession({ gpu: gpu(), validationSize: 50 });

const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;

describe('TreeSession', () => {
  it('trains a Tree-LSTM on arithmetic: falling loss, validations with accuracy, drawn trees with states', async () => {
    const { session, of } = open();
    await session.handle({ type: 'configure', config: config(), keepWeights: false });
    const cfg = of('treeConfigured')[0];
    expect(cfg.classes).toHaveLength(10);
    expect(cfg.paramCount).toBeGreaterThan(0);
    await session.runSteps(60);
    const losses = of('metrics').flatMap((m) => Array.from(m.losses));
    expect(losses).toHaveLength(60);
    expect(losses.every(Number.isFinite)).toBe(true);
    console.log(
      `tree session: loss ${mean(losses.slice(0, 10)).toFixed(3)} -> ${mean(losses.slice(-10)).toFixed(3)}; accuracy ${of('validation')
        .map((v) => v.accuracy?.toFixed(2))
        .join(' ')}`,
    );
    expect(mean(losses.slice(-10))).toBeLessThan(0.8 * mean(losses.slice(0, 10)));
    expect(of('validation').map((v) => v.step)).toEqual([20, 40, 60]);
    expect(of('validation').every((v) => v.accuracy! >= 0 && v.accuracy! <= 1)).toBe(true);
    expect(of('status').at(-1)).toMatchObject({ status: 'paused', steps: 60 });

    const trees = of('tree');
    expect(trees.map((t) => t.step)).toEqual([20, 40, 60]);
    const last = trees.at(-1)!;
    expect(last.hidden).toBe(16);
    expect(last.trees).toHaveLength(3);
    for (const t of last.trees) {
      const N = t.nodes.length;
      expect(t.states).toHaveLength(N * 16);
      expect(t.states.every(Number.isFinite)).toBe(true);
      // Every node but the root is the child of exactly one node; leaves carry a token.
      const children = t.nodes.flatMap((n) => (n.left < 0 ? [] : [n.left, n.right])).sort((x, y) => x - y);
      expect(children).toEqual([...Array(N).keys()].filter((i) => i !== t.root));
      for (const n of t.nodes) {
        expect(n.left < 0).toBe(n.right < 0);
        if (n.left < 0) expect(n.text).toMatch(/^[0-9+*]$/);
        expect(n.predicted).toBeGreaterThanOrEqual(0);
        expect(n.predicted).toBeLessThan(10);
      }
      expect(t.nodes[t.root].label).toBeGreaterThanOrEqual(0);
    }
    // The hidden states changed with training.
    expect(Array.from(trees[0].trees[0].states)).not.toEqual(Array.from(last.trees[0].states));
    await session.dispose();
  }, 120_000);

  it('refuses bad settings and recurrent commands; exports weights; reset starts over', async () => {
    const { session, of } = open();
    await session.handle({ type: 'configure', config: config({ hidden: 0 }), keepWeights: false });
    expect(of('error').at(-1)!.message).toMatch(/hidden/);
    await session.handle({
      type: 'configure',
      config: config({ task: 'negation', cell: 'rnn', hidden: 8, trainDepth: 3, validationDepth: 5 }),
      keepWeights: false,
    });
    expect(of('treeConfigured').at(-1)!.classes).toEqual(['negative', 'neutral', 'positive']);
    await session.handle({ type: 'step' });
    expect(of('status').at(-1)).toMatchObject({ status: 'paused', steps: 1 });
    await session.handle({ type: 'sample', prompt: 'a', temperature: 1, length: 5 });
    expect(of('error').at(-1)!.message).toMatch(/not available for tree models/);
    await session.handle({ type: 'exportWeights' });
    expect(of('weights')[0].bytes.byteLength).toBeGreaterThan(100);
    await session.handle({ type: 'reset' });
    expect(of('status').at(-1)).toMatchObject({ status: 'idle', steps: 0 });
    await session.dispose();
  }, 60_000);
});

describe('TreeSession checkpoints', () => {
  it('saves and restores weights, optimizer state and step; training goes on from there', async () => {
    const a = open();
    await a.session.handle({ type: 'configure', config: config({ hidden: 8, batchSize: 8 }), keepWeights: false });
    await a.session.runSteps(25);
    const firstLosses = a.of('metrics').flatMap((m) => Array.from(m.losses));
    await a.session.handle({ type: 'saveCheckpoint' });
    const saved = a.of('checkpoint')[0].checkpoint;
    expect(saved.step).toBe(25);
    expect(saved.config).toMatchObject({ kind: 'tree', task: 'arithmetic', hidden: 8 });
    await a.session.dispose();

    // A restore in a fresh session: paused at step 25, with a validation of the restored weights.
    const b = open();
    await b.session.handle({ type: 'loadCheckpoint', checkpoint: saved });
    expect(b.of('error')).toEqual([]);
    expect(b.of('treeConfigured')).toHaveLength(1);
    expect(b.of('status').at(-1)).toMatchObject({ status: 'paused', steps: 25 });
    expect(b.of('validation').map((v) => v.step)).toEqual([25]);
    // Saved again at once: the same weights and optimizer state, byte for byte.
    await b.session.handle({ type: 'saveCheckpoint' });
    const again = b.of('checkpoint')[0].checkpoint;
    expect(again.step).toBe(25);
    expect(new Uint8Array(again.weights)).toEqual(new Uint8Array(saved.weights));
    expect(new Uint8Array(again.optimizer)).toEqual(new Uint8Array(saved.optimizer));
    // Training goes on from step 25: metrics from step 25, a loss below the untrained one.
    await b.session.runSteps(5);
    const losses = b.of('metrics').flatMap((m) => Array.from(m.losses));
    expect(b.of('metrics')[0].firstStep).toBe(25);
    expect(losses).toHaveLength(5);
    expect(mean(losses)).toBeLessThan(mean(firstLosses.slice(0, 5)));
    expect(b.of('status').at(-1)).toMatchObject({ status: 'paused', steps: 30 });

    // A recurrent checkpoint, or weights of another shape, are refused and the session stays as it was.
    await b.session.handle({ type: 'loadCheckpoint', checkpoint: { ...saved, config: { ...saved.config, hidden: 9 } } as typeof saved });
    expect(b.of('error').at(-1)!.message).toMatch(/^Cannot restore the saved session: .*shape/);
    expect(b.of('status').at(-1)).toMatchObject({ steps: 30 });
    await b.session.dispose();
  }, 120_000);

  it('imports a weights file of its own model: the same weights, a fresh optimizer; another shape or vocabulary is refused', async () => {
    const a = open();
    await a.session.handle({ type: 'configure', config: config({ hidden: 8, batchSize: 8 }), keepWeights: false });
    await a.session.runSteps(10);
    await a.session.handle({ type: 'exportWeights' });
    const file = a.of('weights')[0].bytes;
    const want = await (a.session.trainer as TreeTrainer).readParams();
    await a.session.dispose();

    const b = open();
    await b.session.handle({ type: 'configure', config: config({ hidden: 8, batchSize: 8 }), keepWeights: false });
    await b.session.handle({ type: 'importWeights', bytes: file.slice(0) });
    expect(b.of('error')).toEqual([]);
    const got = await (b.session.trainer as TreeTrainer).readCheckpoint();
    expect(got.params).toEqual(want);
    expect(got.optimizer.step).toBe(0);
    expect(got.optimizer.m.every((x) => x === 0)).toBe(true);
    expect(b.of('validation')).toHaveLength(1); // the imported weights, measured at once
    expect(b.of('status').at(-1)).toMatchObject({ status: 'idle', steps: 0 });

    // Another hidden size, or the same sizes over another task's vocabulary: refused, weights unchanged.
    const c = open();
    await c.session.handle({ type: 'configure', config: config({ hidden: 9, batchSize: 8 }), keepWeights: false });
    await c.session.handle({ type: 'importWeights', bytes: file.slice(0) });
    expect(c.of('error').at(-1)!.message).toMatch(/^Cannot load these weights: .*shape/);
    await b.session.handle({
      type: 'configure',
      config: config({ hidden: 8, batchSize: 8, task: 'negation', trainDepth: 3, validationDepth: 5 }),
      keepWeights: false,
    });
    const before = await (b.session.trainer as TreeTrainer).readParams();
    await b.session.handle({ type: 'importWeights', bytes: file.slice(0) });
    expect(b.of('error').at(-1)!.message).toMatch(/^Cannot load these weights: /);
    expect(await (b.session.trainer as TreeTrainer).readParams()).toEqual(before);
    await Promise.all([b.session.dispose(), c.session.dispose()]);
  }, 120_000);

  it('a non-finite loss pauses, restores the last good weights and says so', async () => {
    const { session, msgs, of } = open();
    await session.handle({ type: 'configure', config: config({ hidden: 8, batchSize: 8 }), keepWeights: false });
    await session.runSteps(20); // ends with a validation: the last good state
    const trainer = session.trainer as TreeTrainer;
    const good = await trainer.readParams();
    trainer.setParams(new Float32Array(good.length).fill(NaN));
    msgs.length = 0;
    await session.runSteps(30);
    const error = of('error').at(-1)!;
    expect(error.fatal).toBe(false);
    expect(error.message).toMatch(/diverged at step 20 .*restored the weights of step 20.*lower learning rate/);
    expect(await trainer.readParams()).toEqual(good);
    expect(of('status').at(-1)!.status).toBe('paused');
    expect(Number.isFinite(of('validation').at(-1)!.loss)).toBe(true);
    await session.dispose();
  });

  it('a stop with nothing trained since the last validation does not validate the same weights again', async () => {
    const { session, of } = open();
    await session.handle({ type: 'configure', config: config({ hidden: 8, batchSize: 8 }), keepWeights: false });
    await session.runSteps(20);
    expect(of('validation').map((v) => v.step)).toEqual([20]);
    await session.runSteps(0);
    expect(of('validation').map((v) => v.step)).toEqual([20]);
    expect(of('tree').map((t) => t.step)).toEqual([20]);
    await session.runSteps(1);
    expect(of('validation').map((v) => v.step)).toEqual([20, 21]);
    await session.dispose();
  }, 120_000);

  it('a restored session trains on the trees that come next: the same losses as the run that went on', async () => {
    const a = open();
    await a.session.handle({ type: 'configure', config: config({ hidden: 8, batchSize: 8 }), keepWeights: false });
    await a.session.runSteps(25);
    await a.session.handle({ type: 'saveCheckpoint' });
    const saved = a.of('checkpoint')[0].checkpoint;
    await a.session.runSteps(5);
    const b = open();
    await b.session.handle({ type: 'loadCheckpoint', checkpoint: saved });
    await b.session.runSteps(5);
    const from25 = (msgs: Of<'metrics'>[]) => msgs.flatMap((m) => Array.from(m.losses).map((l, i) => [m.firstStep + i, l])).filter(([step]) => step >= 25);
    expect(from25(a.of('metrics'))).toHaveLength(5);
    expect(from25(b.of('metrics'))).toEqual(from25(a.of('metrics')));
    await Promise.all([a.session.dispose(), b.session.dispose()]);
  }, 120_000);

  it("snapshot, dispose, restore on a new device (the device-loss recovery): the last validation's weights, optimizer state and step", async () => {
    const a = open();
    await a.session.handle({ type: 'configure', config: config({ hidden: 8, batchSize: 8 }), keepWeights: false });
    // Before any validation the last good state is the initial weights, with a fresh optimizer.
    expect(a.session.snapshot()).toMatchObject({ step: 0, optimizer: null, training: false });
    expect(a.session.snapshot()!.params).toEqual(await (a.session.trainer as TreeTrainer).readParams());
    await a.session.runSteps(20); // ends with a validation: the last good state
    const want = await (a.session.trainer as TreeTrainer).readCheckpoint();
    const snapshot = a.session.snapshot()!;
    expect(snapshot).toMatchObject({ step: 20, training: false, config: { kind: 'tree', hidden: 8 } });
    expect(snapshot.params).toEqual(want.params);
    expect(snapshot.optimizer).toEqual(want.optimizer);
    await a.session.dispose();

    const device = await requestNodeDevice();
    try {
      const msgs: FromWorker[] = [];
      const b = new TrainingSession((m) => msgs.push(m), { gpu: device, validateEvery: 20, validationSize: 50 });
      expect(await b.restore(snapshot)).toBe(true);
      expect(
        msgs.filter((m) => m.type === 'treeConfigured'),
        'a recovery does not announce a new model',
      ).toEqual([]);
      expect(msgs.filter((m) => m.type === 'status').at(-1)).toMatchObject({ status: 'paused', steps: 20 });
      const got = await (b.trainer as TreeTrainer).readCheckpoint();
      expect(got.params).toEqual(want.params);
      expect(got.optimizer).toEqual(want.optimizer);
      await b.runSteps(5);
      const metrics = msgs.filter((m): m is Of<'metrics'> => m.type === 'metrics');
      expect(metrics.map((m) => [m.firstStep, m.losses.length])).toEqual([[20, 5]]);
      expect((await (b.trainer as TreeTrainer).readCheckpoint()).optimizer.step).toBe(25);
      await b.dispose();
      expect(device.errors).toEqual([]);
    } finally {
      device.device.destroy();
    }
  }, 120_000);
});

describe('TreeSession on a file of labelled trees', () => {
  // 200 negation phrases written as PTB text: 180 train, the last 20 validate.
  const text = negationTask({ seed: 1, validationSize: 200, validationHeight: 4, trainHeight: 3 })
    .validation.map((t) => writePtb(t))
    .join('\n');

  it('trains on the first 90%, validates on the last 10%, with the labels as classes', async () => {
    const { session, of } = open();
    const file: TreeSessionConfig = { ...config({ task: 'file', hidden: 8, batchSize: 8 }), trees: { name: 'phrases.txt', text } };
    await session.handle({ type: 'configure', config: file, keepWeights: false });
    expect(of('error')).toEqual([]);
    expect(of('treeConfigured')[0].classes).toEqual(['0', '1', '2']);
    await session.runSteps(20);
    expect(of('validation').at(-1)).toMatchObject({ step: 20 });
    expect(of('tree').at(-1)!.trees).toHaveLength(3);
    await session.handle({ type: 'saveCheckpoint' });
    expect(of('checkpoint')[0].checkpoint.config).toMatchObject({ task: 'file', trees: { name: 'phrases.txt' } });
    // A damaged file is refused with the file's name, line and column; the session stays as it was.
    await session.handle({ type: 'configure', config: { ...file, trees: { name: 'bad.txt', text: '(1 (0 a) (2 b)\n' } }, keepWeights: false });
    expect(of('error').at(-1)!.message).toMatch(/^Settings refused: bad\.txt: line 1, column 1: unbalanced/);
    expect(of('status').at(-1)).toMatchObject({ steps: 20 });
    await session.dispose();
  }, 60_000);
});

describe('TreeSession keepWeights', () => {
  it('carries the weights into a new configuration of the same shape, not into another shape', async () => {
    const { session, of } = open();
    await session.handle({ type: 'configure', config: config({ hidden: 8, batchSize: 8 }), keepWeights: false });
    await session.runSteps(5);
    await session.handle({ type: 'exportWeights' });
    const trained = new Uint8Array(of('weights')[0].bytes);
    // Another learning rate, batch size and depths: the same weights, the steps from 0.
    await session.handle({
      type: 'configure',
      config: config({ hidden: 8, batchSize: 4, trainDepth: 1, validationDepth: 3, optimizer: optimizer({ kind: 'adam', lr: 0.001 }) }),
      keepWeights: true,
    });
    expect(of('status').at(-1)).toMatchObject({ status: 'idle', steps: 0 });
    await session.handle({ type: 'exportWeights' });
    expect(new Uint8Array(of('weights')[1].bytes)).toEqual(trained);
    // Another hidden size: fresh weights.
    await session.handle({ type: 'configure', config: config({ hidden: 6 }), keepWeights: true });
    expect(of('error')).toEqual([]);
    await session.handle({ type: 'exportWeights' });
    expect(of('weights')[2].bytes.byteLength).not.toBe(trained.byteLength);
    await session.dispose();
  }, 60_000);
});
