// The autosaved session in IndexedDB: a reload brings back the settings, the step count, the curves
// and the very same weights, and training goes on from there; a write that fails (a full quota)
// keeps the previous save, says so once and offers the weights as a download; a stored session the
// worker refuses leaves the default settings and the record in place.
import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { api, boot, expect, test, trainTo, waitForSteps } from './fixtures.ts';

declare global {
  interface Window {
    /** Set by a test: IDBObjectStore.put throws a QuotaExceededError from then on. */
    __failIdbPut?: boolean;
  }
}

const TINY = { dataset: 'first-names', cell: 'gru', hidden: 16, seqLen: 16, tbptt: 16, batchSize: 8 } as const;
const QUOTA_MESSAGE = 'The browser refused to store the session: its storage quota for this site is full.';

/** Reloads and waits for the restore to finish (a restored session is paused, not idle). */
async function reloadRestored(page: Page): Promise<void> {
  await page.reload();
  await page.waitForFunction(() => window.__rnnlab?.status === 'paused' || window.__rnnlab?.error, null, { timeout: 60_000 });
  expect(await api.error(page)).toBeNull();
}

/** The stored record's step and weights size; `damage`: first replace its weights by 16 bytes, no safetensors file. */
function storedRecord(page: Page, { damage }: { damage: boolean }): Promise<{ step: number; weightBytes: number }> {
  return page.evaluate(
    (damage) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('rnnlab', 1);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('sessions', 'readwrite');
          const store = tx.objectStore('sessions');
          const current = store.get('currentRun');
          current.onsuccess = () => {
            const key = `run:${current.result}`;
            const get = store.get(key);
            get.onsuccess = () => {
              const record = get.result;
              if (damage) {
                record.checkpoint.weights = new ArrayBuffer(16);
                store.put(record, key);
              }
              tx.oncomplete = () => {
                open.result.close();
                resolve({ step: record.checkpoint.step, weightBytes: record.checkpoint.weights.byteLength });
              };
            };
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    damage,
  );
}

const session = (page: Page) =>
  page.evaluate(async () => {
    const t = window.__rnnlab!;
    return {
      status: t.status,
      steps: t.steps,
      losses: t.losses,
      validation: t.validation,
      savedStep: t.savedStep,
      notice: t.notice,
      digest: await t.weightsDigest(),
    };
  });

test('a reload brings the session back where training left off', async ({ page, pageErrors }, testInfo) => {
  await boot(page);
  await page.evaluate((s) => window.__rnnlab!.configure(s), TINY);
  // A save while training (as the periodic autosave does) holds a step the curve had reached.
  await page.evaluate(() => window.__rnnlab!.train());
  await waitForSteps(page, 20);
  const whileTraining = await page.evaluate(() => window.__rnnlab!.saveNow());
  expect(whileTraining).toBeGreaterThanOrEqual(20);
  const pausedAt = await trainTo(page, whileTraining + 10);
  const savedStep = await page.evaluate(() => window.__rnnlab!.saveNow());
  expect(savedStep, 'the save holds the paused step').toBe(pausedAt);
  await expect(page.getByTestId('save-status')).toHaveText(/^Saved \d\d:\d\d:\d\d$/);
  const before = await session(page);
  expect(before.losses.length).toBe(savedStep);
  expect(before.losses.every(Number.isFinite)).toBe(true);
  expect(before.validation.length).toBeGreaterThan(0);
  expect(before.digest).toMatch(/^[0-9a-f]{64}$/);

  await reloadRestored(page);
  const after = await session(page);
  expect(after.status).toBe('paused');
  expect(after.steps).toBe(savedStep);
  expect(after.savedStep).toBe(savedStep);
  expect(after.losses, 'the loss curve, value for value').toEqual(before.losses);
  expect(after.validation.map((v) => v.step)).toEqual(before.validation.map((v) => v.step));
  // The worker validates the restored weights again at the saved step: the same loss.
  expect(after.validation.at(-1)!.loss).toBeCloseTo(before.validation.at(-1)!.loss, 4);
  expect(after.digest, 'the very same weights').toBe(before.digest);
  expect(after.notice).toMatch(new RegExp(`^Restored your session from \\d\\d:\\d\\d:\\d\\d \\(step ${savedStep}\\)\\.$`));
  await expect(page.getByTestId('notice')).toContainText(after.notice!);
  await expect(page.locator('#field-dataset')).toHaveValue('first-names');
  await expect(page.locator('#field-cell')).toHaveValue('gru');
  await expect(page.locator('#field-hidden')).toHaveValue('16');
  await expect(page.locator('#field-batchSize')).toHaveValue('8');
  await expect(page.getByTestId('steps')).toHaveText(String(savedStep));
  await page.screenshot({ path: testInfo.outputPath('restored.png') });

  // Train on: the steps continue from the saved one, after the restored curve.
  await page.getByRole('button', { name: 'Resume' }).click();
  await waitForSteps(page, savedStep + 10);
  await page.evaluate(() => window.__rnnlab!.pause());
  await page.waitForFunction(() => window.__rnnlab!.status === 'paused', null, { timeout: 30_000 });
  const losses = await api.losses(page);
  expect(await api.steps(page)).toBe(losses.length);
  expect(losses.slice(0, savedStep)).toEqual(before.losses);
  expect(losses.slice(savedStep).every(Number.isFinite), 'every step after the restore has a loss').toBe(true);
  console.log(
    `saved step ${whileTraining} while training; restored step ${savedStep} (${before.validation.length} validation points), trained on to step ${losses.length}`,
  );
  expect(pageErrors).toEqual([]);
});

test('a save refused for quota keeps the previous save', async ({ page, pageErrors }, testInfo) => {
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (window.__failIdbPut) throw new DOMException('quota', 'QuotaExceededError');
      return put.apply(this, args);
    };
  });
  await boot(page);
  await page.evaluate((s) => window.__rnnlab!.configure(s), TINY);
  const first = await trainTo(page, 20);
  expect(await page.evaluate(() => window.__rnnlab!.saveNow())).toBe(first);

  await page.evaluate(() => (window.__failIdbPut = true));
  const later = await trainTo(page, first + 20); // the pause saves, and fails
  expect(later).toBeGreaterThan(first);
  const failure = await page.evaluate(() =>
    window.__rnnlab!.saveNow().then(
      (step) => `saved ${step}`,
      (e: Error) => e.message,
    ),
  );
  expect(failure).toBe(QUOTA_MESSAGE);
  expect(await page.evaluate(() => ({ error: window.__rnnlab!.saveError, step: window.__rnnlab!.savedStep }))).toEqual({ error: QUOTA_MESSAGE, step: first });
  const banner = page.getByTestId('save-error');
  await expect(banner, 'one banner for two failed saves').toHaveCount(1);
  await expect(banner).toContainText('Your session could not be saved in this browser.');
  await expect(banner).toContainText(QUOTA_MESSAGE);
  await expect(banner).toContainText(`The save of step ${first} (`);
  await expect(page.getByTestId('save-status')).toContainText('Not saved');
  await page.screenshot({ path: testInfo.outputPath('save-failed.png') });

  const download = page.waitForEvent('download');
  await banner.getByRole('button', { name: 'Download weights (.safetensors)' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`rnnlab-first-names-gru-h16x1-step${later}.safetensors`);
  const bytes = await readFile((await file.path())!);
  expect(bytes.length, 'a safetensors file of the GRU’s ~1.9k float32 parameters').toBeGreaterThan(1_800 * 4);

  // The failed writes changed nothing: the reload brings back the earlier save.
  await reloadRestored(page);
  expect(await api.steps(page)).toBe(first);
  expect((await api.losses(page)).length).toBe(first);
  expect(await page.evaluate(() => window.__rnnlab!.savedStep)).toBe(first);
  await expect(page.getByTestId('save-error')).toHaveCount(0);
  console.log(`saved step ${first}; the save of step ${later} failed (${bytes.length}-byte download); restored step ${first}`);
  expect(pageErrors).toEqual([]);
});

