// Finds a Chromium for the end-to-end tests and names the flags that give it WebGPU.
// Order: $CHROMIUM_PATH, the distribution's chromium, then Playwright's own download.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

const SYSTEM_CHROMIUMS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** @returns {string} the path of a Chromium executable */
export function findChromium() {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const system = SYSTEM_CHROMIUMS.find((p) => existsSync(p));
  if (system) return system;
  const bundled = playwrightChromium();
  if (bundled) return bundled;
  throw new Error(
    'No Chromium found for the end-to-end tests' +
      (fromEnv ? ` (CHROMIUM_PATH=${fromEnv} does not exist)` : '') +
      '. Install one (Debian/Ubuntu: `apt-get install chromium`; or `npx playwright install chromium`), ' +
      'or set CHROMIUM_PATH to a Chromium or Chrome executable.',
  );
}

function playwrightChromium() {
  try {
    const path = chromium.executablePath();
    return path && existsSync(path) ? path : null;
  } catch {
    return null; // playwright-core throws when its browser registry knows no chromium for this platform
  }
}

/**
 * Headless Chromium with WebGPU. On Linux WebGPU is still behind --enable-unsafe-webgpu; that flag
 * alone gives a real adapter, and on a machine without a GPU Chromium falls back to SwiftShader
 * (a CPU Vulkan) on its own, so no --use-angle / --use-webgpu-adapter / Vulkan feature flag is needed.
 * The rest keep a test run quiet and self-contained (no sandbox in containers, no background traffic).
 */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  // The e2e suite crashes the GPU process on purpose (device loss, a crash during a save) in one
  // browser; after the third crash Chromium would otherwise stop offering a GPU adapter at all.
  '--disable-gpu-process-crash-limit',
];
