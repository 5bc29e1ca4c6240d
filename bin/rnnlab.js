#!/usr/bin/env node
// The rnnlab CLI: the same gpu/ code as the page, in Node through Dawn (bin/cli/main.ts).
import { runMain } from './run-ts.js';

await runMain(new URL('./cli/main.ts', import.meta.url).href, process.argv.slice(2));
