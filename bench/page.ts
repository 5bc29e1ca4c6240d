// The browser half of `npm run bench`: the same bench in this page's main thread and in a Web Worker.
// Query: ?configs=tiny,small (default: all), ?minMs=3000 (time per config).
import { requestBrowserDevice } from '../gpu/device.ts';
import { BENCH_CONFIGS } from './configs.ts';
import { benchTrainer, type BenchResult } from './core.ts';
import type { WorkerReply } from './worker.ts';

export interface BrowserBench {
  adapter: string;
  page: BenchResult[];
  worker: BenchResult[];
}

declare global {
  interface Window {
    __bench?: BrowserBench | { error: string };
  }
}

const out = document.getElementById('out')!;
const query = new URLSearchParams(location.search);
const configs = query.get('configs')?.split(',') ?? BENCH_CONFIGS.map((c) => c.name);
const minMs = Number(query.get('minMs') ?? 3000);

function inWorker(): Promise<WorkerReply> {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  return new Promise((resolve) => {
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      worker.terminate();
      resolve(e.data);
    };
    worker.onerror = (e) => resolve({ error: `worker failed: ${e.message}` });
    worker.postMessage({ configs, minMs });
  });
}

async function run() {
  try {
    const ctx = await requestBrowserDevice();
    const page: BenchResult[] = [];
    for (const config of BENCH_CONFIGS.filter((c) => configs.includes(c.name))) {
      out.textContent = `running ${config.name} on ${ctx.adapter.name}…`;
      page.push(await benchTrainer(ctx, config, minMs));
    }
    ctx.device.destroy();
    out.textContent = 'running in a worker…';
    const worker = await inWorker();
    if ('error' in worker) throw new Error(worker.error);
    window.__bench = { adapter: ctx.adapter.name, page, worker: worker.results };
    out.textContent = JSON.stringify(window.__bench, null, 2);
  } catch (e) {
    window.__bench = { error: String((e as Error).message ?? e) };
    out.textContent = window.__bench.error;
  }
}

void run();
