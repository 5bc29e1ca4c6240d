// Faults in the real page, each ending with a clear message, the last good state intact and no
// false "done": the training worker crashing (an uncaught error thrown in it, through Playwright's
// handle on the worker: no test hook in the app), the GPU process crashing while an autosave reads the
// checkpoint back, a tab hidden and then frozen for a long while (DevTools Page.setWebLifecycleState,
// as Chrome does to background tabs), a reload while a save is being written, and the store cleared
// between visits.
import type { Page } from '@playwright/test';
import { api, boot, crashTrainingWorker, expect, test, trainTo, waitForSteps } from './fixtures.ts';

declare global {
  interface Window {
    /** Set by a test: IndexedDB puts from then on never commit (the transaction is kept busy). */
    __stallPut?: boolean;
    __putIssued?: number;
  }
}

const TINY = { dataset: 'first-names', cell: 'rnn-tanh', hidden: 16, seqLen: 16, tbptt: 16, batchSize: 8, lr: 0.01 } as const;

/** The stored current run's step (null: none). */
const storedStep = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<number | null>((resolve, reject) => {
        const open = indexedDB.open('rnnlab', 1);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('sessions')) return resolve((db.close(), null));
          const store = db.transaction('sessions').objectStore('sessions');
          const current = store.get('currentRun');
          current.onsuccess = () => {
            if (!current.result) return resolve((db.close(), null));
            const get = store.get(`run:${current.result}`);
            get.onsuccess = () => {
              db.close();
              resolve(get.result ? get.result.checkpoint.step : null);
            };
          };
        };
      }),
  );

const digest = (page: Page) => page.evaluate(() => window.__rnnlab!.weightsDigest());

test('a crash of the training worker stops training until Reset starts a new worker', async ({ page, pageErrors }) => {
  await boot(page);
  await page.evaluate((s) => window.__rnnlab!.configure(s), TINY);
  const saved = await trainTo(page, 20);
  expect(await page.evaluate(() => window.__rnnlab!.saveNow())).toBe(saved);
  await page.evaluate(() => window.__rnnlab!.train());
  await waitForSteps(page, saved + 10);

  await crashTrainingWorker(page, 'injected: the training worker crashed');
  await page.waitForFunction(() => window.__rnnlab!.status === 'failed', null, { timeout: 30_000 });
  const message = (await api.error(page))!;
  expect(message).toMatch(
    /^The training worker failed to start or crashed: .*injected: the training worker crashed.*\. Reset starts a new worker with fresh weights; your last autosave stays stored, and reloading the page brings it back\.$/,
  );
  await expect(page.getByTestId('error')).toContainText('injected: the training worker crashed');
  await expect(page.getByTestId('status')).toHaveText('Stopped');
  // The crashed worker is stopped: no step arrives after the message, and nothing is saved over the last save.
  const stepsAtCrash = await api.steps(page);
  await page.evaluate(() => window.dispatchEvent(new Event('pagehide'))); // a background save, were one allowed
  await page.waitForTimeout(1500);
  expect(await api.steps(page)).toBe(stepsAtCrash);
  expect(await page.evaluate(() => window.__rnnlab!.status)).toBe('failed');
  expect(await storedStep(page), 'the last save is intact').toBe(saved);

  await page.getByTestId('error').getByRole('button', { name: 'Reset' }).click();
  await page.waitForFunction(() => window.__rnnlab!.status === 'idle', null, { timeout: 60_000 });
  expect(await api.error(page)).toBeNull();
  expect(await api.steps(page)).toBe(0);
  await page.evaluate(() => window.__rnnlab!.train());
  await waitForSteps(page, 10);
  const losses = await api.losses(page);
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(page.workers().filter((w) => /trainWorker/.test(w.url()))).toHaveLength(1);
  await page.evaluate(() => window.__rnnlab!.pause());
  console.log(`saved step ${saved}; crashed at step ${stepsAtCrash}; after Reset trained ${losses.length} steps on a new worker`);
  expect(pageErrors).toEqual([]);
});

