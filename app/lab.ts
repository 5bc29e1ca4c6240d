// The page's actions: what the buttons, the form and the test API do. It owns the worker client and
// the metrics buffers; React components call these functions and read the store.

import type { FromWorker } from '../gpu/session/protocol.ts';
import { datasetInfo, DEFAULT_DATASET, TREE_UPLOAD } from './config/datasets.ts';
import { parseSettings, type FieldErrors, type FieldName, type Settings } from './config/schema.ts';
import { keepsWeights, seriesValues, toWorkerConfig } from './config/sessionConfig.ts';
import { Metrics } from './metrics/metrics.ts';
import { Autosave } from './persist/autosave.ts';
import { clearedStoreNotice, planRestore, putBackCurves, recordOf, restoredNotice, restoreFailedNotice } from './persist/sessionRecord.ts';
import { forgottenSave, loadSession, type StoredSession } from './persist/sessionStore.ts';
import { useStore } from './store/index.ts';
import { noDevice, type Phase } from './store/sessionSlice.ts';
import { formFromDataset } from './store/settingsSlice.ts';
import { checkTextBytes, formatBytes, MAX_UPLOAD_BYTES, minTextChars } from './upload/validateText.ts';
import { TreeFeed } from './tree/treeFeed.ts';
import { WorkerClient } from './worker/client.ts';
import { readTreeFile } from './upload/readTreeFile.ts';
import { saveWeights, weightsFileName } from './weightsFile.ts';

/** Steps between automatic samples while a character model trains. */
export const SAMPLE_EVERY = 100;
/** Quiet time after the last keystroke before the form is applied. */
const APPLY_DELAY_MS = 400;

export const metrics = new Metrics();
/** A tree session's drawn trees and validation accuracies (outside React, as the metrics). */
export const trees = new TreeFeed();
let client: WorkerClient | null = null;
let newWorker: (() => Worker) | undefined;

const state = useStore.getState;

/** Waiting for the next 'configured' (or the error that replaces it). */
let configureWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
let requested: { settings: Settings; keepWeights: boolean; resume: boolean; phaseBefore: Phase; carriedSteps: number } | null = null;
/** The file of the weights import in flight, if any. */
let importing: string | null = null;
let nextSampleAt = SAMPLE_EVERY;
let sampleInFlight = false;
let applyTimer: ReturnType<typeof setTimeout> | undefined;
let autosave: Autosave | null = null;
/** The stored session being loaded into the worker, until it is (status 'paused') or is refused. */
let restoring: StoredSession | null = null;
/** readWeights callers: the worker's next 'weights' goes to them instead of a download. */
let weightsWaiters: ((bytes: ArrayBuffer) => void)[] = [];

export function startLab(createWorker?: () => Worker): void {
  newWorker = createWorker;
  client = new WorkerClient(metrics, { onMessage }, createWorker);
  autosave = new Autosave({ ask: () => client?.send({ type: 'saveCheckpoint' }), record: (c) => recordOf(c, metrics, state().carriedSteps) });
  // Edits apply themselves once the user stops typing; selects and uploads apply at once (applyNow).
  useStore.subscribe((s, prev) => {
    if (s.form !== prev.form || s.upload !== prev.upload || s.treeFile !== prev.treeFile) scheduleApply();
  });
  void restoreOrApply();
}

/** The autosaved session when there is one (the worker loads it), else the form's settings. */
async function restoreOrApply(): Promise<void> {
  // A store that cannot be read (no IndexedDB here, say) means a fresh start.
  const saved = await loadSession().catch(() => null);
  const plan = saved && planRestore(saved);
  if (!saved || !plan?.ok || !client || noDevice(state())) {
    applyNow();
    if (saved && plan && !plan.ok) useStore.setState({ notice: restoreFailedNotice(saved, plan.reason) });
    // A save this browser made is gone (its site data was cleared, or evicted): say so, once.
    const gone = saved ? null : forgottenSave();
    if (gone) useStore.setState({ notice: clearedStoreNotice(gone) });
    return;
  }
  restoring = saved;
  requested = { settings: plan.settings, keepWeights: false, resume: false, phaseBefore: 'starting', carriedSteps: saved.carriedSteps };
  useStore.setState({
    form: plan.form,
    upload: plan.upload,
    series: plan.series,
    treeFile: plan.treeFile,
    uploadError: null,
    phase: 'configuring',
    error: null,
    notice: null,
  });
  clearTimeout(applyTimer); // the form now shows what is being restored: nothing to apply
  client.send({ type: 'loadCheckpoint', checkpoint: saved.checkpoint });
}

