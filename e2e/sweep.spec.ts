// A 2 × 2 sweep over the learning rate and the hidden size: four runs train one after another, each
// kept; a reload in the middle goes on where it was; the results table has four rows sorted by
// validation loss and the parallel-coordinates chart a line per run.
import { boot, expect, test } from './fixtures.ts';

const TINY = { dataset: 'first-names', cell: 'gru', hidden: 16, seqLen: 16, tbptt: 16, batchSize: 8, lr: 0.01 } as const;

test('a 2 × 2 sweep completes, a reload in the middle resumes it, and its results are tabled and drawn', async ({ page, pageErrors }, testInfo) => {
  test.setTimeout(300_000);
  await boot(page);
  await page.evaluate((s) => window.__rnnlab!.configure(s), TINY);
  const panel = page.getByTestId('sweep-panel');
  // A bad value is refused, naming the setting.
  await panel.getByLabel('First setting’s values').fill('0.003, x');
  await panel.getByRole('button', { name: 'Start sweep' }).click();
  await expect(panel.getByTestId('sweep-error')).toHaveText('The learning rate values must be numbers above 0, separated by commas (or a range “min..max”).');
  await panel.getByLabel('First setting’s values').fill('0.003, 0.01');
  await panel.getByLabel('Second setting', { exact: true }).selectOption('hidden');
  await panel.getByLabel('Second setting’s values').fill('8, 16');
  await panel.getByLabel('Steps per run').fill('30');
  await panel.getByRole('button', { name: 'Start sweep' }).click();
  await expect(panel.getByTestId('sweep-status')).toContainText('of 4 (30 steps each)');

  // Reload while run 2 trains: the sweep goes on from there.
  await page.waitForFunction(() => (window.__rnnlab!.sweep?.next ?? 0) >= 1 && window.__rnnlab!.steps >= 5, null, { timeout: 120_000 });
  const before = await page.evaluate(() => window.__rnnlab!.sweep!);
  await page.reload();
  await page.waitForFunction(() => window.__rnnlab?.sweep?.status === 'done' || window.__rnnlab?.error, null, { timeout: 240_000 });
  expect(await page.evaluate(() => window.__rnnlab!.error)).toBeNull();
  const after = await page.evaluate(() => window.__rnnlab!.sweep!);
  // The runs before the reload are the same runs after it.
  expect(after.runIds.slice(0, before.next)).toEqual(before.runIds.slice(0, before.next));
  expect(new Set(after.runIds).size).toBe(4);
  await expect(panel.getByTestId('sweep-status')).toHaveText('Done: 4 runs of 30 steps.');
  const runs = await page.evaluate(() => window.__rnnlab!.runs);
  for (const id of after.runIds) expect(runs.find((r) => r.id === id)?.steps, `run ${id}`).toBe(30);
  expect(
    runs
      .filter((r) => after.runIds.includes(r.id))
      .map((r) => r.name)
      .sort(),
  ).toEqual(['Sweep · lr 0.003 · hidden 16', 'Sweep · lr 0.003 · hidden 8', 'Sweep · lr 0.01 · hidden 16', 'Sweep · lr 0.01 · hidden 8']);
  // The table: four rows, sorted by validation loss; the chart: a line per run.
  const rows = panel.getByTestId('sweep-row');
  await expect(rows).toHaveCount(4);
  const losses = (await rows.locator('td:last-child').allTextContents()).map(Number);
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(losses).toEqual([...losses].sort((x, y) => x - y));
  await expect(panel.getByTestId('sweep-line')).toHaveCount(4);
  await panel.scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('sweep.png'), fullPage: true });
  expect(pageErrors).toEqual([]);
});
