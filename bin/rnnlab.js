#!/usr/bin/env node
// The rnnlab CLI: the same gpu/ code as the page, in Node through Dawn.
// gpu/ is TypeScript that imports WGSL with Vite's `?raw`; two loader hooks give Node both.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./raw-hooks.js', import.meta.url); // registered last, so it runs first for `?raw`
const { main } = await import('./cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