/** The worker refused the stored session: the default settings instead; the stored record stays. */
function restoreFailed(saved: StoredSession, reason: string): void {
  restoring = null;
  requested = null;
  useStore.setState({ form: formFromDataset(DEFAULT_DATASET), upload: null, series: null, treeFile: null, phase: 'starting' });
  applyNow();
  useStore.setState({ error: null, notice: restoreFailedNotice(saved, reason) });
}

function restored(saved: StoredSession): void {
  restoring = null;
  nextSampleAt = saved.checkpoint.step + SAMPLE_EVERY;
  state().setSave({ savedAt: saved.savedAt, savedStep: saved.checkpoint.step });
  useStore.setState({ notice: restoredNotice(saved) });
}

export function scheduleApply(delay = APPLY_DELAY_MS): void {
  clearTimeout(applyTimer);
  applyTimer = setTimeout(applyNow, delay);
}

export type ApplyOutcome = { kind: 'invalid'; errors: FieldErrors } | { kind: 'unchanged' | 'confirm' | 'configuring' };

/** Validates the form; configures the worker, or asks first when trained weights would be lost. */
export function applyNow(): ApplyOutcome {
  clearTimeout(applyTimer);
  const s = state();
  const parsed = parseSettings(s.form, {
    uploadChars: s.upload?.chars ?? null,
    seriesValues: (s.series && seriesValues(s.series)?.length) ?? null,
    treeFile: s.treeFile?.trees ?? null,
  });
  if (!parsed.ok) {
    s.setErrors(parsed.errors);
    return { kind: 'invalid', errors: parsed.errors };
  }
  if (Object.keys(s.errors).length) s.setErrors({});
  const target = parsed.settings;
  const sameUpload =
    target.dataset === 'upload'
      ? s.upload === s.appliedUpload
      : target.dataset === 'series'
        ? s.series === s.appliedSeries
        : target.dataset === TREE_UPLOAD
          ? s.treeFile === s.appliedTreeFile
          : true;
  const current = requested?.settings ?? s.applied;
  if (current && sameUpload && sameSettings(current, target)) {
    if (s.pendingDiscard) useStore.setState({ pendingDiscard: null });
    return { kind: 'unchanged' };
  }
  const keep = current !== null && keepsWeights(current, target, sameUpload);
  if (!keep && s.steps + s.carriedSteps > 0 && s.phase !== 'failed') {
    const changed = current ? changedFields(current, target, sameUpload) : [];
    useStore.setState({ pendingDiscard: { settings: target, changed } });
    return { kind: 'confirm' };
  }
  configure(target, keep);
  return { kind: 'configuring' };
}

/** The inline confirm's yes: throw the weights away and apply. */
export function confirmDiscard(): void {
  const pending = state().pendingDiscard;
  if (pending) configure(pending.settings, false);
}

export function cancelDiscard(): void {
  state().revertForm();
}

function configure(settings: Settings, keepWeights: boolean): void {
  const s = state();
  if (!client || noDevice(s)) return settle((w) => w.reject(new Error(s.deviceError ?? 'no worker')));
  const resume = keepWeights && s.phase === 'training';
  // The worker's new trainer counts from step 0; kept weights remember what they were trained for.
  const carriedSteps = keepWeights ? s.carriedSteps + s.steps : 0;
  requested = { settings, keepWeights, resume, phaseBefore: s.phase, carriedSteps };
  restoring = null; // new settings replace a restore still in progress
  useStore.setState({ pendingDiscard: null, phase: 'configuring', error: null, notice: null });
  client.send({ type: 'configure', config: toWorkerConfig(settings, s.upload, s.series, s.treeFile), keepWeights });
}

/** Resolves at the next 'configured' (or 'treeConfigured'); rejects on an error first. */
export function whenConfigured(): Promise<void> {
  return new Promise((resolve, reject) => configureWaiters.push({ resolve, reject }));
}

export function train(): void {
  if (canRun()) client!.send({ type: 'train' });
}

export function pause(): void {
  client?.send({ type: 'pause' });
}

export function step(): void {
  if (canRun()) client!.send({ type: 'step' });
}

export function reset(): void {
  if (client?.crashed) return restartWorker();
  if (!client || noDevice(state())) return;
  client.send({ type: 'reset' });
  startOver(true);
  // After a fatal error the worker's answer ('status') decides again what state the session is in.
  const phase = state().phase === 'failed' ? 'idle' : state().phase;
  useStore.setState({ error: null, notice: null, steps: 0, carriedSteps: 0, phase });
}

/**
 * After a worker crash: a new worker, the form's settings applied afresh (fresh weights). The stored
 * session is not touched until a new save replaces it (a crashed session is never saved).
 */
