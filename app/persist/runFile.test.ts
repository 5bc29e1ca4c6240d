// A run as one file: encoded and decoded back to the same record (weights and optimizer files byte
// for byte, curves, validation, samples, settings, step); its weights readable as plain weights by
// PyTorch's side (the weights' names unprefixed); other files refused, saying what they are.
import { describe, expect, it } from 'vitest';
import { optimizer } from '../../gpu/optimizer/config.ts';
import { decodeSafetensors } from '../../gpu/io/safetensors.ts';
import { initParams } from '../../gpu/recurrent/params.ts';
import { encodeOptimizerState, encodeWeights } from '../../gpu/recurrent/weights.ts';
import { parseModelConfig } from '../../gpu/recurrent/config.ts';
import type { SavedSession } from '../../gpu/session/protocol.ts';
import { parseSettings } from '../config/schema.ts';
import { toSessionConfig } from '../config/sessionConfig.ts';
import { formFromDataset } from '../store/settingsSlice.ts';
import { decodeRunFile, encodeRunFile } from './runFile.ts';
import type { StoredSession } from './sessionStore.ts';

function record(): StoredSession {
  const parsed = parseSettings(formFromDataset('first-names'), { uploadChars: null });
  if (!parsed.ok) throw new Error('settings');
  const model = parseModelConfig({ cell: 'gru', hidden: 4, input: { kind: 'tokens', vocab: 5 }, output: 5, loss: 'ce' });
  const params = initParams(model, 3);
  const o = optimizer({ kind: 'adam', lr: 0.003 });
  const state = { step: 12, skippedTotal: 1, m: params.map((x) => x / 10), v: params.map((x) => x * x) };
  const checkpoint: SavedSession = {
    config: toSessionConfig(parsed.settings, null),
    step: 12,
    weights: encodeWeights(model, params, { 'rnnlab.step': '12' }).slice().buffer,
    optimizer: encodeOptimizerState(model, o, state).slice().buffer,
  };
  return {
    checkpoint,
    losses: Float32Array.from({ length: 12 }, (_, i) => 2 - i / 20),
    gradNorms: new Float32Array(12).fill(0.5),
    msPerStep: new Float32Array(12).fill(3),
    tokensPerSec: new Float32Array(12).fill(1000),
    validation: [{ step: 10, loss: 1.6 }],
    savedAt: 1_700_000_000_000,
    carriedSteps: 40,
    samples: [{ step: 10, prompt: 'Ma', text: 'rtha' }],
    sampling: { prompt: 'Ma', temperature: 0.7, sampleLength: 50 },
  };
}

describe('run files', () => {
  it('carry the whole run: decoded, the same record, weights and optimizer files byte for byte', () => {
    const r = record();
    const bytes = encodeRunFile(r, { name: 'GRU baseline', createdAt: 5 });
    const back = decodeRunFile(bytes, 'run.safetensors');
    expect(back.name).toBe('GRU baseline');
    expect(back.createdAt).toBe(5);
    expect(new Uint8Array(back.record.checkpoint.weights)).toEqual(new Uint8Array(r.checkpoint.weights));
    expect(new Uint8Array(back.record.checkpoint.optimizer)).toEqual(new Uint8Array(r.checkpoint.optimizer));
    const withoutCheckpoint = (x: StoredSession) => Object.fromEntries(Object.entries(x).filter(([k]) => k !== 'checkpoint'));
    expect(withoutCheckpoint(back.record)).toEqual(withoutCheckpoint(r));
    expect(back.record.checkpoint.config).toEqual(r.checkpoint.config);
    expect(back.record.checkpoint.step).toBe(12);
  });

  it('hold the weights under their own names, the optimizer and curves beside them', () => {
    const file = decodeSafetensors(encodeRunFile(record(), { name: 'x', createdAt: 0 }));
    const names = [...file.tensors.keys()];
    expect(names).toContain('rnn.weight_hh_l0');
    expect(names.filter((n) => n.startsWith('curves/'))).toEqual(['curves/losses', 'curves/gradNorms', 'curves/msPerStep', 'curves/tokensPerSec']);
    expect(names.some((n) => n.startsWith('optimizer/'))).toBe(true);
    expect(file.metadata['rnnlab.step']).toBe('12');
  });

  it('refuse what is not a run file, saying what it is', () => {
    expect(() => decodeRunFile(new TextEncoder().encode('hello, world, this is text'), 'notes.txt')).toThrow(/^“notes\.txt” is not a run file: /);
    const weightsOnly = new Uint8Array(record().checkpoint.weights);
    expect(() => decodeRunFile(weightsOnly, 'w.safetensors')).toThrow(
      '“w.safetensors” holds weights but no run (no rnnlab.run in it): load weights with Import under Weights.',
    );
  });
});
