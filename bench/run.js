#!/usr/bin/env node
// `npm run bench`: the trainer's speed in Node (Dawn) and in headless Chromium (WebGPU).
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('../bin/raw-hooks.js', import.meta.url);
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
