// The tree session in Node (Dawn), driven directly as the worker does: configure, train to a step
// count, validation with the deeper trees' accuracy, and the drawn trees with their hidden states;
// refusals, weights files, checkpoints, keepWeights, the roll-back after divergence and the snapshot
// of the device-loss recovery.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { openSession, type Of, type RecordedSession } from '../testing/sessions.ts';
import { requestNodeDevice } from '../core/device.node.ts';
import { optimizer } from '../optimizer/config.ts';
import type { TreeTrainer } from '../tree/trainer.ts';
import { decodeTreeWeights } from '../tree/weights.ts';
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
/** The small model of the lifecycle tests. */
const small = (over: Partial<TreeSessionConfig> = {}) => config({ hidden: 8, batchSize: 8, ...over });
/** The negation task with a Tree-RNN. */
const negation = config({ task: 'negation', cell: 'rnn', hidden: 8, trainDepth: 3, validationDepth: 5 });

const open = (ctx = gpu()) => openSession({ gpu: ctx, validationSize: 50 });
const trainerOf = (s: RecordedSession) => s.session.trainer as TreeTrainer;

/** A session of `c`, trained `steps` steps (validated every 20 and at the end), or only configured. */
async function trained(c: TreeSessionConfig, steps: number): Promise<RecordedSession> {
  const s = open();
  await s.session.handle({ type: 'configure', config: c, keepWeights: false });
  if (steps > 0) await s.session.runSteps(steps);
  return s;
}

const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;

describe('TreeSession trains a Tree-LSTM on arithmetic for 60 steps', () => {
  let s: RecordedSession;
  let losses: number[];
  beforeAll(async () => {
    s = await trained(config(), 60);
    losses = s.of('metrics').flatMap((m) => Array.from(m.losses));
    console.log(
      `tree session: loss ${mean(losses.slice(0, 10)).toFixed(3)} -> ${mean(losses.slice(-10)).toFixed(3)}; accuracy ${s
        .of('validation')
        .map((v) => v.accuracy?.toFixed(2))
        .join(' ')}`,
    );
  }, 120_000);
  afterAll(() => s.session.dispose());

  it('announces the 10 values as classes and the parameter count', () => {
    const cfg = s.of('treeConfigured')[0];
    expect(cfg.classes).toHaveLength(10);
    expect(cfg.paramCount).toBeGreaterThan(0);
  });

  it('the loss falls: the last 10 steps’ mean below 0.8 × the first 10’s', () => {
    expect(losses).toHaveLength(60);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(mean(losses.slice(-10))).toBeLessThan(0.8 * mean(losses.slice(0, 10)));
  });

  it('validates every 20 steps with an accuracy within [0, 1]', () => {
    expect(s.of('validation').map((v) => v.step)).toEqual([20, 40, 60]);
    expect(s.of('validation').every((v) => v.accuracy! >= 0 && v.accuracy! <= 1)).toBe(true);
  });

  it('ends paused at step 60', () => {
    expect(s.of('status').at(-1)).toMatchObject({ status: 'paused', steps: 60 });
  });

  it('draws three well-formed trees at each validation, with a finite state per node and unit', () => {
    const trees = s.of('tree');
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
  });

  it('the drawn hidden states change with training', () => {
    const trees = s.of('tree');
    expect(Array.from(trees[0].trees[0].states)).not.toEqual(Array.from(trees.at(-1)!.trees[0].states));
  });
});

