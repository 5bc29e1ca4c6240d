#!/usr/bin/env node
// Tree training speed: level-batched vs one dispatch per node (bench/treeBench.ts).
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('../bin/raw-hooks.js', import.meta.url);
const { main } = await import('../bench/treeBench.ts');
process.exitCode = await main(process.argv.slice(2));
