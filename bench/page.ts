// The browser half of `npm run bench`, in one page of one Chromium: the GEMM kernel's best rate, this
// trainer in the page's main thread and in a Web Worker, time per step against T, and the TF.js peers,
// each peer × config in its own worker with a time budget (terminated when it overruns).
// Query (all optional):
//   configs=tiny,small-lstm   this trainer's configs (default: all)
//   minMs=3000                timing per config (at least 3 steps, at most 50)
//   parts=page,worker         any of page, worker, gemm, tscale, peers (default: page,worker)
//   pageConfigs=…             configs for the page part (default: configs)
//   peers=webgpu,wasm         TF.js backends; peerConfigs=… (default: configs)
//   budget=60                 seconds per peer × config, setup and warm-up included
//   Ts=32,64,128,256          T-scaling
import { requestBrowserDevice } from '../gpu/core/device.ts';
import { BENCH_CONFIGS, findConfig, tScalingConfigs, type BenchConfig } from './configs.ts';
import { benchTrainer, type BenchOptions, type BenchResult } from './core.ts';
import { gemmPeak, type GemmPeak } from './gemmPeak.ts';
import type { PeerResult } from './peers.ts';
import type { PeerBackend, PeerEvent, PeerRequest } from './peerWorker.ts';
import type { WorkerReply, WorkerRequest } from './worker.ts';

export interface BrowserBench {
  adapter: string;
  page: BenchResult[];
  worker: BenchResult[];
  gemm?: GemmPeak;
  tscale?: BenchResult[];
  peers?: PeerResult[];
  /** Per backend, what TF.js reported about itself (threads, SIMD, adapter). */
  peerInfo?: Record<string, string>;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
}

declare global {
  interface Window {
    __bench?: BrowserBench | { error: string };
  }
}

const out = document.getElementById('out')!;
const query = new URLSearchParams(location.search);
const list = (key: string, fallback: string[]) => query.get(key)?.split(',').filter(Boolean) ?? fallback;
const configs = list(
  'configs',
  BENCH_CONFIGS.map((c) => c.name),
).map(findConfig);
const pageConfigs = list(
  'pageConfigs',
  configs.map((c) => c.name),
).map(findConfig);
const peerConfigs = list(
  'peerConfigs',
  configs.map((c) => c.name),
).map(findConfig);
const parts = new Set(list('parts', ['page', 'worker']));
const peers = list('peers', ['webgpu', 'wasm']) as PeerBackend[];
const minMs = Number(query.get('minMs') ?? 3000);
const budgetMs = Number(query.get('budget') ?? 60) * 1000;
const Ts = list('Ts', ['32', '64', '128', '256']).map(Number);
const options: BenchOptions = { minMs, longMs: 10_000 };

function log(message: string): void {
  out.textContent = message;
  console.log(`[bench] ${message}`);
}

function inWorker(configs: BenchConfig[]): Promise<{ adapter: string; results: BenchResult[] }> {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      const r = e.data;
      if (r.type === 'progress') return log(r.message);
      worker.terminate();
      if (r.type === 'error') reject(new Error(`worker: ${r.error}`));
      else resolve(r);
    };
    worker.onerror = (e) => reject(new Error(`worker failed: ${e.message}`));
    worker.postMessage({ configs, options } satisfies WorkerRequest);
  });
}

const MIN_STEPS = 3;
/** A step this long (or a warm-up step this long, for ours) is measured once. */
const LONG_MS = 10_000;

/** One peer × config in a fresh worker; terminated when it outlives its budget. */
function runPeer(backend: PeerBackend, config: BenchConfig, info: Record<string, string>): Promise<PeerResult> {
  const peer = `tfjs-${backend}`;
  const worker = new Worker(new URL('./peerWorker.ts', import.meta.url), { type: 'module' });
  const start = performance.now();
  let phase = 'setup';
  let phaseStart = start;
  let warmupMs: number | undefined;
  const stepMs: number[] = [];
  return new Promise((resolve) => {
    const finish = (r: Omit<PeerResult, 'peer' | 'config'>) => {
      clearTimeout(timer);
      worker.terminate();
      resolve({ peer, config, ...r });
    };
    const timer = setTimeout(() => {
      const running = performance.now() - phaseStart;
      const budget = `${(budgetMs / 1000).toFixed(0)} s budget`;
      const warm = warmupMs !== undefined ? ` (warm-up step ${(warmupMs / 1000).toFixed(1)} s)` : '';
      if (stepMs.length)
        finish({
          status: 'partial',
          msPerStep: stepMs.reduce((a, b) => a + b, 0) / stepMs.length,
          steps: stepMs.length,
          warmupMs,
          note: `stopped by the ${budget} after ${stepMs.length} step(s)`,
        });
      else if (phase === 'step')
        finish({ status: 'too-slow', boundMs: running, boundPhase: 'step', warmupMs, note: `no timed step finished in the ${budget}${warm}` });
      else
        finish({
          status: 'too-slow',
          boundMs: running,
          boundPhase: phase === 'warm-up step' ? 'warm-up' : 'setup',
          note: `the ${phase} did not finish in the ${budget}`,
        });
    }, budgetMs);
    worker.onmessage = (e: MessageEvent<PeerEvent>) => {
      const ev = e.data;
      const now = performance.now();
      switch (ev.type) {
        case 'ready':
          info[backend] = ev.backendInfo;
          [phase, phaseStart] = ['model build', now];
          break;
        case 'built':
          [phase, phaseStart] = ['warm-up step', now];
          break;
        case 'warm':
          warmupMs = ev.ms;
          [phase, phaseStart] = ['step', now];
          break;
        case 'step':
          stepMs.push(ev.ms);
          phaseStart = now;
          break;
        case 'done':
          finish({
            status: ev.cut ? 'partial' : 'ok',
            msPerStep: ev.msPerStep,
            steps: ev.steps,
            warmupMs: ev.warmupMs,
            firstLoss: ev.firstLoss,
            lastLoss: ev.lastLoss,
            tensorsAdded: ev.tensorsAdded,
            note: ev.cut ? `${ev.steps} step(s) in the budget` : undefined,
          });
          break;
        case 'error':
          finish({ status: 'error', note: ev.error });
          break;
      }
    };
    worker.onerror = (e) => finish({ status: 'error', note: `worker failed: ${e.message}` });
    worker.postMessage({
      backend,
      config,
      minMs,
      minSteps: MIN_STEPS,
      maxSteps: 50,
      softLimitMs: budgetMs * 0.7,
      longMs: LONG_MS,
    } satisfies PeerRequest);
  });
}

