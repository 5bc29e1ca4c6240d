// `npm run bench [-- flags]`: this trainer in Node (Dawn) and, in one headless Chromium with WebGPU, in
// a page and in a Web Worker, against TensorFlow.js 4.22's tf.layers on its webgpu and wasm backends;
// the GEMM kernel's best rate; time per step against T. Writes bench/results/latest.{json,md}.
// Timings on SwiftShader (a CPU) say nothing absolute about GPUs: compare rows of one run.

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BENCH_CONFIGS, T_SCALING, findConfig, type BenchConfig } from './configs.ts';
import type { BenchResult } from './core.ts';
import type { GemmPeak } from './gemmPeak.ts';
import type { BrowserBench } from './page.ts';
import { markdown, type BenchReport, type Run } from './report.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const HELP = `npm run bench -- [flags]
  (no flag)        everything: Node, then Chromium (GEMM peak, page, worker, T-scaling, TF.js peers)
  --node           this trainer in Node (Dawn) only
  --chromium       the Chromium half only
  --peers          the comparison only: GEMM peak, this trainer in a worker, the TF.js peers
  --quick          tiny configs, short timings, 15 s peer budgets, T-scaling with short timings (~2 min)
  --parts=a,b      Chromium parts: page, worker, gemm, tscale, peers (and node for Node)
  --configs=a,b    configs by name (${BENCH_CONFIGS.map((c) => c.name).join(', ')})
  --sizes=a,b      tiny, small, large     --cells=a,b   rnn, gru, lstm
  --backends=a,b   TF.js backends: webgpu, wasm
  --budget=S       seconds per peer × config, setup and warm-up included (default 60)
  --min-ms=MS      timing per config (default 3000; at least 3 steps, at most 50)
  --kernels=K[+K]  Node's step kernels: auto (default: tuned on a GPU, the CPU-shaped ones on a CPU
                   adapter), tune (measured on any adapter), blocked, tiled, or names
                   (tiled-b16-u16-m4-k1, forward=sequence-r2,backward=blocked); several with +: A/B
                   in one sitting, alternated config by config, with the ratio to the first
  --torch          also time the Node configs in PyTorch on this machine (scripts/torch_bench.py:
                   cuDNN, float32 with TF32 off and on), beside ours with the ratio
  --snapshot       also write bench/results/<date>-<adapter>.md (a snapshot to commit)
  --no-write       print only`;

interface Flags {
  parts: Set<string>;
  configs: BenchConfig[];
  /** Configs for the page and Node parts (large ones are slow on a CPU adapter: worker only by default). */
  pageConfigs: BenchConfig[];
  nodeConfigs: BenchConfig[];
  backends: string[];
  budgetS: number;
  minMs: number;
  Ts: number[];
  tMinMs: number;
  write: boolean;
  snapshot: boolean;
  /** Node's step kernels, one run of every config per entry (bench/core.ts's `kernels`). */
  kernels: string[];
  torch: boolean;
}

function value(argv: string[], name: string): string | undefined {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a?.slice(name.length + 3);
}

export function parseFlags(argv: string[]): Flags {
  const known = [
    'node',
    'chromium',
    'peers',
    'quick',
    'parts',
    'configs',
    'sizes',
    'cells',
    'backends',
    'budget',
    'min-ms',
    'no-write',
    'snapshot',
    'help',
    'kernels',
    'torch',
  ];
  for (const a of argv) {
    const name = a.replace(/^--/, '').split('=')[0];
    if (!a.startsWith('--') || !known.includes(name)) throw new Error(`unknown argument "${a}"\n${HELP}`);
  }
  const has = (f: string) => argv.includes(`--${f}`);
  const quick = has('quick');
  const csv = (name: string) => value(argv, name)?.split(',').filter(Boolean);
  let parts = new Set(['node', 'gemm', 'page', 'worker', 'tscale', 'peers']);
  if (has('node')) parts = new Set(['node']);
  if (has('chromium')) parts = new Set(['gemm', 'page', 'worker', 'tscale', 'peers']);
  if (has('peers')) parts = new Set(['gemm', 'worker', 'peers']);
  if (csv('parts')) parts = new Set(csv('parts'));
  for (const p of parts) if (!['node', 'gemm', 'page', 'worker', 'tscale', 'peers'].includes(p)) throw new Error(`--parts: unknown part "${p}"`);

  let configs = csv('configs')?.map(findConfig) ?? BENCH_CONFIGS;
  const sizes = csv('sizes') ?? (quick && !csv('configs') ? ['tiny'] : undefined);
  const cells = csv('cells');
  if (sizes) configs = configs.filter((c) => sizes.includes(c.size));
  if (cells) configs = configs.filter((c) => cells.includes(c.cell));
  if (!configs.length) throw new Error('no config left after --configs/--sizes/--cells');
  // Large configs take seconds per step on a CPU adapter: by default they run in the worker only
  // (the comparison's baseline), unless named explicitly.
  const explicit = !!(csv('configs') || csv('sizes'));
  const notLarge = configs.filter((c) => explicit || c.size !== 'large');
  return {
    parts,
    configs,
    pageConfigs: notLarge,
    nodeConfigs: notLarge,
    backends: csv('backends') ?? ['webgpu', 'wasm'],
    budgetS: Number(value(argv, 'budget') ?? (quick ? 15 : 60)),
    minMs: Number(value(argv, 'min-ms') ?? (quick ? 1000 : 3000)),
    Ts: T_SCALING.Ts,
    tMinMs: quick ? 500 : 2000,
    write: !has('no-write'),
    snapshot: has('snapshot'),
    kernels: (value(argv, 'kernels') ?? 'auto').split('+').filter(Boolean),
    torch: has('torch'),
  };
}

/** The 1-minute load average, sampled every 5 s while the bench runs. */
class LoadSampler {
  private samples: number[] = [loadavg()[0]];
  private timer = setInterval(() => this.samples.push(loadavg()[0]), 5000);
  stop() {
    clearInterval(this.timer);
    this.samples.push(loadavg()[0]);
    const s = this.samples;
    return { start: s[0], end: s[s.length - 1], min: Math.min(...s), max: Math.max(...s), mean: s.reduce((a, b) => a + b, 0) / s.length };
  }
}

const t0 = performance.now();
const note = (m: string) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);

async function benchNode(f: Flags): Promise<{ run: Run; gemm: GemmPeak }> {
  const { withNodeDevice } = await import('../gpu/core/device.node.ts');
  const { benchTrainer } = await import('./core.ts');
  const { gemmPeak } = await import('./gemmPeak.ts');
  return withNodeDevice(async (ctx) => {
    note(`Node: GEMM peak on ${ctx.adapter.name}`);
    const gemm = await gemmPeak(ctx);
    const results: BenchResult[] = [];
    // With several kernel choices, each config runs with each in turn: the A/B pairs share the machine's state.
    for (const config of f.nodeConfigs)
      for (const kernels of f.kernels) {
        note(`Node: ours ${config.name}${f.kernels.length > 1 || kernels !== 'auto' ? ` (${kernels})` : ''}`);
        results.push(await benchTrainer(ctx, config, { minMs: f.minMs, kernels }));
        if (ctx.errors.length) throw new Error(`GPU errors: ${ctx.errors.join('; ')}`);
      }
    return { run: { runtime: `Node ${process.version} (${ctx.adapter.backend})`, where: 'node', adapter: ctx.adapter.name, results }, gemm };
  });
}

async function benchChromium(f: Flags): Promise<{ bench: BrowserBench; version: string }> {
  const { build, preview } = await import('vite');
  const { chromium } = await import('@playwright/test');
  const { findChromium, CHROMIUM_ARGS } = await import('../scripts/find-chromium.js');
  // Its own output folder and a config of its own (only bench.html, no app plugins), so a bench never
  // races a test build over dist/. Cross-origin isolation lets TF.js's wasm backend use threads; its
  // threads run the Emscripten factory's source text (Function.toString) in a blob worker, which
  // minification breaks (renamed outer variables), hence minify: false.
  const outDir = 'node_modules/.rnnlab-bench';
  const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
  const common = { root: ROOT, configFile: false as const, base: './', logLevel: 'warn' as const };
  note('Chromium: building bench.html');
  await build({
    ...common,
    build: { outDir, emptyOutDir: true, target: 'es2022', minify: false, rollupOptions: { input: { bench: `${ROOT}/bench.html` } } },
    worker: { format: 'es' },
  });
  const server = await preview({ ...common, build: { outDir }, preview: { port: 0, host: '127.0.0.1', headers } });
  const url = server.resolvedUrls!.local[0];
  const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    // Progress lines; errors (but the missing favicon's 404); everything with BENCH_DEBUG=1.
    const debug = !!process.env.BENCH_DEBUG;
    page.on('console', (m) => {
      const text = m.text();
      if (text.startsWith('[bench] ')) note(`Chromium: ${text.slice(8)}`);
      else if (debug || (m.type() === 'error' && !text.includes('404'))) note(`Chromium console ${m.type()}: ${text}`);
    });
    page.on('worker', (w) => w.on('console', (m) => debug && note(`Chromium worker console ${m.type()}: ${m.text()}`)));
    page.on('pageerror', (e) => note(`Chromium page error: ${e.message}`));
    page.on('response', (r) => debug && r.status() >= 400 && note(`Chromium: ${r.status()} ${r.url()}`));
    const parts = [...f.parts].filter((p) => p !== 'node');
    const q = new URLSearchParams({
      parts: parts.join(','),
      configs: f.configs.map((c) => c.name).join(','),
      pageConfigs: f.pageConfigs.map((c) => c.name).join(','),
      peerConfigs: f.configs.map((c) => c.name).join(','),
      peers: f.backends.join(','),
      budget: String(f.budgetS),
      minMs: String(f.minMs),
      Ts: f.Ts.join(','),
    });
    await page.goto(new URL(`bench.html?${q}`, url).href);
    await page.waitForFunction(() => window.__bench !== undefined, undefined, { timeout: 0, polling: 1000 });
    const res = await page.evaluate(() => window.__bench!);
    if ('error' in res) throw new Error(`browser bench failed: ${res.error}`);
    return { bench: res, version: browser.version() };
  } finally {
    await browser.close();
    await server.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(HELP);
    return 0;
  }
  let f: Flags;
  try {
    f = parseFlags(argv);
  } catch (e) {
    console.error(`bench: ${(e as Error).message}`);
    return 2;
  }
  const load = new LoadSampler();
  const report: BenchReport = {
    date: new Date().toISOString(),
    host: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', node: process.version },
    args: argv,
    runs: [],
  };
  try {
    if (f.parts.has('node')) {
      const { run, gemm } = await benchNode(f);
      report.runs.push(run);
      report.gemm = { ...report.gemm, node: gemm };
    }
    if (f.torch) {
      const { torchBench } = await import('./torchBench.ts');
      note(`PyTorch: ${f.nodeConfigs.map((c) => c.name).join(', ')}`);
      report.torch = torchBench(
        f.nodeConfigs.map((c) => c.name),
        { minMs: f.minMs },
      );
    }
    const chromiumParts = [...f.parts].filter((p) => p !== 'node');
    if (chromiumParts.length) {
      const { bench, version } = await benchChromium(f);
      const runtime = `Chromium ${version} (WebGPU`;
      if (bench.page.length) report.runs.push({ runtime: `${runtime}, page)`, where: 'page', adapter: bench.adapter, results: bench.page });
      if (bench.worker.length) report.runs.push({ runtime: `${runtime}, worker)`, where: 'worker', adapter: bench.adapter, results: bench.worker });
      if (bench.gemm) report.gemm = { ...report.gemm, chromium: bench.gemm };
      if (bench.tscale) report.tscale = { runtime: `${runtime}, worker)`, results: bench.tscale, spec: T_SCALING };
      report.peers = bench.peers;
      report.peerInfo = bench.peerInfo;
      report.browser = { version, adapter: bench.adapter, crossOriginIsolated: bench.crossOriginIsolated, hardwareConcurrency: bench.hardwareConcurrency };
    }
  } finally {
    report.load = load.stop();
    report.seconds = (performance.now() - t0) / 1000;
  }
  const md = markdown(report);
  console.log(md);
  if (f.write) {
    mkdirSync(`${ROOT}/bench/results`, { recursive: true });
    writeFileSync(`${ROOT}/bench/results/latest.json`, JSON.stringify(report, null, 2));
    writeFileSync(`${ROOT}/bench/results/latest.md`, `${md}\n`);
    note('wrote bench/results/latest.json and latest.md');
    if (f.snapshot) {
      const adapter = report.browser?.adapter ?? report.runs[0]?.adapter ?? 'unknown';
      const slug = /swiftshader/i.test(adapter)
        ? 'swiftshader'
        : adapter
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, '-')
            .replace(/^-|-$/g, '')
            .slice(0, 40);
      const file = `bench/results/${report.date.slice(0, 10)}-${slug}.md`;
      writeFileSync(`${ROOT}/${file}`, `${md}\n`);
      note(`wrote ${file}`);
    }
  }
  // The allocation check: a training step must create no GPU buffer.
  const leaks = report.runs.flatMap((r) => r.results.filter((x) => x.buffersAddedWhileTraining !== 0).map((x) => `${r.runtime} ${x.config.name}`));
  if (leaks.length) {
    console.error(`FAIL: buffers were created during training steps: ${leaks.join(', ')}`);
    return 1;
  }
  return 0;
}
