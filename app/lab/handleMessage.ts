// The page's handling of the training worker's messages, as a pure function: the store's state and
// one message in, a patch to the store and the effects to run out (sends, curves to clear or put
// back, waiters to settle, a download, the autosave's checkpoint). PageLab applies the patch, then
// runs the effects in order. Metrics windows, validations, heatmaps and trees go to the buffers
// outside the store (metrics/, tree/, seq2seq/) before this runs.

import type { FromWorker, SavedCheckpoint, ToWorker } from '../../gpu/session/protocol.ts';
import { DEFAULT_DATASET, PAIRS_UPLOAD, TREE_UPLOAD, datasetInfo } from '../config/datasets.ts';
import type { FieldName } from '../config/schema.ts';
import { restoredNotice, restoreFailedNotice, savedPageState } from '../persist/sessionRecord.ts';
import type { StoredSession } from '../persist/sessionStore.ts';
import { SAMPLE_EVERY } from '../store/inFlightSlice.ts';
import type { Store } from '../store/index.ts';
import { withSample } from '../store/samplesSlice.ts';
import { formFromDataset } from '../store/settingsSlice.ts';
import { weightsFileName } from '../weightsFile.ts';

/** A worker message, or the worker itself gone (it crashed or failed to start: `message` says so). */
export type PageInput = FromWorker | { type: 'lost'; message: string };

export type Effect =
  | { kind: 'send'; message: ToWorker }
  /** Empty curves, heatmap and trees: the step count starts from 0. */
  | { kind: 'clearCurves' }
  /** A restored session's curves, after the 'configured' that emptied them. */
  | { kind: 'putBackCurves'; saved: StoredSession }
  /** whenConfigured's callers: resolved, or rejected with `error`. */
  | { kind: 'settleConfigure'; error?: string }
  /** The oldest readWeights caller gets the bytes. */
  | { kind: 'weightsRead'; bytes: ArrayBuffer }
  | { kind: 'download'; bytes: ArrayBuffer; fileName: string }
  /** The worker's answer to the autosave's request. */
  | { kind: 'checkpoint'; checkpoint: SavedCheckpoint }
  /** Imported weights are worth a save even at step 0. */
  | { kind: 'imported' }
  /** Applies the form (as its Apply would); then `notice` is shown, as the configuration clears the banners. */
  | { kind: 'apply'; notice: string };

export interface Step {
  patch: Partial<Store>;
  effects: Effect[];
}

/**
 * What handling reads besides the store: the loss curve's end (it may run ahead of `steps`), the
 * readWeights callers waiting (the next 'weights' goes to the oldest instead of a download), and
 * the time, for notices.
 */
export interface Context {
  lossEnd: number;
  weightsWaiting: number;
  now: number;
}

/**
 * Builds a Step as a sequence of patches: each `set` sees the ones before it, as successive
 * setState calls would.
 */
class StepBuilder {
  readonly patch: Partial<Store> = {};
  readonly effects: Effect[] = [];
  constructor(public s: Store) {}
  set(p: Partial<Store>): void {
    Object.assign(this.patch, p);
    this.s = { ...this.s, ...p };
  }
  run(...effects: Effect[]): void {
    this.effects.push(...effects);
  }
  add(step: Step | null): void {
    if (!step) return;
    this.set(step.patch);
    this.run(...step.effects);
  }
  done(): Step {
    return { patch: this.patch, effects: this.effects };
  }
}

