// The page's message handling, message by message: the store patch and the effects each produces.

import { describe, expect, it } from 'vitest';
import type { FromWorker, SavedSession } from '../../gpu/session/protocol.ts';
import { parseSettings, type Settings } from '../config/schema.ts';
import { toSessionConfig } from '../config/sessionConfig.ts';
import type { StoredSession } from '../persist/sessionStore.ts';
import type { ConfigureRequest } from '../store/inFlightSlice.ts';
import { useStore, type Store } from '../store/index.ts';
import type { ModelInfo } from '../store/sessionSlice.ts';
import { formFromDataset } from '../store/settingsSlice.ts';
import { handleMessage, sampleRequest } from './handleMessage.ts';

/** 3 May 2024, 14:03:12 local time: the notices format times of that day as the time alone. */
const NOW = new Date(2024, 4, 3, 14, 3, 12).getTime();
const at = (lossEnd = 0, weightsWaiting = 0) => ({ lossEnd, weightsWaiting, now: NOW });

const state = (over: Partial<Store> = {}): Store => ({ ...useStore.getInitialState(), ...over });

function settingsOf(dataset: 'first-names' | 'adding', over: Partial<ReturnType<typeof formFromDataset>> = {}): Settings {
  const parsed = parseSettings({ ...formFromDataset(dataset), ...over }, { uploadChars: null });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.settings;
}

const request = (over: Partial<ConfigureRequest> = {}): ConfigureRequest => ({
  settings: settingsOf('first-names'),
  keepWeights: false,
  resume: false,
  phaseBefore: 'idle',
  carriedSteps: 0,
  ...over,
});

const VOCABULARY = ['\n', 'a', 'b'];
const MODEL = { cell: 'gru', nonlinearity: 'tanh', layers: 1, hidden: 64, input: { kind: 'tokens', vocab: 3 }, output: 3, loss: 'ce' } as const;
const configured: FromWorker = {
  type: 'configured',
  model: MODEL,
  paramCount: 13_059,
  vocabulary: VOCABULARY,
  stepLabels: ['a', 'b'],
  baseline: null,
  kernels: null,
};
const charModel: ModelInfo = { config: MODEL, paramCount: 13_059, vocabulary: VOCABULARY, stepLabels: ['a', 'b'], baseline: null, kernels: null };

function stored(step: number, savedAt: number): StoredSession {
  const checkpoint: SavedSession = {
    config: toSessionConfig(settingsOf('first-names'), null),
    step,
    weights: new ArrayBuffer(8),
    optimizer: new ArrayBuffer(8),
  };
  return { checkpoint, losses: new Float32Array(step), validation: [], savedAt, carriedSteps: 20 };
}

const metricsWindow = (firstStep: number, length: number): FromWorker => ({
  type: 'metrics',
  firstStep,
  losses: new Float32Array(length).fill(2),
  gradNorms: new Float32Array(length).fill(1),
  skipped: new Uint8Array(length),
  msPerStep: 3,
  tokensPerSec: 1000,
});

