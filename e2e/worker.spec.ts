// gpu/ runs unchanged in a dedicated Web Worker: the bench page trains the tiny model once in the
// page and once in a worker, each with its own GPUDevice, and reports both.
import { expect, test } from '@playwright/test';
import type {} from '../bench/page.ts';

test('the engine trains in a Web Worker as in the page', async ({ page }) => {
  await page.goto('./bench.html?configs=tiny&minMs=200');
  await page.waitForFunction(() => window.__bench !== undefined, null, { timeout: 120_000 });
  const bench = await page.evaluate(() => window.__bench!);
  if ('error' in bench) throw new Error(bench.error);
  expect(bench.adapter.length).toBeGreaterThan(0);
  for (const [where, results] of [
    ['page', bench.page],
    ['worker', bench.worker],
  ] as const) {
    expect(results, where).toHaveLength(1);
    const r = results[0];
    expect(r.config.name).toBe('tiny');
    expect(r.msPerStep, where).toBeGreaterThan(0);
    expect(r.buffersAddedWhileTraining, where).toBe(0);
    expect(Number.isFinite(r.lastLoss) && r.lastLoss < r.firstLoss, `${where}: loss ${r.firstLoss} -> ${r.lastLoss}`).toBe(true);
  }
});
