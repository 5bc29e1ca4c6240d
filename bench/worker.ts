// The bench inside a dedicated Web Worker: the same gpu/ code, its own GPUDevice, no DOM.
import { requestBrowserDevice } from '../gpu/core/device.ts';
import type { BenchConfig } from './configs.ts';
import { benchTrainer, type BenchOptions, type BenchResult } from './core.ts';

export interface WorkerRequest {
  configs: BenchConfig[];
  options: BenchOptions;
}

export type WorkerReply = { type: 'progress'; message: string } | { type: 'done'; adapter: string; results: BenchResult[] } | { type: 'error'; error: string };

const post = (r: WorkerReply) => self.postMessage(r);

self.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  try {
    const ctx = await requestBrowserDevice();
    const results: BenchResult[] = [];
    for (const config of e.data.configs) {
      post({ type: 'progress', message: `ours (worker): ${config.name}` });
      results.push(await benchTrainer(ctx, config, e.data.options));
      if (ctx.errors.length) throw new Error(`GPU errors: ${ctx.errors.join('; ')}`);
    }
    ctx.device.destroy();
    post({ type: 'done', adapter: ctx.adapter.name, results });
  } catch (err) {
    post({ type: 'error', error: String((err as Error).message ?? err) });
  }
};
