// The bench inside a dedicated Web Worker: the same gpu/ code, its own GPUDevice, no DOM.
import { requestBrowserDevice } from '../gpu/device.ts';
import { BENCH_CONFIGS } from './configs.ts';
import { benchTrainer, type BenchResult } from './core.ts';

export type WorkerReply = { adapter: string; results: BenchResult[] } | { error: string };

self.onmessage = async (e: MessageEvent<{ configs: string[]; minMs: number }>) => {
  let reply: WorkerReply;
  try {
    const ctx = await requestBrowserDevice();
    const results: BenchResult[] = [];
    for (const config of BENCH_CONFIGS.filter((c) => e.data.configs.includes(c.name))) results.push(await benchTrainer(ctx, config, e.data.minMs));
    reply = { adapter: ctx.adapter.name, results };
    ctx.device.destroy();
  } catch (err) {
    reply = { error: String((err as Error).message ?? err) };
  }
  self.postMessage(reply);
};