describe('configuring', () => {
  it('configured: a fresh session on the requested settings', () => {
    const r = request({ carriedSteps: 0 });
    const s = state({ requested: r, phase: 'configuring', steps: 37, nextSampleAt: 300, samples: [{ step: 30, prompt: 'a', text: 'ab' }] });
    const { patch, effects } = handleMessage(s, configured, at());
    expect(patch).toEqual({
      model: charModel,
      treeModel: null,
      applied: r.settings,
      appliedUpload: null,
      appliedSeries: null,
      appliedTreeFile: null,
      carriedSteps: 0,
      requested: null,
      nextSampleAt: 100,
      samples: [],
      phase: 'idle',
      steps: 0,
    });
    expect(effects).toEqual([{ kind: 'clearCurves' }, { kind: 'settleConfigure' }]);
  });

  it('configured with the weights kept while training: training goes on from the carried steps', () => {
    const r = request({ keepWeights: true, resume: true, phaseBefore: 'training', carriedSteps: 250 });
    const samples = [{ step: 200, prompt: 'a', text: 'abba' }];
    const { patch, effects } = handleMessage(state({ requested: r, phase: 'configuring', steps: 250, samples }), configured, at());
    expect(patch.carriedSteps).toBe(250);
    expect(patch.steps).toBe(0);
    expect('samples' in patch).toBe(false);
    expect(effects).toEqual([{ kind: 'clearCurves' }, { kind: 'send', message: { type: 'train' } }, { kind: 'settleConfigure' }]);
  });

  it('treeConfigured: a tree model instead of a recurrent one', () => {
    const m: FromWorker = { type: 'treeConfigured', paramCount: 4_203, classes: ['0', '1'], hidden: 32, majorityAccuracy: 0.52 };
    const { patch } = handleMessage(state({ requested: request(), phase: 'configuring', model: charModel }), m, at());
    expect(patch.model).toBeNull();
    expect(patch.treeModel).toEqual({ classes: ['0', '1'], hidden: 32, paramCount: 4_203, majorityAccuracy: 0.52 });
    expect(patch.phase).toBe('idle');
  });

  it('a refused configuration naming a field: the message shows at that field', () => {
    const message = 'Settings refused: tbptt: must divide seqLen (64): try 2, 4, 8, 16 or 32.';
    const s = state({ requested: request({ phaseBefore: 'paused' }), phase: 'configuring' });
    const { patch, effects } = handleMessage(s, { type: 'error', message, fatal: false }, at());
    expect(patch).toEqual({
      error: null,
      sampleInFlight: false,
      requested: null,
      phase: 'paused',
      errors: { tbptt: 'Must divide seqLen (64): try 2, 4, 8, 16 or 32.' },
    });
    expect(effects).toEqual([{ kind: 'settleConfigure', error: message }]);
  });

  it('a refused configuration naming no field: the message shows in a banner', () => {
    const message = 'Settings refused: this model needs more GPU memory than there is.';
    const s = state({ requested: request({ phaseBefore: 'configuring' }), phase: 'configuring' });
    const { patch, effects } = handleMessage(s, { type: 'error', message, fatal: false }, at());
    expect(patch).toEqual({ error: { message, fatal: false }, sampleInFlight: false, requested: null, phase: 'idle' });
    expect(effects).toEqual([{ kind: 'settleConfigure', error: message }]);
  });

  it('a fatal error while configuring fails the session, its waiters included', () => {
    const message = 'The training worker failed on "configure": out of memory';
    const { patch, effects } = handleMessage(state({ requested: request(), phase: 'configuring' }), { type: 'error', message, fatal: true }, at());
    expect(patch).toEqual({ error: { message, fatal: true }, phase: 'failed', sampleInFlight: false, requested: null });
    expect(effects).toEqual([{ kind: 'settleConfigure', error: message }]);
  });

  it('status while configuring or failed is the old session’s: it sets the steps only', () => {
    expect(handleMessage(state({ phase: 'configuring', steps: 5 }), { type: 'status', status: 'training', steps: 40 }, at()).patch).toEqual({ steps: 40 });
    expect(handleMessage(state({ phase: 'failed' }), { type: 'status', status: 'paused', steps: 40 }, at()).patch).toEqual({ steps: 40 });
  });

  it('status in a settled session sets the phase', () => {
    expect(handleMessage(state({ phase: 'idle' }), { type: 'status', status: 'training', steps: 0 }, at()).patch).toEqual({ phase: 'training', steps: 0 });
  });
});

describe('restoring the stored session', () => {
  const savedAt = new Date(2024, 4, 3, 14, 0, 0).getTime();

  it('a restore ends paused at the stored step, with its curves', () => {
    const saved = stored(500, savedAt);
    const r = request({ phaseBefore: 'starting', carriedSteps: 20 });
    const first = handleMessage(state({ restoring: saved, requested: r, phase: 'configuring' }), configured, at());
    expect(first.patch.carriedSteps).toBe(20);
    expect(first.effects).toEqual([{ kind: 'clearCurves' }, { kind: 'putBackCurves', saved }, { kind: 'settleConfigure' }]);

    const s = state({ ...first.patch, restoring: saved });
    const { patch, effects } = handleMessage(s, { type: 'status', status: 'paused', steps: 500 }, at(500));
    expect(patch).toEqual({
      phase: 'paused',
      steps: 500,
      restoring: null,
      nextSampleAt: 600,
      save: { ...s.save, savedAt, savedStep: 500 },
      notice: 'Restored your session from 14:00:00 (step 500).',
    });
    expect(effects).toEqual([]);
  });

  it('a restore the worker refuses falls back to the default settings', () => {
    const saved = stored(1200, savedAt);
    const s = state({ restoring: saved, requested: request({ phaseBefore: 'starting' }), phase: 'configuring', form: formFromDataset('adding') });
    const message = 'Cannot restore the saved session: the weights do not fit the settings.';
    const { patch, effects } = handleMessage(s, { type: 'error', message, fatal: false }, at());
    expect(patch).toMatchObject({
      restoring: null,
      requested: null,
      form: formFromDataset('moby-dick'),
      upload: null,
      series: null,
      treeFile: null,
      phase: 'starting',
    });
    expect(effects).toEqual([
      {
        kind: 'apply',
        notice:
          'Your session saved at 14:00:00 (step 1,200) could not be restored: the weights do not fit the settings. ' +
          'Started with the default settings; the saved session stays stored until a new save replaces it.',
      },
    ]);
  });
});

