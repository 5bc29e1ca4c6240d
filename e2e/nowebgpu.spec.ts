// Without WebGPU (Chromium started without --enable-unsafe-webgpu, as on a stock Linux desktop) the
// page says what is missing and how to get it, and the worker falls back to the CPU: the page labels
// that device as slower, and a tiny model trains there (in the worker: the main thread stays free).
import { expect, test } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from '../scripts/find-chromium.js';
import { mean, recordLongTasks, traceThreads } from './fixtures.ts';

/** Small enough for the float64 CPU reference in a worker. */
const TINY = { dataset: 'first-names', cell: 'gru', hidden: 16, seqLen: 8, tbptt: 8, batchSize: 4, lr: 0.02 } as const;
const STEPS = 60;

test('without WebGPU the page falls back to training on the CPU, saying why', async ({ playwright, baseURL }, testInfo) => {
  const browser = await playwright.chromium.launch({
    executablePath: findChromium(),
    args: CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu'),
    headless: false,
  });
  try {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await recordLongTasks(page);
    await page.goto(baseURL!);
    const banner = page.getByTestId('device-error');
    await expect(banner).toContainText('WebGPU is not available', { timeout: 60_000 });
    await expect(banner).toContainText('--enable-unsafe-webgpu');
    await expect(banner).toContainText('secure context');

    // The worker's answer after deviceError: its CPU fallback, labelled as slower in the device panel and the top bar.
    await page.waitForFunction(() => window.__rnnlab!.adapter !== null || window.__rnnlab!.status === 'failed', null, { timeout: 60_000 });
    expect(await page.evaluate(() => window.__rnnlab!.error)).toBeNull();
    await expect(banner).toContainText('training runs on the CPU instead');
    await expect(page.getByTestId('adapter')).toHaveText(/^CPU .*slower than a GPU$/);
    await expect(page.locator('.topbar .gpu')).toHaveText(/^CPU .*slower than a GPU$/);
    await page.waitForFunction(() => window.__rnnlab!.status === 'idle', null, { timeout: 60_000 });

    // The defaults shrink to CPU sizes (Moby Dick's LSTM 128 × 64 steps would crawl here).
    await expect(page.locator('#field-hidden')).toHaveValue('32');
    await expect(page.locator('#field-batchSize')).toHaveValue('8');
    await expect(page.locator('.device')).toContainText('LSTM 1×32');
    await page.evaluate((s) => window.__rnnlab!.configure(s), TINY);
    await expect(page.locator('.device')).toContainText('GRU 1×16');
    const text = await (await page.request.get('data/first-names.txt')).text();
    const initialLoss = Math.log(new Set(Array.from(text)).size);

    let start = 0;
    let end = 0;
    const { main: tasks, workerCpuMs } = await traceThreads(page, async () => {
      start = await page.evaluate(() => performance.now());
      await page.getByRole('button', { name: 'Train' }).click();
      await expect(page.getByTestId('status')).toHaveText('Training');
      await page.waitForFunction((n) => window.__rnnlab!.error !== null || window.__rnnlab!.losses.length >= n, STEPS, { timeout: 60_000, polling: 100 });
      end = await page.evaluate(() => performance.now());
      await page.getByRole('button', { name: 'Pause' }).click();
      await expect(page.getByTestId('status')).toHaveText('Paused', { timeout: 30_000 });
    });
    expect(await page.evaluate(() => window.__rnnlab!.error)).toBeNull();
    const steps = await page.evaluate(() => window.__rnnlab!.steps);
    expect(steps).toBeGreaterThanOrEqual(STEPS);

    const losses = (await page.evaluate(() => window.__rnnlab!.losses)).slice(0, STEPS);
    expect(losses.every(Number.isFinite), 'every step has a finite loss').toBe(true);
    const [first, last] = [mean(losses.slice(0, 10)), mean(losses.slice(-10))];
    const report = `CPU: ${STEPS} steps in ${((end - start) / 1000).toFixed(1)} s; loss ${losses[0].toFixed(3)} (ln vocab ${initialLoss.toFixed(3)}), mean of steps 0–9 ${first.toFixed(3)}, of steps ${STEPS - 10}–${STEPS - 1} ${last.toFixed(3)}`;
    console.log(report);
    testInfo.annotations.push({ type: 'measured', description: report });
    expect(Math.abs(losses[0] - initialLoss), `first loss ${losses[0]} vs ln(vocabulary)`).toBeLessThan(0.3);
    expect(last, 'the loss falls').toBeLessThan(first - 0.3);

    // The CPU trains in the worker. From Train to Pause the long-task recorder sees every main-thread
    // task over 50 ms of wall time; the trace says how much of it the main thread itself worked.
    const longTasks = await page.evaluate((from) => window.__longTasks!.filter((t) => t.start >= from), start);
    const busiest = tasks.reduce((a, b) => (b.cpuMs > a.cpuMs ? b : a), { wallMs: 0, cpuMs: 0 });
    const mainCpuMs = tasks.reduce((sum, t) => sum + t.cpuMs, 0);
    console.log(
      `while training on the CPU: main thread ${tasks.length} tasks, ${mainCpuMs.toFixed(0)} ms of CPU, the busiest ${busiest.cpuMs.toFixed(1)} ms ` +
        `(${busiest.wallMs.toFixed(1)} ms wall); worker ${workerCpuMs.toFixed(0)} ms of CPU; long tasks (wall): ${longTasks.map((t) => `${t.duration.toFixed(0)} ms`).join(', ') || 'none'}`,
    );
    expect(tasks.length, 'main-thread tasks traced').toBeGreaterThan(10);
    expect(busiest.cpuMs, 'the most CPU time one main-thread task used while training').toBeLessThan(50);
    expect(pageErrors).toEqual([]);
  } finally {
    await browser.close();
  }
});