describe('TreeSession commands', () => {
  it('refuses a hidden size of 0, naming the field', async () => {
    const { session, of } = open();
    await session.handle({ type: 'configure', config: config({ hidden: 0 }), keepWeights: false });
    expect(of('error').at(-1)!.message).toMatch(/hidden/);
    await session.dispose();
  });

  it('announces the negation task’s three classes', async () => {
    const s = await trained(negation, 0);
    expect(s.of('treeConfigured').at(-1)!.classes).toEqual(['negative', 'neutral', 'positive']);
    await s.session.dispose();
  });

  it('a step message trains one step, then pauses', async () => {
    const s = await trained(negation, 0);
    await s.session.handle({ type: 'step' });
    expect(s.of('metrics').flatMap((m) => Array.from(m.losses))).toHaveLength(1);
    expect(s.of('status').at(-1)).toMatchObject({ status: 'paused', steps: 1 });
    await s.session.dispose();
  });

  it('refuses to sample: not available for tree models', async () => {
    const s = await trained(negation, 1);
    await s.session.handle({ type: 'sample', prompt: 'a', temperature: 1, length: 5 });
    expect(s.of('error').at(-1)!.message).toMatch(/not available for tree models/);
    await s.session.dispose();
  });

  it('exports its weights as a tree weights file', async () => {
    const s = await trained(negation, 1);
    await s.session.handle({ type: 'exportWeights' });
    const file = decodeTreeWeights(new Uint8Array(s.of('weights')[0].bytes));
    expect(file.cfg.hidden).toBe(8);
    expect(file.params).toEqual(await s.weights());
    await s.session.dispose();
  });

  it('reset starts over: idle at step 0', async () => {
    const s = await trained(negation, 1);
    await s.session.handle({ type: 'reset' });
    expect(s.of('status').at(-1)).toMatchObject({ status: 'idle', steps: 0 });
    await s.session.dispose();
  });
});

describe('TreeSession checkpoints: one saved at step 25, loaded in a fresh session', () => {
  let a: RecordedSession;
  let b: RecordedSession;
  let saved: Of<'checkpoint'>['checkpoint'];
  let firstLosses: number[];
  /** What b posted on loading, its checkpoint saved at once, and after a refused load: the error and its status. */
  let onLoad: FromWorker[];
  let again: Of<'checkpoint'>['checkpoint'];
  let refusal: { error: string; status: Of<'status'> | undefined; steps: number };
  beforeAll(async () => {
    a = await trained(small(), 25);
    firstLosses = a.of('metrics').flatMap((m) => Array.from(m.losses));
    await a.session.handle({ type: 'saveCheckpoint' });
    saved = a.of('checkpoint')[0].checkpoint;
    b = open();
    await b.session.handle({ type: 'loadCheckpoint', checkpoint: saved });
    onLoad = b.msgs.slice();
    await b.session.handle({ type: 'saveCheckpoint' });
    again = b.last('checkpoint')!.checkpoint;
    await b.session.handle({ type: 'loadCheckpoint', checkpoint: { ...saved, config: { ...saved.config, hidden: 9 } } as typeof saved });
    refusal = { error: b.last('error')!.message, status: b.last('status'), steps: b.session.steps };
    // Both go on for 5 steps: the run that was saved, and the one restored from it.
    await a.session.runSteps(5);
    await b.session.runSteps(5);
  }, 120_000);
  afterAll(() => Promise.all([a.session.dispose(), b.session.dispose()]));

  it('holds the tree config and the step', () => {
    expect(saved.step).toBe(25);
    expect(saved.config).toMatchObject({ kind: 'tree', task: 'arithmetic', hidden: 8 });
  });

  it('loaded: the model announced, paused at step 25, the restored weights validated', () => {
    expect(onLoad.filter((m) => m.type === 'error')).toEqual([]);
    expect(onLoad.filter((m) => m.type === 'treeConfigured')).toHaveLength(1);
    expect(onLoad.filter((m) => m.type === 'status').at(-1)).toMatchObject({ status: 'paused', steps: 25 });
    expect(onLoad.flatMap((m) => (m.type === 'validation' ? [m.step] : []))).toEqual([25]);
  });

  it('saved again at once gives the same weights and optimizer state, byte for byte', () => {
    expect(again.step).toBe(25);
    expect(new Uint8Array(again.weights)).toEqual(new Uint8Array(saved.weights));
    expect(new Uint8Array(again.optimizer)).toEqual(new Uint8Array(saved.optimizer));
  });

  it('one whose weights do not fit its settings is refused, the session left as it was', () => {
    expect(refusal.error).toMatch(/^Cannot restore the saved session: .*shape/);
    expect(refusal.status).toMatchObject({ status: 'paused', steps: 25 });
    expect(refusal.steps).toBe(25);
  });

  it('training goes on from step 25, with losses below the untrained ones', () => {
    const losses = b.of('metrics').flatMap((m) => Array.from(m.losses));
    expect(b.of('metrics')[0].firstStep).toBe(25);
    expect(losses).toHaveLength(5);
    expect(mean(losses)).toBeLessThan(mean(firstLosses.slice(0, 5)));
    expect(b.of('status').at(-1)).toMatchObject({ status: 'paused', steps: 30 });
  });

  it('the loaded session trains on the trees that come next: the same losses as the run that went on', () => {
    const from25 = (msgs: Of<'metrics'>[]) => msgs.flatMap((m) => Array.from(m.losses).map((l, i) => [m.firstStep + i, l])).filter(([step]) => step >= 25);
    expect(from25(a.of('metrics'))).toHaveLength(5);
    expect(from25(b.of('metrics'))).toEqual(from25(a.of('metrics')));
  });
});

