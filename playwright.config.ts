// End-to-end tests: the built page in a real Chromium with WebGPU. `npm run test:e2e` builds dist/
// first; this config only serves it. Without a GPU, Chromium's WebGPU runs on SwiftShader, a CPU
// emulation where one training step takes tens to hundreds of milliseconds: hence the long timeouts.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './scripts/find-chromium.js';

const PORT = 4179;

if (!existsSync(fileURLToPath(new URL('./dist/index.html', import.meta.url))))
  throw new Error('dist/index.html is missing: build the page first (`npx vite build`, or run `npm run test:e2e`).');

export default defineConfig({
  testDir: 'e2e',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: 'list',
  timeout: 240_000,
  expect: { timeout: 15_000 },
  use: {
    baseURL: `http://localhost:${PORT}/`,
    browserName: 'chromium',
    // --headless=new in CHROMIUM_ARGS picks the mode; Playwright's own headless switch is left out.
    headless: false,
    launchOptions: { executablePath: findChromium(), args: CHROMIUM_ARGS },
    viewport: { width: 1000, height: 900 },
    trace: 'retain-on-failure',
  },
  webServer: {
    command: `npx vite preview --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}/`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
  },
});
