// The autosaved session in IndexedDB: one record, replaced in a single transaction with strict
// durability, so a failed or interrupted write leaves the previous save intact (IndexedDB commits a
// transaction whole or not at all). A quota error is reported as such, so the page can offer a download.

import type { SavedCheckpoint } from '../../gpu/session/protocol.ts';
import { objectStore } from './objectStore.ts';
import { readLocal, writeLocal } from './localJson.ts';
import type { UploadedPairs, UploadedSeries, UploadedText, UploadedTrees } from '../config/sessionConfig.ts';

const KEY = 'current';

/** What the page restores after a reload: the worker's checkpoint and the curves drawn so far. */
export interface StoredSession {
  checkpoint: SavedCheckpoint;
  /** Every step's training loss so far (index = step). */
  losses: Float32Array;
  /** The gradient norms of the same steps (absent in a record from before they were kept). */
  gradNorms?: Float32Array;
  /** The speed of the same steps: ms per step and tokens per second (absent in older records). */
  msPerStep?: Float32Array;
  tokensPerSec?: Float32Array;
  /** The generated samples of those steps, newest first, and the sampling settings (absent in older records). */
  samples?: { step: number; prompt: string; text: string }[];
  sampling?: { prompt: string; temperature: number; sampleLength: number };
  validation: { step: number; loss: number }[];
  savedAt: number;
  /** Steps the weights were trained for before the configuration that the checkpoint's step counts from. */
  carriedSteps: number;
}

export class QuotaExceededError extends Error {
  constructor() {
    super('The browser refused to store the session: its storage quota for this site is full.');
    this.name = 'QuotaExceededError';
  }
}

/** The page's one store of sessions and runs (runStore.ts keeps its runs in it too). */
export const sessionsStore = objectStore({
  database: 'rnnlab',
  store: 'sessions',
  version: 1,
  openFailed: (e) => e ?? new Error('IndexedDB could not be opened'),
  failed: (e) => (e?.name === 'QuotaExceededError' ? new QuotaExceededError() : (e ?? new Error('IndexedDB transaction failed'))),
});

export async function saveSession(s: StoredSession): Promise<IDBValidKey> {
  const key = await sessionsStore('readwrite', (store) => store.put(s, KEY));
  rememberSave({ step: s.checkpoint.step, savedAt: s.savedAt });
  return key;
}

/**
 * Beside the record, in localStorage: that a save was made (its step and time). A store found empty
 * while this says a save was made was cleared or evicted, and the page says so instead of starting
 * fresh without a word.
 */
const MARKER = 'rnnlab.lastSave';
export interface SaveMarker {
  step: number;
  savedAt: number;
}

/** Without localStorage the marker is lost: the notice is only a courtesy. */
export function rememberSave(m: SaveMarker | null): void {
  writeLocal(MARKER, m);
}

/** The save a store found empty should hold, once (the marker is dropped); null when none was made. */
export function forgottenSave(): SaveMarker | null {
  const m = readLocal(MARKER) as Partial<SaveMarker> | null;
  rememberSave(null);
  return m && typeof m.step === 'number' && typeof m.savedAt === 'number' ? { step: m.step, savedAt: m.savedAt } : null;
}

/** The saved session, or null; a record that is not one (an old format, a damaged store) reads as none. */
export async function loadSession(): Promise<StoredSession | null> {
  return validSession(await sessionsStore('readonly', (store) => store.get(KEY)));
}

/** `value` as a stored session, or null when it is not one (an old format, a damaged store). */
export function validSession(value: unknown): StoredSession | null {
  const v = value as Partial<StoredSession> | undefined;
  const c = v?.checkpoint;
  const valid =
    c && typeof c.step === 'number' && c.weights instanceof ArrayBuffer && c.optimizer instanceof ArrayBuffer && c.config && v.losses instanceof Float32Array;
  if (!valid) return null;
  return { ...(v as StoredSession), validation: Array.isArray(v.validation) ? v.validation : [], carriedSteps: v.carriedSteps ?? 0 };
}

/**
 * The files uploaded on the page, one of each kind, under their own key: kept across reloads whichever
 * dataset the session trains on (a session's record holds only the file it trains on, in its config).
 */
export interface StoredUploads {
  upload: UploadedText | null;
  series: UploadedSeries | null;
  treeFile: UploadedTrees | null;
  pairFile: UploadedPairs | null;
}
const UPLOADS_KEY = 'uploads';

export async function saveUploads(u: StoredUploads): Promise<IDBValidKey> {
  return sessionsStore('readwrite', (store) => store.put({ ...u }, UPLOADS_KEY));
}

/** The stored uploads; a slot that is not a file of its kind (an older or damaged record) reads as none. */
export async function loadUploads(): Promise<StoredUploads> {
  const v = ((await sessionsStore('readonly', (store) => store.get(UPLOADS_KEY))) ?? {}) as Partial<
    Record<keyof StoredUploads, Record<string, unknown> | null>
  >;
  const text = (x: Record<string, unknown> | null | undefined, count: string) =>
    x && typeof x.name === 'string' && typeof x.text === 'string' && typeof x[count] === 'number' ? x : null;
  const series = v.series && typeof v.series.column === 'string' && v.series.file && typeof v.series.file === 'object' ? v.series : null;
  return {
    upload: text(v.upload, 'chars') as UploadedText | null,
    series: series as UploadedSeries | null,
    treeFile: text(v.treeFile, 'trees') as UploadedTrees | null,
    pairFile: text(v.pairFile, 'pairs') as UploadedPairs | null,
  };
}

/**
 * The sampling settings (prompt, temperature, length), in localStorage: written synchronously on every
 * change, so a reload keeps them even when it comes before the next save of the session.
 */
const SAMPLING = 'rnnlab.sampling';
export interface StoredSamplingSettings {
  prompt: string;
  temperature: number;
  sampleLength: number;
}

/** Without localStorage the session's record still holds the settings of its last save. */
export function rememberSampling(s: StoredSamplingSettings): void {
  writeLocal(SAMPLING, s);
}

export function rememberedSampling(): StoredSamplingSettings | null {
  const s = readLocal(SAMPLING) as Partial<StoredSamplingSettings> | null;
  return s && typeof s.prompt === 'string' && Number.isFinite(s.temperature) && Number.isInteger(s.sampleLength)
    ? { prompt: s.prompt, temperature: s.temperature!, sampleLength: s.sampleLength! }
    : null;
}

export async function clearSession(): Promise<undefined> {
  const done = await sessionsStore('readwrite', (store) => store.delete(KEY));
  rememberSave(null);
  return done;
}