export function handleMessage(state: Store, m: PageInput, at: Context): Step {
  const x = new StepBuilder(state);
  switch (m.type) {
    case 'device':
      // After a deviceError this is the worker's fallback (the CPU): the error still explains why.
      x.set({ device: { adapter: m.adapter, backend: m.backend, limits: m.limits } });
      if (m.backend === 'cpu') x.set(cpuSizes(x.s));
      break;
    case 'deviceError':
      // The phase is left alone: a device may still follow (a fallback), else a fatal error does.
      x.set({ deviceError: m.message });
      x.run({ kind: 'settleConfigure', error: m.message });
      break;
    case 'configured':
      x.set({
        model: { config: m.model, paramCount: m.paramCount, vocabulary: m.vocabulary, stepLabels: m.stepLabels, baseline: m.baseline, kernels: m.kernels },
        treeModel: null,
        ...(x.s.seq2seqModel ? { seq2seqModel: null } : {}),
      });
      configured(x);
      break;
    case 'treeConfigured':
      x.set({
        model: null,
        treeModel: { classes: m.classes, hidden: m.hidden, paramCount: m.paramCount, majorityAccuracy: m.majorityAccuracy },
        ...(x.s.seq2seqModel ? { seq2seqModel: null } : {}),
      });
      configured(x);
      break;
    case 'seq2seqConfigured':
      x.set({
        model: null,
        treeModel: null,
        seq2seqModel: { paramCount: m.paramCount, vocabulary: m.vocabulary, maxSource: m.maxSource, kernels: m.kernels },
      });
      configured(x);
      break;
    case 'decoded':
      x.set({
        decoded: { source: m.source, beam: m.beam, step: x.s.steps, hypotheses: m.hypotheses, error: m.error ?? null },
        decoding: false,
      });
      break;
    case 'status': {
      const { phase, importing, restoring } = x.s;
      // While configuring, the old session's status is stale; 'configured' ends that phase.
      x.set(phase === 'configuring' || phase === 'failed' ? { steps: m.steps } : { phase: m.status, steps: m.steps });
      if (importing) {
        const trained = x.s.importedStep !== null ? ` (trained for ${x.s.importedStep.toLocaleString('en-US')} steps)` : '';
        x.set({
          notice: `Loaded the weights of “${importing}”${trained}; the optimizer starts afresh.`,
          importError: null,
          importing: null,
          importedStep: null,
        });
        x.run({ kind: 'imported' });
      }
      if (restoring && m.status === 'paused') {
        x.set({
          restoring: null,
          nextSampleAt: restoring.checkpoint.step + SAMPLE_EVERY,
          save: { ...x.s.save, savedAt: restoring.savedAt, savedStep: restoring.checkpoint.step },
          notice: restoredNotice(restoring, at.now),
        });
      }
      x.add(sampleDue(x.s, at.lossEnd));
      break;
    }
    case 'metrics': {
      // Status comes at validations only; the windows (every 10 steps) keep the count current.
      const end = m.firstStep + m.losses.length;
      if (end > x.s.steps) x.set({ steps: end });
      x.add(sampleDue(x.s, at.lossEnd));
      break;
    }
    case 'sample':
      x.set({ samples: withSample(x.s.samples, { step: m.step, prompt: m.prompt, text: m.text }), sampleInFlight: false });
      break;
    case 'checkpoint':
      x.run({ kind: 'checkpoint', checkpoint: m.checkpoint });
      break;
    case 'weightsImported':
      // Weights that record their steps: the count restarts at 0 over them, with curves and samples of their own.
      if (m.step !== null) {
        x.add(startOver(true));
        x.set({ steps: 0, carriedSteps: m.step, importedStep: m.step });
      } else x.set({ importedStep: null });
      break;
    case 'weights':
      if (at.weightsWaiting > 0) x.run({ kind: 'weightsRead', bytes: m.bytes });
      else x.run({ kind: 'download', bytes: m.bytes, fileName: weightsFileName(x.s.applied, x.s.carriedSteps + x.s.steps) });
      break;
    case 'recovered':
      x.set({ steps: m.step, notice: m.message });
      break;
    case 'error':
      failed(x, m, at.now);
      break;
    case 'lost':
      // Its state is unknown: nothing more comes from it, and Reset replaces it (PageLab.reset).
      x.set({ error: { message: m.message, fatal: true }, phase: 'failed' });
      break;
  }
  return x.done();
}

/** After 'configured' (or 'treeConfigured'): the request is what the worker now runs. */
function configured(x: StepBuilder): void {
  const r = x.s.requested;
  if (r)
    x.set({
      applied: r.settings,
      appliedUpload: r.settings.dataset === 'upload' ? x.s.upload : null,
      appliedSeries: r.settings.dataset === 'series' ? x.s.series : null,
      appliedTreeFile: r.settings.dataset === TREE_UPLOAD ? x.s.treeFile : null,
      ...(r.settings.dataset === PAIRS_UPLOAD || x.s.appliedPairFile ? { appliedPairFile: r.settings.dataset === PAIRS_UPLOAD ? x.s.pairFile : null } : {}),
      carriedSteps: r.carriedSteps,
      ...(r.run ? { run: r.run } : {}),
    });
  x.set({ requested: null });
  // A decoded answer belongs to the weights before.
  if (x.s.decoded || x.s.decoding) x.set({ decoded: null, decoding: false });
  // Steps restart at 0 with every trainer: the curves do too. Samples stay when the weights did.
  x.add(startOver(!r?.keepWeights));
  x.set({ phase: 'idle', steps: 0 });
  if (x.s.restoring) {
    x.run({ kind: 'putBackCurves', saved: x.s.restoring });
    // The samples of the restored weights' steps come back with them.
    x.set({ samples: savedPageState(x.s.restoring).samples ?? [] });
  }
  if (r?.resume) x.run({ kind: 'send', message: { type: 'train' } });
  x.run({ kind: 'settleConfigure' });
}

