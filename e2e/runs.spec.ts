// Every run kept: a new model (another hidden size, another family) starts a new run and the one
// before stays stored, each with its own weights; the run list shows them with what changed; after a
// reload the run in use comes back, and another opens with the very weights it was saved with.
import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { boot, expect, recordLongTasks, startThreadTrace, test, trainTo } from './fixtures.ts';

const TINY = { dataset: 'first-names', cell: 'gru', hidden: 16, seqLen: 16, tbptt: 16, batchSize: 8, lr: 0.01 } as const;

const digest = (page: Page) => page.evaluate(() => window.__rnnlab!.weightsDigest());
const runs = (page: Page) => page.evaluate(() => window.__rnnlab!.runs);
const runId = (page: Page) => page.evaluate(() => window.__rnnlab!.runId);

test('runs side by side in the store: a new model is a new run, and each comes back with its own weights', async ({ page, pageErrors }, testInfo) => {
  test.setTimeout(240_000);
  await boot(page);
  await page.evaluate((s) => window.__rnnlab!.configure(s), TINY);
  const a = await runId(page);
  const stepsA = await trainTo(page, 30);
  expect(await page.evaluate(() => window.__rnnlab!.saveNow())).toBe(stepsA);
  const digestA = await digest(page);
  const list = page.getByTestId('run-list');
  await expect(list.getByTestId('run-row')).toHaveCount(1);

  // Duplicate and change: a new run from run 1's settings with another learning rate, both on the loss chart.
  await list.locator(`[data-run="${a}"]`).getByRole('button', { name: 'Duplicate' }).click();
  await page.waitForFunction((a) => window.__rnnlab!.runId !== a && window.__rnnlab!.status === 'idle', a, { timeout: 30_000 });
  const lrRun = await runId(page);
  await page.locator('#field-lr').fill('0.003');
  await page.locator('#field-lr').press('Enter'); // apply now, not after the typing pause
  await page.waitForFunction(() => window.__rnnlab!.status === 'idle', null, { timeout: 30_000 });
  await expect(page.getByTestId('confirm-discard')).toHaveCount(0); // an untrained run: nothing to lose
  const stepsLr = await trainTo(page, 30);
  await page.evaluate(() => window.__rnnlab!.saveNow());
  expect(await runId(page)).toBe(lrRun);
  await expect(list.locator(`[data-run="${lrRun}"]`).getByTestId('run-diff')).toHaveText('lr 0.01 → 0.003');
  await list.getByLabel('Show Run 1 on the charts').check();
  const legend = page.locator('section[aria-labelledby="loss-title"] .u-legend');
  await expect(legend).toContainText('Run 1: lr 0.003 → 0.01');
  await expect(legend).toContainText('Run 2 (in use)');
  await page.setViewportSize({ width: 1280, height: 1100 });
  await page.screenshot({ path: testInfo.outputPath('runs-overlay.png'), fullPage: true });
  expect(await digest(page)).not.toBe(digestA);
  expect((await runs(page)).find((r) => r.id === lrRun)).toEqual({ id: lrRun, name: 'Run 2', steps: stepsLr, parentId: a });
  await list.getByLabel('Show Run 1 on the charts').uncheck();
  await expect(legend).not.toContainText('Run 1:');
  // Back to run 1 for what follows.
  await list.locator(`[data-run="${a}"]`).getByRole('button', { name: 'Open' }).click();
  await page.waitForFunction((a) => window.__rnnlab!.runId === a && window.__rnnlab!.status === 'paused', a, { timeout: 60_000 });

  // Another hidden size needs new weights: asked first, then a new run whose parent is the first.
  await page.locator('#field-hidden').fill('24');
  await page.getByRole('button', { name: 'Discard and apply' }).click();
  await page.waitForFunction((a) => window.__rnnlab!.runId !== a && window.__rnnlab!.status === 'idle', a, { timeout: 30_000 });
  const b = await runId(page);
  const stepsB = await trainTo(page, 20);
  expect(await page.evaluate(() => window.__rnnlab!.saveNow())).toBe(stepsB);
  const digestB = await digest(page);
  expect(digestB).not.toBe(digestA);
  await expect(list.getByTestId('run-row')).toHaveCount(3);
  expect(await runs(page)).toEqual([
    { id: a, name: 'Run 1', steps: stepsA, parentId: null },
    { id: lrRun, name: 'Run 2', steps: stepsLr, parentId: a },
    { id: b, name: 'Run 3', steps: stepsB, parentId: a },
  ]);
  await expect(list.locator(`[data-run="${b}"]`).getByTestId('run-diff')).toHaveText('hidden 16 → 24');
  await expect(list.locator(`[data-run="${b}"]`)).toHaveAttribute('aria-current', 'true');
  // The run in use cannot be deleted; a name can be edited.
  await expect(list.locator(`[data-run="${b}"]`).getByRole('button', { name: 'Delete' })).toBeDisabled();
  await list.getByLabel('Name of Run 1').fill('lr 0.01, hidden 16');
  await list.getByLabel('Name of Run 1').press('Enter');
  await expect.poll(async () => (await runs(page))[0].name).toBe('lr 0.01, hidden 16');

  // A reload brings back the run in use; the other opens with the weights it was saved with.
  await page.reload();
  await page.waitForFunction(() => window.__rnnlab?.status === 'paused', null, { timeout: 60_000 });
  expect(await runId(page)).toBe(b);
  expect(await digest(page)).toBe(digestB);
  await expect(list.getByTestId('run-row')).toHaveCount(3);
  await list.locator(`[data-run="${a}"]`).getByRole('button', { name: 'Open' }).click();
  await page.waitForFunction((a) => window.__rnnlab!.runId === a && window.__rnnlab!.status === 'paused', a, { timeout: 60_000 });
  expect(await page.evaluate(() => window.__rnnlab!.steps)).toBe(stepsA);
  expect(await digest(page), 'run 1’s very weights').toBe(digestA);
  await expect(page.locator('#field-hidden')).toHaveValue('16');

  // A tree model after the recurrent ones: a third run, the others kept.
  await page.locator('#field-dataset').selectOption('tree-arithmetic');
  await page.getByRole('button', { name: 'Discard and apply' }).click();
  await page.waitForFunction((a) => window.__rnnlab!.runId !== a && window.__rnnlab!.status === 'idle', a, { timeout: 30_000 });
  await trainTo(page, 5);
  await page.evaluate(() => window.__rnnlab!.saveNow());
  expect((await runs(page)).map((r) => r.id).slice(0, 3)).toEqual([a, lrRun, b]);
  await expect(list.getByTestId('run-row')).toHaveCount(4);

  // One file per run: run 1 exported, then imported as a new run that opens with the same weights and curve.
  const download = page.waitForEvent('download');
  await list.locator(`[data-run="${a}"]`).getByRole('button', { name: 'Export' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('lr-0.01-hidden-16.run.safetensors');
  const bytes = await readFile((await file.path())!);
  const known = (await runs(page)).map((r) => r.id);
  await page.getByTestId('import-run').setInputFiles({ name: 'shared.run.safetensors', mimeType: 'application/octet-stream', buffer: bytes });
  await page.waitForFunction((known) => !known.includes(window.__rnnlab!.runId!) && window.__rnnlab!.status === 'paused', known, { timeout: 60_000 });
  expect((await runs(page)).at(-1)).toMatchObject({ name: 'lr 0.01, hidden 16 (imported)', steps: stepsA, parentId: null });
  expect(await digest(page), 'run 1’s weights, through the file').toBe(digestA);
  expect(await page.evaluate(() => window.__rnnlab!.losses.length)).toBe(stepsA);
  // Plain weights are not a run file: refused, saying where they go.
  await page
    .getByTestId('import-run')
    .setInputFiles({ name: 'w.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(bytes.subarray(0, 8)) });
  await expect(page.getByTestId('notice')).toContainText('“w.safetensors” is not a run file');
  await expect(list.getByTestId('run-row')).toHaveCount(5);

  // Deleting asks first.
  await list.locator(`[data-run="${b}"]`).getByRole('button', { name: 'Delete' }).click();
  await list.locator(`[data-run="${b}"]`).getByRole('button', { name: 'Keep' }).click();
  await expect(list.getByTestId('run-row')).toHaveCount(5);
  await list.locator(`[data-run="${b}"]`).getByRole('button', { name: 'Delete' }).click();
  await list.locator(`[data-run="${b}"]`).getByRole('button', { name: 'Delete' }).click();
  await expect(list.getByTestId('run-row')).toHaveCount(4);
  expect((await runs(page)).map((r) => r.id)).not.toContain(b);
  expect(pageErrors).toEqual([]);
});

test('ten stored runs of 2,000 steps drawn beside a training run: the main thread stays responsive', async ({ page, pageErrors }) => {
  test.setTimeout(240_000);
  await recordLongTasks(page);
  await boot(page);
  await page.evaluate((s) => window.__rnnlab!.configure(s), TINY);
  await trainTo(page, 20);
  await page.evaluate(() => window.__rnnlab!.saveNow());
  // Ten copies of this run, each with curves of 2,000 steps, written straight into the store.
  await page.evaluate(
    (id) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('rnnlab', 1);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const store = open.result.transaction('sessions', 'readwrite').objectStore('sessions');
          const info = store.get(`runInfo:${id}`);
          const record = store.get(`run:${id}`);
          record.onsuccess = () => {
            const n = 2000;
            for (let k = 0; k < 10; k++) {
              const curve = (f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
              const losses = curve((i) => 4 * Math.exp(-i / (300 + 60 * k)) + 0.5 + 0.05 * Math.sin(i / 7));
              const curves = {
                losses,
                gradNorms: curve((i) => 1 / (1 + i / 100)),
                msPerStep: curve(() => 3 + k),
                validation: [{ step: n, loss: 0.6 + k / 20 }],
              };
              const copy = `copy-${k}`;
              store.put({ ...record.result, losses, checkpoint: { ...record.result.checkpoint, step: n } }, `run:${copy}`);
              store.put(curves, `runCurves:${copy}`);
              store.put({ ...info.result, id: copy, name: `Copy ${k}`, createdAt: info.result.createdAt + 1 + k, steps: n }, `runInfo:${copy}`);
            }
            store.transaction.oncomplete = () => (open.result.close(), resolve());
          };
        };
      }),
    await page.evaluate(() => window.__rnnlab!.runId),
  );
  await page.reload();
  await page.waitForFunction(() => window.__rnnlab?.status === 'paused', null, { timeout: 60_000 });
  const list = page.getByTestId('run-list');
  await expect(list.getByTestId('run-row')).toHaveCount(11);
  for (let k = 0; k < 10; k++) await list.getByLabel(`Show Copy ${k} on the charts`).check();
  const legend = page.locator('section[aria-labelledby="loss-title"] .u-legend');
  await expect(legend).toContainText('Copy 9');

  // While another run trains: every main-thread task under 50 ms of CPU, none over 250 ms of wall time.
  const measure = async (what: string, during: () => Promise<void>) => {
    const trace = await startThreadTrace(page);
    const start = await page.evaluate(() => performance.now());
    await during();
    const longTasks = await page.evaluate((from) => window.__longTasks!.filter((t) => t.start >= from), start);
    const { main } = await trace.stop();
    const busiest = main.reduce((a, b) => (b.cpuMs > a.cpuMs ? b : a), { wallMs: 0, cpuMs: 0 });
    console.log(
      `${what}: ${main.length} main-thread tasks, the busiest ${busiest.cpuMs.toFixed(1)} ms of CPU (${busiest.wallMs.toFixed(1)} ms wall); ` +
        `long tasks: ${longTasks.map((t) => `${t.duration.toFixed(0)} ms`).join(', ') || 'none'}`,
    );
    return { busiest, longTasks };
  };
  await page.evaluate(() => window.__rnnlab!.train());
  const training = await measure('10 runs of 2,000 steps overlaid while training', () => page.waitForTimeout(4000));
  // As the training test holds the page (train.spec.ts).
  expect(training.busiest.cpuMs, 'the most CPU time one main-thread task used while training').toBeLessThan(50);
  expect(training.longTasks.filter((t) => t.duration > 250)).toEqual([]);
  // Switching the x axis rebuilds the three charts with all their runs: one interaction, answered within
  // 200 ms (a good Interaction to Next Paint), and training goes on.
  const switching = await measure('the x axis switched to training time', async () => {
    await page.getByLabel('The charts’ x axis').selectOption('time');
    await page.waitForTimeout(1500);
  });
  expect(switching.busiest.wallMs, 'the switch’s longest main-thread task (wall)').toBeLessThan(200);
  await page.evaluate(() => window.__rnnlab!.pause());
  await page.waitForFunction(() => window.__rnnlab!.status === 'paused', null, { timeout: 30_000 });
  expect(pageErrors).toEqual([]);
});
