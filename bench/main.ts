// Runs the bench in Node through Dawn, then in headless Chromium against the built page, and writes
// bench/results/latest.json and latest.md. Timings on SwiftShader (a CPU) say nothing absolute about
// GPUs: compare rows of one run.

import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { requestNodeDevice } from '../gpu/device.node.ts';
import { BENCH_CONFIGS } from './configs.ts';
import { benchTrainer, type BenchResult } from './core.ts';

interface Run {
  runtime: string;
  adapter: string;
  results: BenchResult[];
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function benchNode(): Promise<Run> {
  const ctx = await requestNodeDevice();
  const keepAlive = setInterval(() => {}, 1000);
  try {
    const results: BenchResult[] = [];
    for (const config of BENCH_CONFIGS) results.push(await benchTrainer(ctx, config));
    return { runtime: `Node ${process.version} (${ctx.adapter.backend})`, adapter: ctx.adapter.name, results };
  } finally {
    ctx.device.destroy();
    clearInterval(keepAlive);
  }
}

async function benchChromium(): Promise<Run[]> {
  const { build, preview } = await import('vite');
  const { chromium } = await import('@playwright/test');
  const { findChromium, CHROMIUM_ARGS } = await import('../scripts/find-chromium.js');
  // Its own output folder, so a bench never races a test build over dist/.
  const outDir = 'node_modules/.rnnlab-bench';
  await build({ root: ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const server = await preview({ root: ROOT, build: { outDir }, preview: { port: 0, host: '127.0.0.1' }, logLevel: 'warn' });
  const url = server.resolvedUrls!.local[0];
  const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(new URL('bench.html', url).href);
    await page.waitForFunction(() => window.__bench !== undefined, undefined, { timeout: 600_000 });
    const res = await page.evaluate(() => window.__bench!);
    if ('error' in res) throw new Error(`browser bench failed: ${res.error}`);
    const runtime = `Chromium ${browser.version()} (WebGPU`;
    return [
      { runtime: `${runtime}, page)`, adapter: res.adapter, results: res.page },
      { runtime: `${runtime}, worker)`, adapter: res.adapter, results: res.worker },
    ];
  } finally {
    await browser.close();
    await server.close();
  }
}

function table(runs: Run[]): string {
  const lines = [
    '| runtime | adapter | config | cell | V | H | T | B | ms/step | tokens/s | dispatches/step | GPU MiB | buffers added while training |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const run of runs)
    for (const r of run.results) {
      const c = r.config;
      lines.push(
        `| ${run.runtime} | ${run.adapter} | ${c.name} | ${c.cell} | ${c.V} | ${c.H} | ${c.T} | ${c.B} | ${r.msPerStep.toFixed(1)} | ${Math.round(r.tokensPerS)} | ${r.dispatchesPerStep} | ${(r.gpuBytes / 2 ** 20).toFixed(2)} | ${r.buffersAddedWhileTraining} |`,
      );
    }
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const only = argv.includes('--node') ? 'node' : argv.includes('--chromium') ? 'chromium' : 'both';
  const runs: Run[] = [];
  if (only !== 'chromium') runs.push(await benchNode());
  if (only !== 'node') runs.push(...(await benchChromium()));
  const md = table(runs);
  console.log(md);
  mkdirSync(`${ROOT}/bench/results`, { recursive: true });
  writeFileSync(`${ROOT}/bench/results/latest.json`, JSON.stringify({ date: new Date().toISOString(), runs }, null, 2));
  writeFileSync(`${ROOT}/bench/results/latest.md`, `${md}\n`);
  return 0;
}
