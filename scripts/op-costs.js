#!/usr/bin/env node
// The cost of one shader operation on this machine's WebGPU device in Node (Dawn): bench/opCosts.ts.
// node scripts/op-costs.js   (on a machine without a GPU: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('../bin/raw-hooks.js', import.meta.url);
const { requestNodeDevice } = await import('../gpu/core/device.node.ts');
const { measureOpCosts, predictGemm } = await import('../bench/opCosts.ts');
const ctx = await requestNodeDevice();
const keepAlive = setInterval(() => {}, 1000);
try {
  console.log(`adapter: ${ctx.adapter.name}`);
  const costs = await measureOpCosts(ctx);
  console.log('| operation (4 lanes) | CPU ns |\n|---|---|');
  for (const c of costs) console.log(`| ${c.op} | ${c.ns.toFixed(2)} |`);
  const model = predictGemm(costs);
  console.log(
    `gemm.wgsl's inner loop (16 × 16 tile), from these: ${model.nsPerK.toFixed(0)} CPU ns per k per SIMD group, ${(model.loadShare * 100).toFixed(0)}% of it in loads → ${model.gflops.toFixed(2)} GFLOP per CPU-second`,
  );
} finally {
  ctx.device.destroy();
  clearInterval(keepAlive);
}
