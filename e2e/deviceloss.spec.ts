// A lost GPU device, for real: while a tiny model trains, the browser's GPU process is crashed through
// the DevTools protocol (Browser.crashGpuProcess; the page's chrome://gpucrash is not honoured for a
// navigation the page makes). On SwiftShader in headless Chromium the worker's GPUDevice is then lost
// with reason 'unknown', as on a driver reset; the worker asks for a new device, rebuilds the session
// from its last good checkpoint (weights and optimizer state of the last validation) and trains on.
import type { Browser, Page } from '@playwright/test';
import { api, boot, expect, mean, test, waitForSteps } from './fixtures.ts';

/** Validation (and so the last good checkpoint) every 40 steps: the worker's default. */
const VALIDATE_EVERY = 40;
const TINY = { dataset: 'first-names', cell: 'gru', hidden: 16, seqLen: 16, tbptt: 16, batchSize: 8, lr: 0.01 } as const;

/**
 * Crashes the browser's GPU process while the page trains and waits for its notice: the step training
 * resumed from, which must be a validation step (the last good checkpoint) no later than one validation
 * past the steps seen before (`stepsBefore`) or when the crash was sent.
 */
async function crashGpuAndResume(page: Page, browser: Browser, stepsBefore: number): Promise<{ resumedAt: number; stepsAtCrash: number }> {
  const cdp = await browser.newBrowserCDPSession();
  await cdp.send('Browser.crashGpuProcess');
  // Steps the page saw when the crash was sent (training runs on until the device is really gone).
  const stepsAtCrash = (await api.losses(page)).length;
  const notice = page.getByTestId('notice').locator('p');
  await expect(notice).toContainText(
    /^The GPU device was lost \(.+\); training resumed from step \d+ on a new device, with the weights and optimizer state of that step\.$/,
    { timeout: 60_000 },
  );
  const resumedAt = Number(/from step (\d+)/.exec((await notice.textContent())!)![1]);
  expect(resumedAt % VALIDATE_EVERY, `resumed at step ${resumedAt}`).toBe(0);
  expect(resumedAt).toBeGreaterThanOrEqual(VALIDATE_EVERY);
  expect(resumedAt).toBeLessThanOrEqual(Math.max(stepsBefore, stepsAtCrash) + VALIDATE_EVERY);
  return { resumedAt, stepsAtCrash };
}

test('a lost GPU device: training resumes from the last good checkpoint, weights and optimizer restored', async ({
  page,
  browser,
  request,
  pageErrors,
}, testInfo) => {
  await boot(page);
  await page.evaluate((s) => window.__rnnlab!.configure(s), TINY);
  const text = await (await request.get('data/first-names.txt')).text();
  const initialLoss = Math.log(new Set(Array.from(text)).size);

  await page.getByRole('button', { name: 'Train' }).click();
  await waitForSteps(page, VALIDATE_EVERY + 10);
  const before = await api.losses(page);
  const stepsBefore = before.length;

  // What the page shows when the notice appears (React renders it in the microtask after the
  // worker's `recovered` message, before the next message is handled).
  await page.evaluate(() => {
    new MutationObserver((_, observer) => {
      if (!document.querySelector('[data-testid="notice"]')) return;
      const api = window.__rnnlab!;
      (window as unknown as Record<string, unknown>).__atNotice = {
        steps: api.steps,
        losses: api.losses.length,
        validation: api.validation.map((v) => v.step),
      };
      observer.disconnect();
    }).observe(document.body, { childList: true, subtree: true });
  });
  const { resumedAt } = await crashGpuAndResume(page, browser, stepsBefore);

  // The page went back to the checkpoint: step counter, loss curve and validations end at resumedAt.
  const atNotice = await page.evaluate(
    () => (window as unknown as Record<string, unknown>).__atNotice as { steps: number; losses: number; validation: number[] },
  );
  expect(atNotice.steps, 'step counter when the notice appeared').toBe(resumedAt);
  expect(atNotice.losses, 'loss curve length when the notice appeared').toBe(resumedAt);
  expect(atNotice.validation.at(-1)).toBe(resumedAt);

  // Training goes on past where it was before the loss, with no error and a new device.
  await page.waitForFunction((n) => window.__rnnlab!.error !== null || window.__rnnlab!.losses.length >= n, Math.max(stepsBefore, resumedAt) + 20, {
    timeout: 120_000,
  });
  expect(await api.error(page)).toBeNull();
  await expect(page.getByTestId('status')).toHaveText('Training');

  // The page went back to step resumedAt and counts on from there: no stale step past it, every step a finite loss.
  const after = await api.losses(page);
  expect(after.every(Number.isFinite), 'every step has a finite loss').toBe(true);
  const kept = Math.min(resumedAt, stepsBefore);
  expect(after.slice(0, kept), 'the steps before the checkpoint are kept').toEqual(before.slice(0, kept));
  const validation = await page.evaluate(() => window.__rnnlab!.validation);
  const validationSteps = validation.map((v) => v.step);
  expect(validationSteps, 'validation steps rise, once each').toEqual([...validationSteps].sort((a, b) => a - b).filter((s, i, a) => a.indexOf(s) === i));
  expect(await api.steps(page)).toBeGreaterThanOrEqual(after.length - 10);

  // Weights and optimizer state restored, not re-initialised: the loss just after resuming is that of
  // just before the checkpoint, far below a fresh model's ln(vocabulary).
  const justBefore = mean(after.slice(resumedAt - 10, resumedAt));
  const justAfter = mean(after.slice(resumedAt, resumedAt + 10));
  const report = `resumed at step ${resumedAt} (crash after step ${stepsBefore}); loss: initial ${before[0].toFixed(3)} (ln vocab ${initialLoss.toFixed(3)}), steps ${resumedAt - 10}–${resumedAt - 1} ${justBefore.toFixed(3)}, steps ${resumedAt}–${resumedAt + 9} ${justAfter.toFixed(3)}`;
  console.log(report);
  testInfo.annotations.push({ type: 'measured', description: report });
  expect(Math.abs(before[0] - initialLoss)).toBeLessThan(0.3);
  expect(justBefore).toBeLessThan(initialLoss - 0.5);
  expect(Math.abs(justAfter - justBefore), 'loss after resuming vs before the checkpoint').toBeLessThan(0.25);

  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('status')).toHaveText('Paused', { timeout: 30_000 });
  expect(pageErrors).toEqual([]);
});