describe('TreeSession weights files: one exported after 10 steps', () => {
  let file: ArrayBuffer;
  let want: Float32Array;
  beforeAll(async () => {
    const a = await trained(small(), 10);
    await a.session.handle({ type: 'exportWeights' });
    file = a.of('weights')[0].bytes;
    want = await a.weights();
    await a.session.dispose();
  }, 120_000);

  it('imported into a model of the same shape: the same weights, a fresh optimizer, validated at once', async () => {
    const b = await trained(small(), 0);
    await b.session.handle({ type: 'importWeights', bytes: file.slice(0) });
    expect(b.of('error')).toEqual([]);
    const got = await trainerOf(b).readCheckpoint();
    expect(got.params).toEqual(want);
    expect(got.optimizer.step).toBe(0);
    expect(got.optimizer.m.every((x) => x === 0)).toBe(true);
    expect(b.of('validation')).toHaveLength(1); // the imported weights, measured at once
    expect(b.of('status').at(-1)).toMatchObject({ status: 'idle', steps: 0 });
    await b.session.dispose();
  });

  it('refused by a model of another hidden size, naming the shape', async () => {
    const c = await trained(small({ hidden: 9 }), 0);
    await c.session.handle({ type: 'importWeights', bytes: file.slice(0) });
    expect(c.of('error').at(-1)!.message).toMatch(/^Cannot load these weights: .*shape/);
    await c.session.dispose();
  });

  it('refused by a model of the same sizes over another task’s vocabulary, the weights kept', async () => {
    const b = await trained(small({ task: 'negation', trainDepth: 3, validationDepth: 5 }), 0);
    const before = await b.weights();
    await b.session.handle({ type: 'importWeights', bytes: file.slice(0) });
    expect(b.of('error').at(-1)!.message).toMatch(/^Cannot load these weights: /);
    expect(await b.weights()).toEqual(before);
    await b.session.dispose();
  });
});

describe('TreeSession after a non-finite loss at step 20', () => {
  let s: RecordedSession;
  let good: Float32Array;
  beforeAll(async () => {
    s = await trained(small(), 20); // ends with a validation: the last good state
    good = await s.weights();
    trainerOf(s).setParams(new Float32Array(good.length).fill(NaN));
    s.msgs.length = 0;
    await s.session.runSteps(30);
  }, 120_000);
  afterAll(() => s.session.dispose());

  it('pauses, saying so (not fatally): the step, what it restored, and what to try', () => {
    const error = s.of('error').at(-1)!;
    expect(error.fatal).toBe(false);
    expect(error.message).toMatch(/diverged at step 20 .*restored the weights of step 20.*lower learning rate/);
    expect(s.of('status').at(-1)!.status).toBe('paused');
  });

  it('rolls back to the weights of the last validation, and validates them (finite)', async () => {
    expect(await s.weights()).toEqual(good);
    expect(Number.isFinite(s.of('validation').at(-1)!.loss)).toBe(true);
  });
});

describe('TreeSession stops', () => {
  it('a stop with nothing trained since the last validation does not validate the same weights again', async () => {
    const { session, of } = await trained(small(), 20);
    expect(of('validation').map((v) => v.step)).toEqual([20]);
    await session.runSteps(0);
    expect(of('validation').map((v) => v.step)).toEqual([20]);
    expect(of('tree').map((t) => t.step)).toEqual([20]);
    await session.runSteps(1);
    expect(of('validation').map((v) => v.step)).toEqual([20, 21]);
    await session.dispose();
  }, 120_000);
});