function restartWorker(): void {
  client?.terminate();
  requested = null;
  restoring = null;
  importing = null;
  sampleInFlight = false;
  weightsWaiters = [];
  settle((w) => w.reject(new Error('The training worker was restarted.')));
  startOver(true);
  useStore.setState({
    error: null,
    notice: null,
    steps: 0,
    carriedSteps: 0,
    phase: 'starting',
    applied: null,
    device: null,
    deviceError: null,
    pendingDiscard: null,
  });
  client = new WorkerClient(metrics, { onMessage }, newWorker);
  applyNow();
}

function canRun(): boolean {
  const { phase } = state();
  return client !== null && (phase === 'idle' || phase === 'paused');
}

export function sampleNow(): void {
  const s = state();
  // The worker drops prompt characters outside the vocabulary and says which prompt it used.
  if (!client || !s.model?.vocabulary || sampleInFlight || s.phase === 'configuring' || s.phase === 'starting') return;
  sampleInFlight = true;
  client.send({ type: 'sample', prompt: s.prompt, temperature: s.temperature, length: s.sampleLength });
}

export function exportWeights(): void {
  client?.send({ type: 'exportWeights' });
}

/** The current weights as safetensors bytes, without a download (the test API's digest). */
export function readWeights(): Promise<ArrayBuffer> {
  if (!client) return Promise.reject(new Error('The page has not started.'));
  return new Promise((resolve) => {
    weightsWaiters.push(resolve);
    client!.send({ type: 'exportWeights' });
  });
}

/** Saves the session now; resolves with the saved step, rejects with why it could not. */
export function saveNow(): Promise<number> {
  return autosave ? autosave.saveNow() : Promise.reject(new Error('The page has not started.'));
}

export async function importWeights(file: File): Promise<void> {
  if (!client) return;
  const bytes = await file.arrayBuffer();
  importing = file.name;
  useStore.setState({ importError: null, notice: null });
  client.send({ type: 'importWeights', bytes }, [bytes]);
}

/** Reads and checks a text file; on success it becomes the dataset (settings kept for a character model). */
export async function uploadText(file: File): Promise<void> {
  const s = state();
  const seqLen = Number(s.form.seqLen);
  const minChars = minTextChars(Number.isInteger(seqLen) && seqLen > 0 ? seqLen : 1);
  // The size is checked before reading: a huge file is refused without loading it.
  const check =
    file.size > MAX_UPLOAD_BYTES
      ? { ok: false as const, error: `“${file.name}” is ${formatBytes(file.size)}; the limit is 5 MB. Use a shorter excerpt.` }
      : checkTextBytes(file.name, new Uint8Array(await file.arrayBuffer()), minChars);
  if (!check.ok) {
    s.setUpload(s.upload, check.error);
    return;
  }
  const keepSettings = datasetInfo(s.form.dataset).kind === 'chars';
  useStore.setState({
    upload: { name: file.name, text: check.text, chars: check.chars },
    uploadError: null,
    form: keepSettings ? { ...s.form, dataset: 'upload' } : { ...s.form, ...datasetInfo('upload').defaults, dataset: 'upload' },
  });
  applyNow();
}

/**
 * Reads and checks a file of labelled trees (the parser's errors name the line and column); on
 * success it becomes the dataset, with the tree file's defaults unless a tree dataset was chosen.
 */
export async function uploadTrees(file: File): Promise<void> {
  const check = await readTreeFile(file);
  if (!check.ok) return void useStore.setState({ treeFileError: check.error });
  const { text, trees } = check;
  const s = state();
  const keepSettings = datasetInfo(s.form.dataset).kind === 'tree';
  useStore.setState({
    treeFile: { name: file.name, text, trees },
    treeFileError: null,
    form: keepSettings ? { ...s.form, dataset: TREE_UPLOAD } : { ...s.form, ...datasetInfo(TREE_UPLOAD).defaults, dataset: TREE_UPLOAD },
  });
  applyNow();
}

/** Sizes that train at a few steps a second on the CPU fallback. */
const CPU_SIZES = { hidden: '32', seqLen: '32', tbptt: '32', batchSize: '8' } as const;

/** Without a GPU the dataset defaults are slow to watch: smaller ones, unless the user chose already. */
function applyCpuSizes(): void {
  const s = state();
  if (restoring || s.steps + s.carriedSteps > 0) return;
  const defaults = datasetInfo(s.form.dataset).defaults;
  const untouched = (Object.keys(defaults) as (keyof typeof defaults)[]).every((k) => s.form[k] === defaults[k]);
  if (untouched) useStore.setState({ form: { ...s.form, ...CPU_SIZES } });
}