async function runPeers(info: Record<string, string>): Promise<PeerResult[]> {
  const results: PeerResult[] = [];
  const sizes = ['tiny', 'small', 'large'];
  const ordered = [...peerConfigs].sort((a, b) => sizes.indexOf(a.size) - sizes.indexOf(b.size));
  for (const config of ordered)
    for (const backend of peers) {
      const peer = `tfjs-${backend}`;
      // A peer too slow for a smaller size of this cell is not tried on a larger one.
      const smaller = results.find(
        (r) =>
          r.peer === peer &&
          r.config.cell === config.cell &&
          sizes.indexOf(r.config.size) < sizes.indexOf(config.size) &&
          (r.status === 'too-slow' || r.status === 'skipped'),
      );
      if (smaller) {
        results.push({ peer, config, status: 'skipped', note: `not run: too slow at ${smaller.config.name}` });
        continue;
      }
      // Nor when a smaller size's time says one step would take over half the budget. The estimate is
      // a lower bound: its time × the ratio of T (T sequential steps, each with no less work). FLOPs
      // would predict more, but a peer on a CPU adapter is bound by dispatches, not arithmetic.
      const measured = results.filter(
        (r) => r.peer === peer && r.config.cell === config.cell && r.msPerStep !== undefined && sizes.indexOf(r.config.size) < sizes.indexOf(config.size),
      );
      const base = measured[measured.length - 1];
      if (base) {
        const estimateMs = (base.msPerStep! * config.T) / base.config.T;
        if (estimateMs > budgetMs / 2) {
          const note = `not run: ≥ ${(estimateMs / 1000).toFixed(1)} s/step (${base.config.name}'s time × T ratio), over half the ${budgetMs / 1000} s budget`;
          log(`${peer}: ${config.name}: ${note}`);
          results.push({ peer, config, status: 'skipped', estimateMs, note });
          continue;
        }
      }
      log(`${peer}: ${config.name} (budget ${budgetMs / 1000} s)`);
      const r = await runPeer(backend, config, info);
      const ms = r.msPerStep !== undefined ? `${r.msPerStep.toFixed(1)} ms/step` : r.boundMs !== undefined ? `> ${(r.boundMs / 1000).toFixed(1)} s/step` : '';
      log(`${peer}: ${config.name}: ${r.status} ${ms} ${r.note ?? ''}`);
      results.push(r);
      // A terminated webgpu worker's queued work may still run on a CPU adapter: let it drain.
      if (r.status === 'too-slow' || r.status === 'partial') await new Promise((res) => setTimeout(res, 3000));
    }
  return results;
}

async function run() {
  try {
    const bench: BrowserBench = {
      adapter: '',
      page: [],
      worker: [],
      crossOriginIsolated: self.crossOriginIsolated,
      hardwareConcurrency: navigator.hardwareConcurrency,
    };
    const ctx = await requestBrowserDevice();
    bench.adapter = ctx.adapter.name;
    if (parts.has('gemm')) {
      log(`GEMM peak on ${ctx.adapter.name}…`);
      bench.gemm = await gemmPeak(ctx);
      const b = bench.gemm.best;
      log(`GEMM peak: ${b.gflops.toFixed(1)} GFLOP/s (n = ${b.n}, ${b.variant})`);
    }
    if (parts.has('page'))
      for (const config of pageConfigs) {
        log(`ours (page): ${config.name} on ${ctx.adapter.name}`);
        bench.page.push(await benchTrainer(ctx, config, options));
        if (ctx.errors.length) throw new Error(`GPU errors: ${ctx.errors.join('; ')}`);
      }
    ctx.device.destroy();
    if (parts.has('worker')) bench.worker = (await inWorker(configs)).results;
    if (parts.has('tscale')) {
      log(`T-scaling: T = ${Ts.join(', ')}`);
      bench.tscale = (await inWorker(tScalingConfigs(Ts))).results;
    }
    if (parts.has('peers')) {
      bench.peerInfo = {};
      bench.peers = await runPeers(bench.peerInfo);
    }
    window.__bench = bench;
    out.textContent = JSON.stringify(bench, null, 2);
  } catch (e) {
    window.__bench = { error: String((e as Error).message ?? e) };
    log(window.__bench.error);
  }
}

void run();
