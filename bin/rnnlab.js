#!/usr/bin/env node
// The rnnlab CLI: the same gpu/ code as the page, in Node through Dawn (bin/cli/main.ts). Dawn's
// messages about the machine's drivers stay out of the terminal unless --verbose asks for them.
import { runMain } from './run-ts.js';

const argv = process.argv.slice(2);
await runMain(new URL('./cli/main.ts', import.meta.url).href, argv, { quietDawn: !argv.includes('--verbose') });
