import { describe, expect, it } from 'vitest';
import { optimizer } from '../../gpu/optimizer/config.ts';
import type { SavedSeq2SeqSession, SavedSession, Seq2SeqSessionConfig } from '../../gpu/session/protocol.ts';
import { parseSettings } from '../config/schema.ts';
import { toSessionConfig } from '../config/sessionConfig.ts';
import { Metrics } from '../metrics/metrics.ts';
import { formFromDataset } from '../store/settingsSlice.ts';
import { planRestore, putBackCurves, recordOf, savedPageState } from './sessionRecord.ts';

function checkpoint(step: number, form = formFromDataset('first-names')): SavedSession {
  const parsed = parseSettings(form, { uploadChars: null });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return { config: toSessionConfig(parsed.settings, null), step, weights: new ArrayBuffer(8), optimizer: new ArrayBuffer(8) };
}

function trained(steps: number): Metrics {
  const m = new Metrics();
  const losses = Float32Array.from({ length: steps }, (_, i) => 4 - i / 10);
  const gradNorms = Float32Array.from({ length: steps }, (_, i) => 0.5 + i / 100);
  m.addWindow({ firstStep: 0, losses, gradNorms, skipped: new Uint8Array(steps), msPerStep: 1, tokensPerSec: 1 });
  m.addValidation({ step: 20, loss: 3.5 });
  m.addValidation({ step: 30, loss: 3.2 });
  return m;
}

describe('the stored record', () => {
  it('keeps the curves up to the checkpoint’s step', () => {
    const record = recordOf(checkpoint(25), trained(30), 7, undefined, 1234);
    expect(record.losses.length).toBe(25);
    expect(record.losses[0]).toBe(4);
    expect(record.losses[24]).toBeCloseTo(1.6, 6);
    expect(record.gradNorms!.length).toBe(25);
    expect(record.gradNorms![24]).toBeCloseTo(0.74, 6);
    expect(record.validation).toEqual([{ step: 20, loss: 3.5 }]);
    expect(record.carriedSteps).toBe(7);
    expect(record.savedAt).toBe(1234);
  });

  it('puts the stored curves back into the metrics, speed included', () => {
    const m = trained(30);
    m.addWindow({
      firstStep: 30,
      losses: new Float32Array(10).fill(1),
      gradNorms: new Float32Array(10),
      skipped: new Uint8Array(10),
      msPerStep: 12.5,
      tokensPerSec: 640,
    });
    const record = recordOf(checkpoint(35), m, 7, undefined, 1234);
    const restored = new Metrics();
    putBackCurves(restored, record);
    expect(restored.loss.toArray()).toEqual(Array.from(record.losses));
    expect(restored.gradNorm.toArray()).toEqual(Array.from(record.gradNorms!));
    expect(restored.msPerStep.toArray()).toEqual([...new Array(30).fill(1), ...new Array(5).fill(12.5)]);
    expect(restored.tokensPerSec.toArray()).toEqual([...new Array(30).fill(1), ...new Array(5).fill(640)]);
    expect(restored.validation).toEqual([
      { step: 20, loss: 3.5 },
      { step: 30, loss: 3.2 },
    ]);
  });

  it('keeps the samples up to the checkpoint’s step and the sampling settings, and gives them back checked', () => {
    const samples = [
      { step: 40, prompt: 'The ', text: 'The sea' },
      { step: 20, prompt: 'A', text: 'Ahab' },
    ];
    const sampling = { prompt: 'Call me', temperature: 0.5, sampleLength: 120 };
    const record = recordOf(checkpoint(25), trained(30), 0, { samples, sampling });
    expect(record.samples).toEqual([samples[1]]);
    expect(record.sampling).toEqual(sampling);
    expect(savedPageState(record)).toEqual({ samples: [samples[1]], sampling });
    // An older record has neither; a damaged one gives what is sound.
    expect(savedPageState(recordOf(checkpoint(25), trained(30), 0))).toEqual({});
    const damaged = { ...record, samples: [{ step: 'x' }, samples[1]] as never, sampling: { prompt: 3 } as never };
    expect(savedPageState(damaged)).toEqual({ samples: [samples[1]] });
  });

  it('stops at the last step that arrived when the checkpoint is ahead of the curves', () => {
    expect(recordOf(checkpoint(40), trained(30), 0).losses.length).toBe(30);
  });

  it('refuses a record whose settings the form would reject, naming the field', () => {
    const ok = planRestore(recordOf(checkpoint(5), trained(5), 0));
    expect(ok.ok && ok.settings.dataset).toBe('first-names');
    const bad = recordOf(checkpoint(5, { ...formFromDataset('first-names'), seqLen: '16', tbptt: '16' }), trained(5), 0);
    (bad.checkpoint.config as SavedSession['config']).tbptt = 5;
    const plan = planRestore(bad);
    expect(plan.ok).toBe(false);
    expect(!plan.ok && plan.reason).toBe('its settings are no longer valid (tbptt: Must divide the sequence length (16): try 2 or 4.)');
  });
});

describe('an encoder-decoder’s record', () => {
  const seq2seq = (over: Partial<Seq2SeqSessionConfig> = {}): SavedSeq2SeqSession => ({
    config: {
      kind: 'seq2seq',
      task: 'reverse',
      maxLength: 6,
      cell: 'gru',
      nonlinearity: 'tanh',
      layers: 1,
      hidden: 32,
      attention: 'additive',
      batchSize: 16,
      optimizer: optimizer({ kind: 'adam', lr: 0.005 }),
      seed: 3,
      ...over,
    },
    step: 12,
    weights: new ArrayBuffer(8),
    optimizer: new ArrayBuffer(8),
  });

  it('restores the task, its training size and the attention into the form', () => {
    const plan = planRestore(recordOf(seq2seq(), trained(12), 0));
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.settings).toMatchObject({ dataset: 'reverse', maxLength: 6, attention: 'additive', hidden: 32, cell: 'gru' });
    expect(plan.pairFile).toBeNull();
  });

  it('restores a pairs file as the upload it was, its pairs counted', () => {
    const text = Array.from({ length: 20 }, (_, i) => `a${i % 3}\t${i % 3}a`).join('\n');
    const plan = planRestore(recordOf(seq2seq({ task: 'file', maxLength: undefined, pairs: { name: 'p.tsv', text } }), trained(12), 0));
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.settings.dataset).toBe('pairs-upload');
    expect(plan.pairFile).toEqual({ name: 'p.tsv', text, pairs: 20 });
  });
});
