#!/usr/bin/env node
// Runs a TypeScript tool: `node bin/run-ts.js <module.ts> [args…]` imports the module and exits with
// the status its `main(argv)` returns (none: 0). Every tool (the CLI, the bench, the perf tools) starts
// here, so none repeats this preamble. gpu/ is TypeScript that imports WGSL with Vite's `?raw`; two
// loader hooks give Node both. A tool that needs a GPU asks for one itself (gpu/core/device.node.ts).
import { register } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register as registerTsx } from 'tsx/esm/api';
import { runWithoutDawnNoise } from './dawnNoise.js';

/**
 * Runs `module`'s main(argv) and sets the exit status to what it returns. With `quietDawn`, in a
 * child process whose stderr goes without Dawn's driver-probing messages (dawnNoise.js).
 */
export async function runMain(module, argv, { quietDawn = false } = {}) {
  if (quietDawn) return runWithoutDawnNoise([fileURLToPath(import.meta.url), fileURLToPath(module), ...argv]);
  registerTsx();
  register('./raw-hooks.js', import.meta.url); // registered last, so it runs first for `?raw`
  const { main } = await import(module);
  process.exitCode = (await main(argv)) ?? 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [module, ...argv] = process.argv.slice(2);
  if (!module) {
    console.error('usage: node bin/run-ts.js <module.ts> [args…]');
    process.exit(2);
  }
  await runMain(pathToFileURL(resolve(module)).href, argv);
}