describe('importing weights', () => {
  it('the status after an import confirms the loaded weights', () => {
    const s = state({ importing: 'names.safetensors', phase: 'idle', importError: 'old' });
    const { patch, effects } = handleMessage(s, { type: 'status', status: 'paused', steps: 0 }, at());
    expect(patch).toEqual({
      phase: 'paused',
      steps: 0,
      notice: 'Loaded the weights of “names.safetensors”; the optimizer starts afresh.',
      importError: null,
      importing: null,
      importedStep: null,
    });
    expect(effects).toEqual([{ kind: 'imported' }]);
  });

  it('a file that records its steps: the count restarts at 0 over them, curves and samples cleared, and the notice says so', () => {
    const s = state({ importing: 'names.safetensors', phase: 'paused', steps: 40, samples: [{ step: 20, prompt: 'a', text: 'b' }] });
    const imported = handleMessage(s, { type: 'weightsImported', step: 259 }, at());
    expect(imported.patch).toMatchObject({ steps: 0, carriedSteps: 259, importedStep: 259, samples: [] });
    expect(imported.effects).toEqual([{ kind: 'clearCurves' }]);
    const after = { ...s, ...imported.patch };
    expect(handleMessage(after, { type: 'status', status: 'paused', steps: 0 }, at()).patch).toMatchObject({
      notice: 'Loaded the weights of “names.safetensors” (trained for 259 steps); the optimizer starts afresh.',
      importedStep: null,
    });
    // One that records none keeps the count and the curves.
    expect(handleMessage(s, { type: 'weightsImported', step: null }, at())).toEqual({ patch: { importedStep: null }, effects: [] });
  });

  it('a refused import: the message goes next to the import control, not in a banner', () => {
    const message = 'The weights file has a tensor of the wrong shape: rnn.weight_hh_l0 is [64, 64], expected [32, 32].';
    const { patch, effects } = handleMessage(state({ importing: 'x.safetensors', phase: 'paused' }), { type: 'error', message, fatal: false }, at());
    expect(patch).toEqual({ error: null, sampleInFlight: false, importing: null, importError: message });
    expect(effects).toEqual([]);
  });
});

describe('the device and failures', () => {
  it('deviceError rejects the configuration waiters with its message', () => {
    const message = 'WebGPU is not available in this browser.';
    const { patch, effects } = handleMessage(state({ phase: 'starting' }), { type: 'deviceError', message }, at());
    expect(patch).toEqual({ deviceError: message });
    expect(effects).toEqual([{ kind: 'settleConfigure', error: message }]);
  });

  it('the CPU fallback shrinks untouched default sizes, but not the user’s, a restore’s or a trained session’s', () => {
    const cpu: FromWorker = { type: 'device', adapter: 'CPU', backend: 'cpu', limits: {} };
    const form = formFromDataset('moby-dick');
    expect(handleMessage(state({ form }), cpu, at()).patch).toEqual({
      device: { adapter: 'CPU', backend: 'cpu', limits: {} },
      form: { ...form, hidden: '32', seqLen: '32', tbptt: '32', batchSize: '8' },
    });
    expect(handleMessage(state({ form: { ...form, hidden: '256' } }), cpu, at()).patch.form).toBeUndefined();
    expect(handleMessage(state({ form, restoring: stored(10, NOW) }), cpu, at()).patch.form).toBeUndefined();
    expect(handleMessage(state({ form, carriedSteps: 5 }), cpu, at()).patch.form).toBeUndefined();
    const gpu: FromWorker = { type: 'device', adapter: 'Apple M2', backend: 'metal', limits: { maxBufferSize: 1 << 30 } };
    expect(handleMessage(state({ form }), gpu, at()).patch).toEqual({ device: { adapter: 'Apple M2', backend: 'metal', limits: { maxBufferSize: 1 << 30 } } });
  });

  it('a fatal error while training fails the session', () => {
    const message = 'The GPU device was lost (unknown) and could not be replaced: no adapter';
    const { patch, effects } = handleMessage(state({ phase: 'training', sampleInFlight: true }), { type: 'error', message, fatal: true }, at());
    expect(patch).toEqual({ error: { message, fatal: true }, phase: 'failed', sampleInFlight: false });
    expect(effects).toEqual([]);
  });

  it('the worker lost fails the session, leaving what is in flight to Reset (it replaces the worker)', () => {
    const message = 'The training worker failed to start or crashed: boom. Reset starts a new worker with fresh weights.';
    const s = state({ phase: 'training', importing: 'w.safetensors', requested: request(), sampleInFlight: true });
    expect(handleMessage(s, { type: 'lost', message }, at())).toEqual({ patch: { error: { message, fatal: true }, phase: 'failed' }, effects: [] });
  });

  it('recovered: back to the checkpoint’s step, with the message as a notice', () => {
    const message = 'The GPU device was lost (reason); training resumed from step 40 on a new device, with the weights and optimizer state of that step.';
    expect(handleMessage(state({ steps: 57 }), { type: 'recovered', step: 40, message }, at()).patch).toEqual({ steps: 40, notice: message });
  });
});

