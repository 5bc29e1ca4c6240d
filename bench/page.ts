// The browser half of `npm run bench`: runs the same bench in this page and publishes the results.
import { requestBrowserDevice } from '../gpu/device.ts';
import { BENCH_CONFIGS } from './configs.ts';
import { benchTrainer, type BenchResult } from './core.ts';

declare global {
  interface Window {
    __bench?: { adapter: string; results: BenchResult[] } | { error: string };
  }
}

const out = document.getElementById('out')!;

async function run() {
  try {
    const ctx = await requestBrowserDevice();
    const results: BenchResult[] = [];
    for (const config of BENCH_CONFIGS) {
      out.textContent = `running ${config.name} on ${ctx.adapter.name}…`;
      results.push(await benchTrainer(ctx, config));
    }
    window.__bench = { adapter: ctx.adapter.name, results };
    out.textContent = JSON.stringify(window.__bench, null, 2);
  } catch (e) {
    window.__bench = { error: String((e as Error).message ?? e) };
    out.textContent = window.__bench.error;
  }
}

void run();
