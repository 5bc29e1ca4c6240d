// The stored runs, on an in-memory IndexedDB (fake-indexeddb): each run under its own id, the list
// from summaries alone, the current run restored after a reload (else the latest, else the record of
// a page from before runs), renames and deletes, and a write refused for quota leaving every run as it was.
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { optimizer } from '../../gpu/optimizer/config.ts';
import type { SavedSession } from '../../gpu/session/protocol.ts';
import { parseSettings, type Settings } from '../config/schema.ts';
import { toSessionConfig } from '../config/sessionConfig.ts';
import { formFromDataset } from '../store/settingsSlice.ts';
import { deleteRun, listRuns, loadCurrentRun, loadRun, renameRun, runInfoOf, saveRun } from './runStore.ts';
import { saveSession, type StoredSession } from './sessionStore.ts';

function settings(lr: number): Settings {
  const r = parseSettings({ ...formFromDataset('first-names'), lr: String(lr) }, { uploadChars: null });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.settings;
}

function record(step: number, lr: number, savedAt: number, weightByte = 1): StoredSession {
  const s = settings(lr);
  const checkpoint: SavedSession = {
    config: { ...toSessionConfig(s, null), optimizer: optimizer({ kind: 'adam', lr }) },
    step,
    weights: new Uint8Array(16).fill(weightByte).buffer,
    optimizer: new ArrayBuffer(8),
  };
  return {
    checkpoint,
    losses: Float32Array.from({ length: step }, (_, i) => 3 - i / 100),
    msPerStep: new Float32Array(step).fill(2),
    validation: [{ step, loss: 2.5 }],
    savedAt,
    carriedSteps: 0,
  };
}

const info = (r: StoredSession, id: string, createdAt: number, parentId: string | null = null) =>
  runInfoOf(r, { id, name: `Run ${id}`, createdAt, parentId, settings: settings(r.checkpoint.config.optimizer.lr), fileName: null });

beforeEach(() => {
  // A fresh database for each test.
  indexedDB.deleteDatabase('rnnlab');
});

describe('the stored runs', () => {
  it('keep every run under its own id; the list reads summaries; the current run comes back', async () => {
    const a = record(30, 0.003, 1000, 1);
    const b = record(50, 0.01, 2000, 2);
    await saveRun(a, info(a, 'a', 1));
    await saveRun(b, info(b, 'b', 2, 'a'));
    const runs = await listRuns();
    expect(runs.map((r) => [r.id, r.steps, r.parentId])).toEqual([
      ['a', 30, null],
      ['b', 50, 'a'],
    ]);
    expect(runs[1]).toMatchObject({ valLoss: 2.5, trainingMs: 100, bytes: 16 + 8 + 4 * 100 });
    expect(runs[1].trainLoss).toBeCloseTo(2.51, 6);
    expect(new Uint8Array((await loadRun('a'))!.checkpoint.weights)[0]).toBe(1);
    expect(new Uint8Array((await loadRun('b'))!.checkpoint.weights)[0]).toBe(2);
    const current = await loadCurrentRun();
    expect(current?.id).toBe('b');
    // Saving a again makes it current, and b stays.
    const a2 = record(40, 0.003, 3000, 3);
    await saveRun(a2, info(a2, 'a', 1));
    expect((await loadCurrentRun())?.id).toBe('a');
    expect((await listRuns()).map((r) => [r.id, r.steps])).toEqual([
      ['a', 40],
      ['b', 50],
    ]);
  });

  it('rename and delete: a deleted run is gone, record and summary; the next current is the latest saved', async () => {
    const a = record(10, 0.003, 1000);
    const b = record(20, 0.01, 2000);
    await saveRun(a, info(a, 'a', 1));
    await saveRun(b, info(b, 'b', 2));
    await renameRun('a', 'lr 0.003 baseline');
    expect((await listRuns())[0].name).toBe('lr 0.003 baseline');
    await deleteRun('b');
    expect((await listRuns()).map((r) => r.id)).toEqual(['a']);
    expect(await loadRun('b')).toBeNull();
    expect((await loadCurrentRun())?.id).toBe('a');
    await expect(renameRun('b', 'x')).rejects.toThrow('That run is no longer stored.');
  });

  it('a page from before runs: its single record is restored as a run without an id', async () => {
    const old = record(12, 0.003, 500);
    await saveSession(old);
    const current = await loadCurrentRun();
    expect(current).toMatchObject({ id: null, info: null });
    expect(current!.record.checkpoint.step).toBe(12);
  });

  it('a save refused for quota keeps every run as it was, and says why', async () => {
    const a = record(10, 0.003, 1000);
    await saveRun(a, info(a, 'a', 1));
    const put = IDBObjectStore.prototype.put;
    let puts = 0;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      // The record goes in, its summary is refused: the transaction must take neither.
      if (++puts === 2) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
    try {
      const b = record(20, 0.01, 2000);
      await expect(saveRun(b, info(b, 'b', 2))).rejects.toThrow('its storage quota for this site is full');
    } finally {
      IDBObjectStore.prototype.put = put;
    }
    expect((await listRuns()).map((r) => r.id)).toEqual(['a']);
    expect(await loadRun('b')).toBeNull();
    expect((await loadCurrentRun())?.id).toBe('a');
  });

  it('nothing stored: null', async () => {
    expect(await loadCurrentRun()).toBeNull();
    expect(await listRuns()).toEqual([]);
  });
});
