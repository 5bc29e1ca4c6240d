// Between the page's live session and the stored record: what a save keeps of the curves, what a
// restore puts back, and whether a record's settings can be shown in the form at all.

import type { SavedCheckpoint } from '../../gpu/session/protocol.ts';
import { parseSettings, type FormValues, type Settings } from '../config/schema.ts';
import { seriesValues, type UploadedPairs, type UploadedSeries, type UploadedText, type UploadedTrees } from '../config/sessionConfig.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { StepSeries } from '../metrics/stepSeries.ts';
import { formFromConfig } from './formFromConfig.ts';
import type { StoredSession } from './sessionStore.ts';
import { MAX_SAMPLES, type Sample } from '../store/samplesSlice.ts';

/** What a record keeps of the page besides the curves: its samples and sampling settings. */
export interface PageState {
  samples: Sample[];
  sampling: StoredSampling;
}
export type StoredSampling = NonNullable<StoredSession['sampling']>;

/**
 * The record of a checkpoint: the curves (loss, gradient norm, speed) and samples up to its step
 * (later ones belong to weights not saved), and the sampling settings.
 */
export function recordOf(checkpoint: SavedCheckpoint, metrics: Metrics, carriedSteps: number, page?: PageState, now = Date.now()): StoredSession {
  const n = Math.min(metrics.loss.end, checkpoint.step);
  const upTo = (series: StepSeries) => Float32Array.from({ length: n }, (_, step) => series.at(step));
  const validation = metrics.validation.filter((p) => p.step <= checkpoint.step).map((p) => ({ ...p }));
  return {
    checkpoint,
    losses: upTo(metrics.loss),
    gradNorms: upTo(metrics.gradNorm),
    msPerStep: upTo(metrics.msPerStep),
    tokensPerSec: upTo(metrics.tokensPerSec),
    validation,
    savedAt: now,
    carriedSteps,
    ...(page ? { samples: page.samples.filter((s) => s.step <= checkpoint.step).map((s) => ({ ...s })), sampling: { ...page.sampling } } : {}),
  };
}

export type RestorePlan =
  | {
      ok: true;
      form: FormValues;
      upload: UploadedText | null;
      series: UploadedSeries | null;
      treeFile: UploadedTrees | null;
      pairFile: UploadedPairs | null;
      settings: Settings;
    }
  | { ok: false; reason: string };

/**
 * The form a record restores, or why it cannot (a record from an older page, say): a recurrent, tree
 * or encoder-decoder session's (told apart by its config's `kind`), with the file it trained on.
 */
export function planRestore(saved: StoredSession): RestorePlan {
  let restored: ReturnType<typeof formFromConfig>;
  try {
    restored = formFromConfig(saved.checkpoint.config);
  } catch (e) {
    return { ok: false, reason: `its settings are not ones this page knows (${e instanceof Error ? e.message : String(e)})` };
  }
  const seriesLength = restored.series && seriesValues(restored.series)?.length;
  const parsed = parseSettings(restored.form, {
    uploadChars: restored.upload?.chars ?? null,
    seriesValues: seriesLength ?? null,
    treeFile: restored.treeFile?.trees ?? null,
    pairFile: restored.pairFile?.pairs ?? null,
  });
  if (!parsed.ok) {
    const problems = Object.entries(parsed.errors).map(([field, message]) => `${field}: ${message}`);
    return { ok: false, reason: `its settings are no longer valid (${problems.join(' ')})` };
  }
  return { ok: true, ...restored, treeFile: restored.treeFile ?? null, pairFile: restored.pairFile ?? null, settings: parsed.settings };
}

/** A restore plan's file, in its slot of the page's store (the other slots keep what they hold). */
export function restoredUploads(plan: Extract<RestorePlan, { ok: true }>): {
  upload?: UploadedText;
  series?: UploadedSeries;
  treeFile?: UploadedTrees;
  pairFile?: UploadedPairs;
} {
  return {
    ...(plan.upload ? { upload: plan.upload } : {}),
    ...(plan.series ? { series: plan.series } : {}),
    ...(plan.treeFile ? { treeFile: plan.treeFile } : {}),
    ...(plan.pairFile ? { pairFile: plan.pairFile } : {}),
  };
}

/** Puts a record's curves back, after the 'configured' that emptied them. */
export function putBackCurves(metrics: Metrics, saved: StoredSession): void {
  metrics.loss.put(0, saved.losses);
  if (saved.gradNorms) metrics.gradNorm.put(0, saved.gradNorms);
  if (saved.msPerStep) metrics.msPerStep.put(0, saved.msPerStep);
  if (saved.tokensPerSec) metrics.tokensPerSec.put(0, saved.tokensPerSec);
  for (const point of saved.validation) metrics.addValidation(point);
}

/** A record's samples and sampling settings, checked (a damaged or older record gives what it can). */
export function savedPageState(saved: StoredSession): Partial<PageState> {
  const ok = (s: unknown): s is Sample => {
    const x = s as Partial<Sample>;
    return typeof x?.step === 'number' && typeof x.prompt === 'string' && typeof x.text === 'string';
  };
  const sp = saved.sampling;
  const sampling = sp && typeof sp.prompt === 'string' && Number.isFinite(sp.temperature) && Number.isInteger(sp.sampleLength) ? { sampling: { ...sp } } : {};
  return { ...(Array.isArray(saved.samples) ? { samples: saved.samples.filter(ok).slice(0, MAX_SAMPLES) } : {}), ...sampling };
}

/** "14:03:12" today, "3 May, 14:03:12" on another day. */
export function formatSavedAt(ms: number, now = Date.now()): string {
  const at = new Date(ms);
  const time = at.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  if (at.toDateString() === new Date(now).toDateString()) return time;
  return `${at.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' })}, ${time}`;
}

export function restoredNotice(saved: StoredSession, now = Date.now()): string {
  return `Restored your session from ${formatSavedAt(saved.savedAt, now)} (step ${saved.checkpoint.step.toLocaleString('en-US')}).`;
}

/** The stored record is left alone: the next successful save replaces it. */
export function restoreFailedNotice(saved: StoredSession, reason: string, now = Date.now()): string {
  const why = reason.replace(/^Cannot restore the saved session: /, '').replace(/\.$/, '');
  return (
    `Your session saved at ${formatSavedAt(saved.savedAt, now)} (step ${saved.checkpoint.step.toLocaleString('en-US')}) could not be restored: ${why}. ` +
    'Started with the default settings; the saved session stays stored until a new save replaces it.'
  );
}

/** The store was found empty though this browser saved a session: cleared site data, or evicted storage. */
export function clearedStoreNotice(gone: { step: number; savedAt: number }): string {
  return (
    `Your session saved at ${formatSavedAt(gone.savedAt)} (step ${gone.step.toLocaleString('en-US')}) is no longer in this browser’s storage ` +
    '(the site’s data was cleared, or the browser removed it to free space). Started afresh with the default settings.'
  );
}
