// `npm run screenshot`: the README's picture of the trainer page, docs/images/trainer.png. Builds the
// page, serves it, trains a small GRU on Moby Dick in Chromium with WebGPU until the curves, the
// heatmap and a few samples show, and photographs the page while it is still training. Chromium
// shares the machine with the e2e tests: run it under their lock,
//   flock /tmp/rnnlab-e2e.lock npm run screenshot
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { CHROMIUM_ARGS, findChromium } from './find-chromium.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const OUT = fileURLToPath(new URL('../docs/images/trainer.png', import.meta.url));
const PORT = 4190;
/** A 1280 × 800 picture of the page laid out at 1/SCALE that size, so the loss, the heatmap and the samples fit in it. */
const SCALE = 0.66;
/** Steps before the picture: past the loss's first plateau; samples come every 100 steps, heatmap frames every 40. */
const STEPS = 300;

await build({ root, logLevel: 'warn' });
const server = await preview({ root, logLevel: 'warn', preview: { port: PORT, strictPort: true } });
// --headless=new in CHROMIUM_ARGS picks the mode, as in playwright.config.ts.
const browser = await chromium.launch({ executablePath: findChromium(), args: [...CHROMIUM_ARGS, '--hide-scrollbars'], headless: false });
try {
  const page = await browser.newPage({ viewport: { width: Math.round(1280 / SCALE), height: Math.round(800 / SCALE) }, deviceScaleFactor: SCALE });
  await page.goto(`http://localhost:${PORT}/`);
  await page.waitForFunction(() => window.__rnnlab?.status === 'idle' || window.__rnnlab?.deviceError, null, { timeout: 60_000 });
  const deviceError = await page.evaluate(() => window.__rnnlab.deviceError);
  if (deviceError) throw new Error(`no WebGPU in this Chromium: ${deviceError}`);

  // The e2e test's small model: 300 steps take seconds even on SwiftShader, and 32 units keep the heatmap short.
  await page.locator('#field-cell').selectOption('gru');
  await page.locator('#field-hidden').fill('32');
  await page.locator('#field-seqLen').fill('32');
  await page.locator('#field-tbptt').fill('32');
  await page.locator('#field-batchSize').fill('8');
  await page.locator('.device').filter({ hasText: 'GRU 1×32' }).waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => window.__rnnlab.status === 'idle');

  await page.getByRole('button', { name: 'Train' }).click();
  await page.waitForFunction(
    (n) => window.__rnnlab.error !== null || (window.__rnnlab.steps >= n && window.__rnnlab.samples.length >= 1 && (window.__rnnlab.heatmap?.frames ?? 0) >= 2),
    STEPS,
    { timeout: 600_000, polling: 250 },
  );
  const error = await page.evaluate(() => window.__rnnlab.error);
  if (error) throw new Error(`training failed: ${error}`);
  // Two animation frames, so the charts and the heatmap have drawn what arrived last.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  mkdirSync(dirname(OUT), { recursive: true });
  await page.screenshot({ path: OUT });
  console.log(`${OUT}: step ${await page.evaluate(() => window.__rnnlab.steps)}`);
} finally {
  await browser.close();
  await new Promise((resolve) => server.httpServer.close(resolve));
}
