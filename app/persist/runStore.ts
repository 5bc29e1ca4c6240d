// Every run the page trained, kept in IndexedDB: a run is its settings, seed and data (in its
// checkpoint's config), its curves and samples, and its latest weights and optimizer state — the
// autosave's record (sessionStore.ts's StoredSession) under `run:<id>` — and a small summary for the
// run list under `runInfo:<id>` (no weights: the list reads summaries only). Both, and which run is
// current, are written in one transaction, so a failed write (a full quota) leaves every run as it was
// and no summary without its run. A new run never overwrites another: it has its own id.

import type { Settings } from '../config/schema.ts';
import { rememberSave, sessionsStore, validSession, type StoredSession } from './sessionStore.ts';

export interface RunInfo {
  id: string;
  /** Editable; "Run 3" at first. */
  name: string;
  createdAt: number;
  savedAt: number;
  /** The run it was started from (its settings are what the list compares against); null for the first. */
  parentId: string | null;
  /** The settings as the page's form holds them (no uploaded file's text: that is in the checkpoint). */
  settings: Settings;
  /** The uploaded file it trains on, if any. */
  fileName: string | null;
  /** Steps its weights were trained for (kept weights' steps included). */
  steps: number;
  /** The last step's training loss and the last validation loss of the saved curves; null before any. */
  trainLoss: number | null;
  valLoss: number | null;
  /** Training time of the saved steps (the sum of their ms per step). */
  trainingMs: number;
  /** Bytes of its weights, optimizer state and curves. */
  bytes: number;
}

const RUN = 'run:';
const INFO = 'runInfo:';
const CURVES = 'runCurves:';

/** A run's curves without its weights: what an overlay on the charts reads. */
export interface RunCurves {
  losses: Float32Array;
  gradNorms: Float32Array | null;
  msPerStep: Float32Array | null;
  validation: { step: number; loss: number }[];
}

const curvesOf = (r: StoredSession): RunCurves => ({
  losses: r.losses,
  gradNorms: r.gradNorms ?? null,
  msPerStep: r.msPerStep ?? null,
  validation: r.validation,
});
const CURRENT = 'currentRun';
/** The single record pages before runs kept: read once as a run of its own, never written again. */
const LEGACY = 'current';

export const newRunId = (): string => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** The summary of a record (its curves' last values, its size). */
export function runInfoOf(record: StoredSession, base: Pick<RunInfo, 'id' | 'name' | 'createdAt' | 'parentId' | 'settings' | 'fileName'>): RunInfo {
  const last = (a: Float32Array | undefined) => (a && a.length ? a[a.length - 1] : null);
  const floats = (a: Float32Array | undefined) => a?.length ?? 0;
  const c = record.checkpoint;
  return {
    ...base,
    savedAt: record.savedAt,
    steps: record.carriedSteps + c.step,
    trainLoss: last(record.losses),
    valLoss: record.validation.at(-1)?.loss ?? null,
    trainingMs: record.msPerStep ? record.msPerStep.reduce((a, b) => a + b, 0) : 0,
    bytes:
      c.weights.byteLength +
      c.optimizer.byteLength +
      4 * (floats(record.losses) + floats(record.gradNorms) + floats(record.msPerStep) + floats(record.tokensPerSec)),
  };
}

/** Saves run `info.id` (record, curves and summary) and, unless told not to (an imported run), makes it the current run: one transaction. */
export async function saveRun(record: StoredSession, info: RunInfo, { current = true } = {}): Promise<void> {
  await sessionsStore('readwrite', (store) => {
    store.put(curvesOf(record), CURVES + info.id);
    store.put(info, INFO + info.id);
    const put = store.put(record, RUN + info.id);
    return current ? store.put(info.id, CURRENT) : put;
  });
  if (current) rememberSave({ step: info.steps, savedAt: info.savedAt });
}

/** Every run's summary, oldest first. */
export async function listRuns(): Promise<RunInfo[]> {
  const all = (await sessionsStore('readonly', (store) => store.getAll(IDBKeyRange.bound(INFO, INFO + '\uffff')))) as RunInfo[];
  return all.filter((r) => r && typeof r.id === 'string').sort((a, b) => a.createdAt - b.createdAt);
}

/** Run `id`'s record; null when there is none (deleted) or it is not a record this page can read. */
export async function loadRun(id: string): Promise<StoredSession | null> {
  return validSession(await sessionsStore('readonly', (store) => store.get(RUN + id)));
}

/**
 * The run to restore after a reload: the current one, else the most recently saved, else the record a
 * page from before runs left (`id` null: it becomes a run at its next save).
 */
export async function loadCurrentRun(): Promise<{ id: string | null; info: RunInfo | null; record: StoredSession } | null> {
  const current = (await sessionsStore('readonly', (store) => store.get(CURRENT))) as string | undefined;
  const runs = await listRuns();
  const info = runs.find((r) => r.id === current) ?? runs.reduce<RunInfo | null>((a, r) => (!a || r.savedAt > a.savedAt ? r : a), null);
  if (info) {
    const record = await loadRun(info.id);
    if (record) return { id: info.id, info, record };
  }
  const legacy = validSession(await sessionsStore('readonly', (store) => store.get(LEGACY)));
  return legacy ? { id: null, info: null, record: legacy } : null;
}

/** Run `id`'s curves (not its weights); null when it is not stored. */
export async function loadRunCurves(id: string): Promise<RunCurves | null> {
  const c = (await sessionsStore('readonly', (store) => store.get(CURVES + id))) as RunCurves | undefined;
  if (c && c.losses instanceof Float32Array) return { ...c, validation: Array.isArray(c.validation) ? c.validation : [] };
  const record = await loadRun(id); // stored before its curves had a key of their own
  return record && curvesOf(record);
}

export async function renameRun(id: string, name: string): Promise<void> {
  const info = (await sessionsStore('readonly', (store) => store.get(INFO + id))) as RunInfo | undefined;
  if (!info) throw new Error('That run is no longer stored.');
  await sessionsStore('readwrite', (store) => store.put({ ...info, name }, INFO + id));
}

/** Deletes run `id` (record and summary); the stored legacy record goes with the first run that replaced it. */
export async function deleteRun(id: string): Promise<void> {
  await sessionsStore('readwrite', (store) => {
    store.delete(RUN + id);
    store.delete(CURVES + id);
    return store.delete(INFO + id);
  });
}

/** Drops the record of a page from before runs, once a run holds it. */
export async function dropLegacyRecord(): Promise<void> {
  await sessionsStore('readwrite', (store) => store.delete(LEGACY));
}