test('an autosave interrupted by a GPU process crash completes from the recovered step', async ({ page, browser, pageErrors }) => {
  await boot(page);
  await page.evaluate((s) => window.__rnnlab!.configure(s), TINY);
  await page.evaluate(() => window.__rnnlab!.train());
  await waitForSteps(page, 45); // a validation at step 40: a last good checkpoint
  const cdp = await browser.newBrowserCDPSession();
  // The save asks the worker for a checkpoint (a readback of weights and optimizer state) and the
  // GPU process goes down with it in flight.
  const outcome = page.evaluate(() =>
    window.__rnnlab!.saveNow().then(
      (step) => ({ step }),
      (e: Error) => ({ error: e.message }),
    ),
  );
  await cdp.send('Browser.crashGpuProcess');
  const result = await outcome;
  await expect(page.getByTestId('notice').locator('p')).toContainText(/^The GPU device was lost \(.+\); training resumed from step \d+/, { timeout: 60_000 });
  const noticeText = (await page.getByTestId('notice').locator('p').textContent())!;
  const resumedAt = Number(/from step (\d+)/.exec(noticeText)![1]);
  console.log(`save during the crash: ${JSON.stringify(result)}; resumed at step ${resumedAt}`);
  if ('error' in result) expect(result.error, 'a failed save says why').toMatch(/\w/);
  else {
    expect(result.step, 'the save holds the recovered checkpoint, not a step read from the lost device').toBe(resumedAt);
    // (A background save may have stored a later step since.)
    expect(await storedStep(page)).toBeGreaterThanOrEqual(resumedAt);
  }
  await page.evaluate(() => window.__rnnlab!.pause());
  await page.waitForFunction(() => window.__rnnlab!.status === 'paused', null, { timeout: 60_000 });
  // Whatever the pause saved last, a reload restores exactly it.
  const last = await page.evaluate(() => window.__rnnlab!.saveNow());
  const want = await digest(page);
  await page.reload();
  await page.waitForFunction(() => window.__rnnlab?.status === 'paused' || window.__rnnlab?.error, null, { timeout: 60_000 });
  expect(await api.error(page)).toBeNull();
  expect(await api.steps(page)).toBe(last);
  expect(await digest(page)).toBe(want);
  expect(pageErrors).toEqual([]);
});

