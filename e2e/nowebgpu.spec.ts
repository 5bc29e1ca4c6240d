// Without WebGPU (Chromium started without --enable-unsafe-webgpu, as on a stock Linux desktop) the
// page says what is missing and how to get it: with the worker's CPU fallback, that training runs
// (slowly) on the CPU; without one, that nothing can be trained.
import { expect, test } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from '../scripts/find-chromium.js';
import type {} from '../app/testApi.ts';

test('without WebGPU the page explains what is missing', async ({ playwright, baseURL }) => {
  const browser = await playwright.chromium.launch({
    executablePath: findChromium(),
    args: CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu'),
    headless: false,
  });
  try {
    const page = await browser.newPage();
    await page.goto(baseURL!);
    const banner = page.getByTestId('device-error');
    await expect(banner).toContainText('WebGPU is not available', { timeout: 60_000 });
    await expect(banner).toContainText('--enable-unsafe-webgpu');
    await expect(banner).toContainText('secure context');
    // The worker's answer after deviceError: a fallback device, or a fatal error.
    await page.waitForFunction(() => window.__rnnlab!.adapter !== null || window.__rnnlab!.status === 'failed', null, { timeout: 60_000 });
    const adapter = await page.evaluate(() => window.__rnnlab!.adapter);
    if (adapter) {
      expect(adapter).toMatch(/CPU/);
      await expect(banner).toContainText('training runs on the CPU instead');
      await page.waitForFunction(() => window.__rnnlab!.status === 'idle', null, { timeout: 60_000 });
      await expect(page.getByRole('button', { name: 'Train' })).toBeEnabled();
    } else {
      await expect(banner).toContainText('no CPU fallback');
      await expect(page.getByRole('button', { name: 'Train' })).toBeDisabled();
      await expect(page.getByTestId('error')).toHaveCount(0); // one explanation, not two banners
    }
  } finally {
    await browser.close();
  }
});