describe('TreeSession snapshots (the device-loss recovery)', () => {
  it('before any validation the snapshot holds the initial weights and a fresh optimizer', async () => {
    const s = await trained(small(), 0);
    expect(s.session.snapshot()).toMatchObject({ step: 0, optimizer: null, training: false });
    expect(s.session.snapshot()!.params).toEqual(await s.weights());
    await s.session.dispose();
  });

  it("restored on a new device, a snapshot goes on from the last validation's weights, optimizer state and step", async () => {
    const a = await trained(small(), 20); // ends with a validation: the last good state
    const want = await trainerOf(a).readCheckpoint();
    const snapshot = a.session.snapshot()!;
    expect(snapshot).toMatchObject({ step: 20, training: false, config: { kind: 'tree', hidden: 8 } });
    expect(snapshot.params).toEqual(want.params);
    expect(snapshot.optimizer).toEqual(want.optimizer);
    await a.session.dispose();

    const device = await requestNodeDevice();
    try {
      const b = open(device);
      expect(await b.session.restore(snapshot)).toBe(true);
      expect(b.of('treeConfigured'), 'a recovery does not announce a new model').toEqual([]);
      expect(b.of('status').at(-1)).toMatchObject({ status: 'paused', steps: 20 });
      const got = await trainerOf(b).readCheckpoint();
      expect(got.params).toEqual(want.params);
      expect(got.optimizer).toEqual(want.optimizer);
      await b.session.runSteps(5);
      expect(b.of('metrics').map((m) => [m.firstStep, m.losses.length])).toEqual([[20, 5]]);
      expect((await trainerOf(b).readCheckpoint()).optimizer.step).toBe(25);
      await b.session.dispose();
      expect(device.errors).toEqual([]);
    } finally {
      device.device.destroy();
    }
  }, 120_000);
});

describe('TreeSession on a file of labelled trees (200 negation phrases as PTB text)', () => {
  const text = negationTask({ seed: 1, validationSize: 200, validationHeight: 4, trainHeight: 3 })
    .validation.map((t) => writePtb(t))
    .join('\n');
  const file: TreeSessionConfig = { ...small({ task: 'file' }), trees: { name: 'phrases.txt', text } };
  let s: RecordedSession;
  beforeAll(async () => {
    s = await trained(file, 20);
  }, 60_000);
  afterAll(() => s.session.dispose());

  it('announces the labels as classes', () => {
    expect(s.of('error')).toEqual([]);
    expect(s.of('treeConfigured')[0].classes).toEqual(['0', '1', '2']);
  });

  it('trains, validates and draws three of the validation trees', () => {
    expect(s.of('validation').at(-1)).toMatchObject({ step: 20 });
    expect(s.of('tree').at(-1)!.trees).toHaveLength(3);
  });

  it('saves the file’s name and trees in its checkpoint', async () => {
    await s.session.handle({ type: 'saveCheckpoint' });
    expect(s.of('checkpoint')[0].checkpoint.config).toMatchObject({ task: 'file', trees: { name: 'phrases.txt' } });
  });

  it('a damaged file is refused with its name, line and column; the session stays at step 20', async () => {
    await s.session.handle({ type: 'configure', config: { ...file, trees: { name: 'bad.txt', text: '(1 (0 a) (2 b)\n' } }, keepWeights: false });
    expect(s.of('error').at(-1)!.message).toMatch(/^Settings refused: bad\.txt: line 1, column 1: unbalanced/);
    expect(s.of('status').at(-1)).toMatchObject({ steps: 20 });
  });
});

describe('TreeSession keepWeights', () => {
  it('carries the weights into another configuration of the same shape, the steps from 0', async () => {
    const s = await trained(small(), 5);
    const weights = await s.weights();
    // Another learning rate, batch size and depths.
    const other = small({ batchSize: 4, trainDepth: 1, validationDepth: 3, optimizer: optimizer({ kind: 'adam', lr: 0.001 }) });
    await s.session.handle({ type: 'configure', config: other, keepWeights: true });
    expect(s.of('status').at(-1)).toMatchObject({ status: 'idle', steps: 0 });
    expect(await s.weights()).toEqual(weights);
    await s.session.dispose();
  });

  it('starts from fresh weights in a configuration of another hidden size', async () => {
    const s = await trained(small(), 5);
    const weights = await s.weights();
    await s.session.handle({ type: 'configure', config: config({ hidden: 6 }), keepWeights: true });
    expect(s.of('error')).toEqual([]);
    expect((await s.weights()).length).not.toBe(weights.length);
    await s.session.dispose();
  });
});