test('a tab hidden, then frozen for a long while, trains on without a gap', async ({ page, context, pageErrors }) => {
  await boot(page);
  await page.evaluate((s) => window.__rnnlab!.configure(s), TINY);
  await page.evaluate(() => window.__rnnlab!.train());
  await waitForSteps(page, 20);
  // Hidden (headless Chromium keeps every tab visible: the state is set as the browser would, then the event).
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await page.waitForFunction(() => (window.__rnnlab!.savedStep ?? 0) >= 20, null, { timeout: 60_000 });
  const savedWhenHidden = (await page.evaluate(() => window.__rnnlab!.savedStep))!;
  // Frozen, as Chrome freezes a background tab: the page's tasks (and its worker's) stop.
  const cdp = await context.newCDPSession(page);
  const before = await api.steps(page);
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
  await new Promise((r) => setTimeout(r, 20_000));
  await cdp.send('Page.setWebLifecycleState', { state: 'active' });
  await page.evaluate(() => {
    delete (document as unknown as Record<string, unknown>).visibilityState;
    delete (document as unknown as Record<string, unknown>).hidden;
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await waitForSteps(page, before + 30);
  expect(await page.evaluate(() => window.__rnnlab!.status)).toBe('training');
  await page.evaluate(() => window.__rnnlab!.pause());
  await page.waitForFunction(() => window.__rnnlab!.status === 'paused', null, { timeout: 30_000 });
  const losses = await api.losses(page);
  const steps = await api.steps(page);
  expect(losses.length, 'one loss per step, none missing').toBe(steps);
  expect(losses.every(Number.isFinite)).toBe(true);
  const validation = (await page.evaluate(() => window.__rnnlab!.validation)).map((v) => v.step);
  expect(validation, 'validation steps rise, once each').toEqual([...new Set(validation)].sort((a, b) => a - b));
  expect(await api.error(page)).toBeNull();
  console.log(`saved step ${savedWhenHidden} when hidden; frozen 20 s at step ${before}; trained on to ${steps}`);
  expect(pageErrors).toEqual([]);
});

test('a reload while a save is being written: the previous save is intact (the same weights come back)', async ({ page, pageErrors }) => {
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      const req = put.apply(this, args);
      if (window.__stallPut) {
        // A write that takes long (a big record, a slow disk): the transaction stays busy, so it cannot commit before the reload.
        window.__putIssued = (window.__putIssued ?? 0) + 1;
        const busy = () => this.get('current').addEventListener('success', busy);
        busy();
      }
      return req;
    };
  });
  await boot(page);
  await page.evaluate((s) => window.__rnnlab!.configure(s), TINY);
  const first = await trainTo(page, 20);
  expect(await page.evaluate(() => window.__rnnlab!.saveNow())).toBe(first);
  const firstDigest = await digest(page);

  await page.evaluate(() => (window.__stallPut = true));
  const later = await trainTo(page, first + 20); // the pause saves: that write never completes
  expect(later).toBeGreaterThan(first);
  void page.evaluate(() => void window.__rnnlab!.saveNow().catch(() => {})).catch(() => {}); // the reload ends it
  await page.waitForFunction(() => (window.__putIssued ?? 0) > 0, null, { timeout: 30_000 });
  await page.reload();
  await page.waitForFunction(() => window.__rnnlab?.status === 'paused' || window.__rnnlab?.error, null, { timeout: 60_000 });
  expect(await api.error(page)).toBeNull();
  expect(await api.steps(page)).toBe(first);
  expect((await api.losses(page)).length).toBe(first);
  expect(await digest(page), 'the weights of the previous save').toBe(firstDigest);
  expect(await page.evaluate(() => window.__rnnlab!.notice)).toMatch(new RegExp(`\\(step ${first}\\)\\.$`));
  console.log(`saved step ${first}; reloaded while the save of step ${later} was being written; restored step ${first}`);
  expect(pageErrors).toEqual([]);
});

test('a store cleared between visits: the page says the save is gone', async ({ page, pageErrors }) => {
  await boot(page);
  await page.evaluate((s) => window.__rnnlab!.configure(s), TINY);
  const saved = await trainTo(page, 10);
  expect(await page.evaluate(() => window.__rnnlab!.saveNow())).toBe(saved);
  // As "Clear site data" for IndexedDB, or an eviction under storage pressure, would.
  await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const del = indexedDB.deleteDatabase('rnnlab');
        del.onsuccess = resolve;
        del.onerror = () => reject(del.error);
        del.onblocked = () => reject(new Error('blocked'));
      }),
  );
  await page.reload();
  await page.waitForFunction(() => window.__rnnlab?.status === 'idle' && window.__rnnlab.notice, null, { timeout: 60_000 });
  expect(await page.evaluate(() => window.__rnnlab!.notice)).toMatch(
    new RegExp(
      `^Your session saved at \\d\\d:\\d\\d:\\d\\d \\(step ${saved}\\) is no longer in this browser’s storage \\(the site’s data was cleared, or the browser removed it to free space\\)\\. Started afresh with the default settings\\.$`,
    ),
  );
  await expect(page.getByTestId('notice')).toContainText('is no longer in this browser’s storage');
  expect(await api.error(page)).toBeNull();
  expect(await api.steps(page)).toBe(0);
  await expect(page.locator('#field-dataset')).toHaveValue('moby-dick');

  // The notice is said once; a new save works and comes back.
  await page.evaluate((s) => window.__rnnlab!.configure(s), TINY);
  const again = await trainTo(page, 5);
  expect(await page.evaluate(() => window.__rnnlab!.saveNow())).toBe(again);
  await page.reload();
  await page.waitForFunction(() => window.__rnnlab?.status === 'paused' || window.__rnnlab?.error, null, { timeout: 60_000 });
  expect(await api.steps(page)).toBe(again);
  expect(await page.evaluate(() => window.__rnnlab!.notice)).toMatch(/^Restored your session/);
  expect(pageErrors).toEqual([]);
});