test('a stored session the worker refuses is kept, not restored', async ({ page, pageErrors }) => {
  await boot(page);
  await page.evaluate((s) => window.__rnnlab!.configure(s), TINY);
  await page.evaluate(() => window.__rnnlab!.step());
  await page.waitForFunction(() => window.__rnnlab!.status === 'paused' && window.__rnnlab!.steps === 1, null, { timeout: 30_000 });
  expect(await page.evaluate(() => window.__rnnlab!.saveNow())).toBe(1);
  // No trained steps left: the save that leaving the page starts would not replace the record.
  await page.evaluate(() => window.__rnnlab!.reset());
  await page.waitForFunction(() => window.__rnnlab!.status === 'idle' && window.__rnnlab!.steps === 0, null, { timeout: 30_000 });
  await storedRecord(page, { damage: true });

  await page.reload();
  await page.waitForFunction(() => window.__rnnlab?.status === 'idle' && window.__rnnlab.notice, null, { timeout: 60_000 });
  const notice = await page.evaluate(() => window.__rnnlab!.notice);
  expect(notice).toMatch(
    /^Your session saved at \d\d:\d\d:\d\d \(step 1\) could not be restored: .+\. Started with the default settings; the saved session stays stored until a new save replaces it\.$/,
  );
  expect(await api.error(page)).toBeNull();
  expect(await api.steps(page)).toBe(0);
  await expect(page.locator('#field-dataset')).toHaveValue('moby-dick');
  expect(await storedRecord(page, { damage: false }), 'the refused record is still there').toEqual({ step: 1, weightBytes: 16 });
  expect(pageErrors).toEqual([]);
});

