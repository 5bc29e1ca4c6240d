// A bidirectional session, on the GPU and on the CPU fallback: the tagging task trains, the heatmap
// holds both directions (forward units, then reverse, 2H), the GPU's heatmap (the reverse direction
// read back from mirrored order) is the CPU's within float32, and the settings a bidirectional model
// cannot have are refused by name before anything is built.
import { describe, expect, it } from 'vitest';
import { charConfig, openSession } from '../testing/sessions.ts';
import { useGpu } from '../testing/gpu.ts';
import type { SessionConfig } from './protocol.ts';

const gpu = useGpu();
const open = (backend: 'gpu' | 'cpu') => openSession({ gpu: backend === 'gpu' ? gpu() : null, validateEvery: 1000 });

const tagging = (over: Partial<SessionConfig> = {}): SessionConfig =>
  charConfig({
    dataset: { kind: 'task', name: 'tagging' },
    cell: 'lstm',
    hidden: 6,
    layers: 2,
    seqLen: 12,
    tbptt: 12,
    batchSize: 4,
    bidirectional: true,
    ...over,
  });

describe('a bidirectional tagger in a session', () => {
  it('the GPU and the CPU give the same heatmap after a step: h, i, f, o, c of both directions, 2H units', async () => {
    const heat = [];
    for (const backend of ['gpu', 'cpu'] as const) {
      const s = open(backend);
      await s.session.configure(tagging(), false);
      await s.session.runSteps(1);
      expect(s.errors()).toEqual([]);
      heat.push(s.last('heatmap')!);
      await s.session.dispose();
    }
    const [g, c] = heat;
    expect(g.channels.map((ch) => ch.name)).toEqual(['h', 'i', 'f', 'o', 'c']);
    for (const [k, ch] of g.channels.entries()) {
      expect(ch.units).toBe(12);
      expect(ch.values).toHaveLength(12 * 12);
      const cpu = c.channels[k].values;
      const worst = Math.max(...ch.values.map((v, i) => Math.abs(v - cpu[i])));
      expect(worst, ch.name).toBeLessThan(1e-4);
      // The reverse half is not a copy of the forward half.
      expect(ch.values.some((v, i) => i % 12 >= 6 && Math.abs(v - ch.values[i - 6]) > 1e-3)).toBe(true);
    }
  });

  for (const backend of ['gpu', 'cpu'] as const)
    it(`${backend}: refuses truncated BPTT and next-step datasets, naming the field`, async () => {
      const s = open(backend);
      const refusal = async (config: SessionConfig) => {
        expect(await s.session.configure(config, false)).toBe(false);
        return s.errors().at(-1)!.message;
      };
      expect(await refusal(tagging({ seqLen: 12, tbptt: 6 }))).toMatch(/tbptt.*bidirectional model reads each sequence whole/);
      expect(await refusal(charConfig({ bidirectional: true }))).toMatch(/bidirectional.*next step's input/);
      expect(await refusal(tagging({ dataset: { kind: 'task', name: 'sine' } }))).toMatch(/bidirectional.*next step's input/);
      expect(s.of('configured')).toEqual([]);
      await s.session.dispose();
    });
});