const sampleSent = { kind: 'send', message: { type: 'sample', prompt: 'The ', temperature: 0.8, length: 200 } };

describe('samples while training', () => {
  const training = (over: Partial<Store> = {}) => state({ phase: 'training', model: charModel, ...over });

  it('asks for a sample every SAMPLE_EVERY steps', () => {
    const first = handleMessage(training({ steps: 90 }), metricsWindow(90, 10), at(100));
    expect(first).toEqual({ patch: { steps: 100, nextSampleAt: 200, sampleInFlight: true }, effects: [sampleSent] });
    expect(handleMessage(training({ ...first.patch }), metricsWindow(100, 10), at(110))).toEqual({ patch: { steps: 110 }, effects: [] });
  });

  it('asks for no sample while one is on its way', () => {
    const late = handleMessage(training({ steps: 200, nextSampleAt: 200, sampleInFlight: true }), metricsWindow(200, 10), at(210));
    expect(late).toEqual({ patch: { steps: 210 }, effects: [] });
  });

  it('keeps a sample that arrived, newest first', () => {
    const s = training({ steps: 100, nextSampleAt: 200, sampleInFlight: true, samples: [{ step: 4, prompt: 'The ', text: 'The a' }] });
    const arrived = handleMessage(s, { type: 'sample', step: 104, prompt: 'The ', text: 'The abba' }, at(110));
    expect(arrived.patch).toEqual({
      samples: [
        { step: 104, prompt: 'The ', text: 'The abba' },
        { step: 4, prompt: 'The ', text: 'The a' },
      ],
      sampleInFlight: false,
    });
  });

  it('counts from the loss curve when it runs ahead of the status', () => {
    const { patch, effects } = handleMessage(training({ steps: 80, nextSampleAt: 100 }), { type: 'status', status: 'training', steps: 80 }, at(130));
    expect(patch).toEqual({ phase: 'training', steps: 80, nextSampleAt: 230, sampleInFlight: true });
    expect(effects).toEqual([sampleSent]);
  });

  it('asks for none for a task model', () => {
    expect(handleMessage(training({ model: { ...charModel, vocabulary: null }, steps: 90 }), metricsWindow(90, 10), at(100)).effects).toEqual([]);
  });

  it('asks for none when not training', () => {
    expect(handleMessage(state({ phase: 'paused', model: charModel, steps: 90 }), metricsWindow(90, 10), at(100)).effects).toEqual([]);
  });
});

describe('a sample on demand', () => {
  it('is asked for from a paused character model', () => {
    expect(sampleRequest(state({ phase: 'paused', model: charModel }))).toEqual({ patch: { sampleInFlight: true }, effects: [sampleSent] });
  });

  it('waits while the worker is (re)building', () => {
    expect(sampleRequest(state({ phase: 'configuring', model: charModel }))).toBeNull();
  });

  it('waits while another is on its way', () => {
    expect(sampleRequest(state({ phase: 'paused', model: charModel, sampleInFlight: true }))).toBeNull();
  });

  it('needs a model', () => {
    expect(sampleRequest(state({ phase: 'paused', model: null }))).toBeNull();
  });
});

describe('weights', () => {
  const bytes = new Uint8Array([1, 2, 3]).buffer;

  it('go to a readWeights caller when one waits', () => {
    expect(handleMessage(state(), { type: 'weights', bytes }, at(0, 2))).toEqual({
      patch: {},
      effects: [{ kind: 'weightsRead', bytes }],
    });
  });

  it('else are a download named after the settings and the steps trained in all', () => {
    const s = state({ applied: settingsOf('first-names'), carriedSteps: 30, steps: 100 });
    expect(handleMessage(s, { type: 'weights', bytes }, at())).toEqual({
      patch: {},
      effects: [{ kind: 'download', bytes, fileName: 'rnnlab-first-names-gru-h64x1-step130.safetensors' }],
    });
  });

  it('a checkpoint goes to the autosave', () => {
    const checkpoint = stored(10, NOW).checkpoint;
    expect(handleMessage(state(), { type: 'checkpoint', checkpoint }, at())).toEqual({ patch: {}, effects: [{ kind: 'checkpoint', checkpoint }] });
  });
});
