// The tree session in Node (Dawn), driven directly as the worker does: configure, train to a step
// count, validation with the deeper trees' accuracy, and the drawn trees with their hidden states.
import { describe, expect, it } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { optimizer } from '../optim/config.ts';
import { TreeSession } from './treeSession.ts';
import type { FromWorker, TreeSessionConfig } from './protocol.ts';

const gpu = useGpu();

type Of<K extends FromWorker['type']> = Extract<FromWorker, { type: K }>;

const config = (over: Partial<TreeSessionConfig> = {}): TreeSessionConfig => ({
  kind: 'tree', task: 'arithmetic', cell: 'lstm', hidden: 16, batchSize: 16, trainDepth: 2, validationDepth: 4,
  optimizer: optimizer({ kind: 'adam', lr: 0.01, clip: 1 }), seed: 0, ...over,
});

function open() {
  const msgs: FromWorker[] = [];
  const session = new TreeSession(gpu(), (m) => msgs.push(m), { validateEvery: 20, validationSize: 50 });
  const of = <K extends FromWorker['type']>(type: K) => msgs.filter((m): m is Of<K> => m.type === type);
  return { session, msgs, of };
}

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
    console.log(`tree session: loss ${mean(losses.slice(0, 10)).toFixed(3)} -> ${mean(losses.slice(-10)).toFixed(3)}; accuracy ${of('validation').map((v) => v.accuracy?.toFixed(2)).join(' ')}`);
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
    await session.handle({ type: 'configure', config: config({ task: 'negation', cell: 'rnn', hidden: 8, trainDepth: 3, validationDepth: 5 }), keepWeights: false });
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