function failed(x: StepBuilder, m: Extract<FromWorker, { type: 'error' }>, now: number): void {
  x.set({ error: { message: m.message, fatal: m.fatal }, ...(m.fatal ? { phase: 'failed' as const } : {}), sampleInFlight: false });
  if (x.s.decoding) x.set({ decoding: false });
  const { restoring, requested, importing } = x.s;
  // Refused before its 'configured' (after it, the worker only warns, e.g. of a fresh optimizer):
  // the default settings instead; the stored record stays.
  if (restoring && requested && !m.fatal) {
    x.set({
      restoring: null,
      requested: null,
      form: formFromDataset(DEFAULT_DATASET),
      upload: null,
      series: null,
      treeFile: null,
      ...(x.s.pairFile ? { pairFile: null } : {}),
      phase: 'starting',
    });
    x.run({ kind: 'apply', notice: restoreFailedNotice(restoring, m.message, now) });
    return;
  }
  // Shown next to the import control instead of as a banner.
  if (importing) x.set({ importing: null, importError: m.message, ...(m.fatal ? {} : { error: null }) });
  if (!requested) return;
  x.set({ requested: null });
  if (!m.fatal) {
    // A refused configuration leaves the worker as it was; a message naming a field goes next to it.
    const field = refusedField(m.message);
    x.set({
      phase: requested.phaseBefore === 'configuring' ? 'idle' : requested.phaseBefore,
      ...(field ? { errors: { [field.name]: field.message }, error: null } : {}),
    });
  }
  x.run({ kind: 'settleConfigure', error: m.message });
}

/** Empty curves (and samples, for new weights): the step count starts from 0. */
export function startOver(newWeights: boolean): Step {
  return { patch: { nextSampleAt: SAMPLE_EVERY, ...(newWeights ? { samples: [] } : {}) }, effects: [{ kind: 'clearCurves' }] };
}

/** A sample of a character model, unless one is on its way or the worker is (re)building. */
export function sampleRequest(s: Store): Step | null {
  // The worker drops prompt characters outside the vocabulary and says which prompt it used.
  if (!s.model?.vocabulary || s.sampleInFlight || s.phase === 'configuring' || s.phase === 'starting') return null;
  return {
    patch: { sampleInFlight: true },
    effects: [{ kind: 'send', message: { type: 'sample', prompt: s.prompt, temperature: s.temperature, length: s.sampleLength } }],
  };
}

/** Every SAMPLE_EVERY steps while a character model trains. */
function sampleDue(s: Store, lossEnd: number): Step | null {
  if (s.phase !== 'training' || !s.model?.vocabulary) return null;
  const steps = Math.max(s.steps, lossEnd);
  if (steps < s.nextSampleAt || s.sampleInFlight) return null;
  const request = sampleRequest(s);
  return { patch: { nextSampleAt: steps + SAMPLE_EVERY, ...request?.patch }, effects: request?.effects ?? [] };
}

/** Sizes that train at a few steps a second on the CPU fallback. */
const CPU_SIZES = { hidden: '32', seqLen: '32', tbptt: '32', batchSize: '8' } as const;

/** Without a GPU the dataset defaults are slow to watch: smaller ones, unless the user chose already. */
function cpuSizes(s: Store): Partial<Store> {
  if (s.restoring || s.steps + s.carriedSteps > 0) return {};
  const defaults = datasetInfo(s.form.dataset).defaults;
  const untouched = (Object.keys(defaults) as (keyof typeof defaults)[]).every((k) => s.form[k] === defaults[k]);
  return untouched ? { form: { ...s.form, ...CPU_SIZES } } : {};
}

const WORKER_FIELDS: Record<string, FieldName> = {
  seqLen: 'seqLen',
  tbptt: 'tbptt',
  batchSize: 'batchSize',
  seed: 'seed',
  'optimizer.lr': 'lr',
  dataset: 'dataset',
  hidden: 'hidden',
  layers: 'layers',
  cell: 'cell',
  nonlinearity: 'cell',
  bidirectional: 'bidirectional',
  attention: 'attention',
  maxLength: 'maxLength',
  pairs: 'dataset',
  task: 'dataset',
};

/** "Settings refused: tbptt: must divide …" → the tbptt field and its message. */
function refusedField(message: string): { name: FieldName; message: string } | null {
  const match = /^Settings refused: ([\w.]+): (.*)$/s.exec(message);
  const name = match && WORKER_FIELDS[match[1]];
  return name ? { name, message: match[2].charAt(0).toUpperCase() + match[2].slice(1) } : null;
}
