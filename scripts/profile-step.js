#!/usr/bin/env node
// Per-phase profile of a training step in Node (Dawn): see bench/profileStep.ts.
// node scripts/profile-step.js [small-lstm …] [--rounds=5] [--gemm=512] [--detail] [--tune=sequence:0;sequence:1]
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('../bin/raw-hooks.js', import.meta.url);
const { requestNodeDevice } = await import('../gpu/core/device.node.ts');
const { main } = await import('../bench/profileStep.ts');
const ctx = await requestNodeDevice();
const keepAlive = setInterval(() => {}, 1000);
try {
  await main(ctx, process.argv.slice(2));
} finally {
  ctx.device.destroy();
  clearInterval(keepAlive);
}
