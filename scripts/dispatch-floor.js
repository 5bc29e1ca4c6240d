#!/usr/bin/env node
// Prints the per-dispatch floor of this machine's WebGPU device in Node (Dawn): bench/dispatchFloor.ts.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('../bin/raw-hooks.js', import.meta.url);
const { requestNodeDevice } = await import('../gpu/core/device.node.ts');
const { measureDispatchFloor } = await import('../bench/dispatchFloor.ts');
const ctx = await requestNodeDevice();
const keepAlive = setInterval(() => {}, 1000);
try {
  const f = await measureDispatchFloor(ctx);
  console.log(JSON.stringify({ adapter: ctx.adapter.name, ...Object.fromEntries(Object.entries(f).map(([k, v]) => [`${k}_us`, Number(v.toFixed(2))])) }));
} finally {
  ctx.device.destroy();
  clearInterval(keepAlive);
}
