// Every run kept: a new model (another hidden size, another family) starts a new run and the one
// before stays stored, each with its own weights; the run list shows them with what changed; after a
// reload the run in use comes back, and another opens with the very weights it was saved with.
import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { boot, expect, test, trainTo } from './fixtures.ts';

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