function onMessage(m: FromWorker): void {
  trees.receive(m);
  switch (m.type) {
    case 'device':
      if (m.backend === 'cpu') applyCpuSizes();
      break;
    case 'configured':
    case 'treeConfigured': {
      const r = requested;
      requested = null;
      if (r)
        useStore.setState({
          applied: r.settings,
          appliedUpload: r.settings.dataset === 'upload' ? state().upload : null,
          appliedSeries: r.settings.dataset === 'series' ? state().series : null,
          appliedTreeFile: r.settings.dataset === TREE_UPLOAD ? state().treeFile : null,
          carriedSteps: r.carriedSteps,
        });
      // Steps restart at 0 with every trainer: the curves do too. Samples stay when the weights did.
      startOver(!r?.keepWeights);
      useStore.setState({ phase: 'idle', steps: 0 });
      if (restoring) putBackCurves(metrics, restoring);
      if (r?.resume) train();
      settle((w) => w.resolve());
      break;
    }
    case 'status':
      if (importing) {
        useStore.setState({ notice: `Loaded the weights of “${importing}”; the optimizer starts afresh.`, importError: null });
        importing = null;
        autosave?.afterImport();
      }
      if (restoring && m.status === 'paused') restored(restoring);
      maybeSample();
      break;
    case 'metrics':
      maybeSample();
      break;
    case 'sample':
      sampleInFlight = false;
      break;
    case 'checkpoint':
      autosave?.received(m.checkpoint);
      break;
    case 'weights': {
      const waiter = weightsWaiters.shift();
      if (waiter) {
        waiter(m.bytes);
        break;
      }
      const s = state();
      saveWeights(m.bytes, weightsFileName(s.applied, s.carriedSteps + s.steps));
      break;
    }
    case 'error':
      sampleInFlight = false;
      // Refused before its 'configured' (after it, the worker only warns, e.g. of a fresh optimizer).
      if (restoring && requested && !m.fatal) {
        restoreFailed(restoring, m.message);
        break;
      }
      if (importing) {
        importing = null;
        // Shown next to the import control instead of as a banner.
        useStore.setState({ importError: m.message, ...(m.fatal ? {} : { error: null }) });
      }
      if (requested) {
        const r = requested;
        requested = null;
        if (!m.fatal) {
          // A refused configuration leaves the worker as it was; a message naming a field goes next to it.
          const field = refusedField(m.message);
          useStore.setState({
            phase: r.phaseBefore === 'configuring' ? 'idle' : r.phaseBefore,
            ...(field ? { errors: { [field.name]: field.message }, error: null } : {}),
          });
        }
        settle((w) => w.reject(new Error(m.message)));
      }
      break;
    case 'deviceError':
      settle((w) => w.reject(new Error(m.message)));
      break;
  }
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
};

/** "Settings refused: tbptt: must divide …" → the tbptt field and its message. */
function refusedField(message: string): { name: FieldName; message: string } | null {
  const match = /^Settings refused: ([\w.]+): (.*)$/s.exec(message);
  const name = match && WORKER_FIELDS[match[1]];
  return name ? { name, message: match[2].charAt(0).toUpperCase() + match[2].slice(1) } : null;
}

/** Empty curves and heatmap (and samples, for new weights): the step count starts from 0. */
function startOver(newWeights: boolean): void {
  metrics.clear();
  trees.clear();
  if (newWeights) state().clearSamples();
  nextSampleAt = SAMPLE_EVERY;
}

function settle(f: (w: (typeof configureWaiters)[number]) => void): void {
  const waiters = configureWaiters;
  configureWaiters = [];
  waiters.forEach(f);
}

function maybeSample(): void {
  const s = state();
  if (s.phase !== 'training' || !s.model?.vocabulary) return;
  const steps = Math.max(s.steps, metrics.loss.end);
  if (steps < nextSampleAt || sampleInFlight) return;
  nextSampleAt = steps + SAMPLE_EVERY;
  sampleNow();
}

function sameSettings(a: Settings, b: Settings): boolean {
  return (Object.keys(b) as (keyof Settings)[]).every((k) => a[k] === b[k]);
}

const FIELD_LABELS: Record<keyof Settings, string> = {
  dataset: 'dataset',
  cell: 'cell',
  hidden: 'hidden size',
  layers: 'layers',
  seqLen: 'sequence length',
  tbptt: 'TBPTT length',
  batchSize: 'batch size',
  optimizer: 'optimizer',
  lr: 'learning rate',
  clip: 'clip norm',
  seed: 'seed',
  trainDepth: 'training depth',
  validationDepth: 'validation depth',
};

function changedFields(a: Settings, b: Settings, sameUpload: boolean): string[] {
  const keys = (Object.keys(b) as (keyof Settings)[]).filter((k) => a[k] !== b[k] || (k === 'dataset' && !sameUpload));
  return keys.map((k) => FIELD_LABELS[k]);
}