test('a run on an uploaded text comes back whole: the file (and a CSV uploaded before it), the speed curve, the samples and the prompt', async ({
  page,
  pageErrors,
}) => {
  test.setTimeout(180_000);
  await boot(page);
  await page.evaluate((s) => window.__rnnlab!.configure(s), { cell: 'gru', hidden: 16, seqLen: 16, tbptt: 16, batchSize: 8 } as const);
  // A CSV first: the picker keeps it, though the run trains on the text after it.
  const rows = Array.from({ length: 400 }, (_, i) => `${i},${Math.sin(i / 5).toFixed(4)}`).join('\n');
  await page.getByTestId('upload-csv').setInputFiles({ name: 'waves.csv', mimeType: 'text/csv', buffer: Buffer.from(`t,v\n${rows}`) });
  await expect(page.locator('#field-dataset')).toHaveValue('series');
  await page.getByTestId('csv-column').selectOption('v');
  const text = Array.from({ length: 40 }, (_, i) => ['the fox jumps over the dog.', 'a dog sleeps in the sun.'][i % 2]).join('\n');
  await page.getByTestId('upload-text').setInputFiles({ name: 'fox.txt', mimeType: 'text/plain', buffer: Buffer.from(text) });
  await expect(page.locator('#field-dataset')).toHaveValue('upload');
  await page.waitForFunction(() => window.__rnnlab!.status === 'idle', null, { timeout: 30_000 });
  await page.getByLabel('Prompt').fill('the d');
  await page.evaluate(() => window.__rnnlab!.train());
  await waitForSteps(page, 120); // a sample every 100 steps
  await page.waitForFunction(() => window.__rnnlab!.samples.length >= 1, null, { timeout: 60_000 });
  const pausedAt = await trainTo(page, 130);
  const saved = await page.evaluate(() => window.__rnnlab!.saveNow());
  expect(saved).toBe(pausedAt);
  // Typed after the save: kept all the same (written as it changes).
  await page.getByLabel('Prompt').fill('a dog');
  const before = await page.evaluate(() => ({ msPerStep: window.__rnnlab!.msPerStep, samples: window.__rnnlab!.samples, uploads: window.__rnnlab!.uploads }));
  expect(before.msPerStep.length).toBe(pausedAt);
  expect(before.uploads).toEqual({ text: 'fox.txt', csv: 'waves.csv', trees: null, pairs: null });

  await reloadRestored(page);
  const after = await page.evaluate(() => ({
    steps: window.__rnnlab!.steps,
    msPerStep: window.__rnnlab!.msPerStep,
    samples: window.__rnnlab!.samples,
    uploads: window.__rnnlab!.uploads,
    prompt: window.__rnnlab!.prompt,
  }));
  expect(after.steps).toBe(pausedAt);
  expect(after.msPerStep, 'the speed curve, value for value').toEqual(before.msPerStep);
  expect(after.samples).toEqual(before.samples);
  expect(after.uploads, 'both files back in the picker').toEqual(before.uploads);
  expect(after.prompt).toBe('a dog');
  await expect(page.getByLabel('Prompt')).toHaveValue('a dog');
  await expect(page.locator('#field-dataset')).toHaveValue('upload');
  // The newest sample, shown after the prompt it was generated from (typed before the save).
  expect(await page.getByTestId('sample').textContent()).toBe(`the d${before.samples[0]}`);
  // The CSV is one pick away, its column chosen as before.
  await page.locator('#field-dataset').selectOption('series');
  await expect(page.getByTestId('csv-column')).toHaveValue('v');
  expect(pageErrors).toEqual([]);
});