test('a lost GPU device while a Tree-LSTM trains: it resumes from the last validation, weights and optimizer restored', async ({
  page,
  browser,
  pageErrors,
}, testInfo) => {
  await boot(page);
  await page.locator('#field-dataset').selectOption('tree-arithmetic');
  await page.locator('#field-hidden').fill('16');
  await page.locator('#field-batchSize').fill('16');
  await expect(page.locator('.device')).toContainText('Tree-LSTM ×16', { timeout: 30_000 });
  await page.waitForFunction(() => window.__rnnlab!.status === 'idle' && window.__rnnlab!.tree !== null);

  await page.getByRole('button', { name: 'Train' }).click();
  await waitForSteps(page, VALIDATE_EVERY + 10);
  const before = await api.losses(page);
  const { resumedAt, stepsAtCrash } = await crashGpuAndResume(page, browser, before.length);

  // Training goes on past where it was, with no error; the deeper-tree accuracy is measured again.
  await page.waitForFunction(
    (n) => window.__rnnlab!.error !== null || window.__rnnlab!.losses.length >= n,
    Math.max(before.length, resumedAt) + VALIDATE_EVERY + 5,
    { timeout: 120_000 },
  );
  expect(await api.error(page)).toBeNull();
  await expect(page.getByTestId('status')).toHaveText('Training');
  const after = await api.losses(page);
  expect(after.every(Number.isFinite), 'every step has a finite loss').toBe(true);
  const accuracy = (await page.evaluate(() => window.__rnnlab!.tree!.accuracy)).map((a) => a.step);
  expect(accuracy, 'validation steps rise, once each, past the resumed step').toEqual(
    [...accuracy].sort((a, b) => a - b).filter((s, i, a) => a.indexOf(s) === i),
  );
  expect(accuracy.at(-1)!).toBeGreaterThan(resumedAt);

  // Restored, not re-initialised: the loss just after resuming is that of just before the checkpoint.
  const justBefore = mean(after.slice(resumedAt - 10, resumedAt));
  const justAfter = mean(after.slice(resumedAt, resumedAt + 10));
  const first = mean(after.slice(0, 10));
  const report = `tree session resumed at step ${resumedAt} (crash after step ${stepsAtCrash}); loss: steps 0–9 ${first.toFixed(3)}, ${resumedAt - 10}–${resumedAt - 1} ${justBefore.toFixed(3)}, ${resumedAt}–${resumedAt + 9} ${justAfter.toFixed(3)}`;
  console.log(report);
  testInfo.annotations.push({ type: 'measured', description: report });
  expect(justBefore).toBeLessThan(first * 0.9);
  expect(Math.abs(justAfter - justBefore), 'loss after resuming vs before the checkpoint').toBeLessThan(0.3);

  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('status')).toHaveText('Paused', { timeout: 30_000 });
  expect(pageErrors).toEqual([]);
});
