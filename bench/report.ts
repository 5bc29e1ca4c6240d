// The bench's Markdown: the comparison with the TF.js peers, every run of this trainer, time per step
// against T with its least-squares line. Pure functions of the JSON report.
import { GATES } from '../gpu/recurrent/config.ts';
import type { BenchConfig } from './configs.ts';
import type { BenchResult } from './core.ts';
import type { GemmPeak } from './gemmPeak.ts';
import type { PeerResult } from './peers.ts';
import { linearFit } from './stats.ts';
import type { TorchResult } from './torchBench.ts';

export interface Run {
  runtime: string;
  where: 'node' | 'page' | 'worker';
  adapter: string;
  results: BenchResult[];
}

export interface BenchReport {
  date: string;
  host: { cpus: number; cpuModel: string; node: string };
  args: string[];
  runs: Run[];
  gemm?: { node?: GemmPeak; chromium?: GemmPeak };
  tscale?: { runtime: string; results: BenchResult[]; spec: { cell: string; V: number; H: number; B: number } };
  peers?: PeerResult[];
  peerInfo?: Record<string, string>;
  browser?: { version: string; adapter: string; crossOriginIsolated: boolean; hardwareConcurrency: number };
  /** 1-minute load average sampled during the run. */
  load?: { start: number; end: number; min: number; max: number; mean: number };
  seconds?: number;
  /** scripts/torch_bench.py's lines, same machine, same sitting (--torch). */
  torch?: TorchResult[];
}

const f1 = (x: number) => x.toFixed(1);
const gf = (x: number) => (x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(2));
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const ratio = (x: number) => (x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(2));
const mib = (b: number) => (b / 2 ** 20).toFixed(2);
const shape = (c: BenchConfig) => `${c.V} | ${c.H} | ${c.T} | ${c.B}`;

/** A peer's cell: its ms/step, or why there is none. */
export function peerCell(p: PeerResult | undefined): string {
  if (!p) return '—';
  switch (p.status) {
    case 'ok':
      return ms(p.msPerStep!);
    case 'partial':
      return `${ms(p.msPerStep!)} (${p.steps} step${p.steps === 1 ? '' : 's'})`;
    case 'too-slow':
      if (p.boundPhase === 'warm-up') return `too slow: warm-up step > ${f1(p.boundMs! / 1000)} s`;
      if (p.boundPhase === 'setup') return `too slow: setup > ${f1(p.boundMs! / 1000)} s`;
      return `too slow: > ${f1(p.boundMs! / 1000)} s/step`;
    case 'skipped':
      return p.estimateMs !== undefined ? `too slow: ≥ ${f1(p.estimateMs / 1000)} s/step (estimated, not run)` : (p.note ?? 'not run');
    case 'error':
      return `error: ${(p.note ?? '').slice(0, 80).replace(/\|/g, '/')}`;
  }
}

/** Peer time ÷ ours: above 1, this trainer is faster. */
export function peerRatio(p: PeerResult | undefined, oursMs: number | undefined): string {
  if (!p || oursMs === undefined) return '—';
  if (p.msPerStep !== undefined) return `${ratio(p.msPerStep / oursMs)}×`;
  if (p.status === 'too-slow') return p.boundPhase === 'step' || p.boundPhase === undefined ? `> ${ratio(p.boundMs! / oursMs)}×` : '—';
  if (p.estimateMs !== undefined) return `≥ ${ratio(p.estimateMs / oursMs)}×`;
  return '—';
}

function gemmLine(name: string, g: GemmPeak | undefined): string | null {
  if (!g) return null;
  const sizes = [...new Set(g.all.map((r) => r.n))].join(', ');
  return `${name}: **${gf(g.best.gflops)} GFLOP/s** (n = ${g.best.n}, ${g.best.variant}; sizes tried ${sizes})`;
}

export function comparisonTable(report: BenchReport): string {
  const ours = report.runs.find((r) => r.where === 'worker') ?? report.runs.find((r) => r.where === 'page') ?? report.runs[0];
  const peak = (ours?.where === 'node' ? report.gemm?.node : report.gemm?.chromium)?.best.gflops;
  const peers = [...new Set((report.peers ?? []).map((p) => p.peer))];
  const configs: BenchConfig[] = [];
  for (const c of [...(ours?.results.map((r) => r.config) ?? []), ...(report.peers ?? []).map((p) => p.config)])
    if (!configs.some((x) => x.name === c.name)) configs.push(c);
  const head = [
    'config',
    'cell',
    'V',
    'H',
    'T',
    'B',
    `ours ms/step`,
    'ours GFLOP/s',
    '% of GEMM peak',
    ...peers.flatMap((p) => [`${p} ms/step`, `${p} ÷ ours`]),
    'GPU MiB',
    'buffers added while training',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const c of configs) {
    const r = ours?.results.find((x) => x.config.name === c.name);
    const cells = [
      c.name,
      c.cell,
      shape(c),
      r ? ms(r.msPerStep) : '—',
      r ? gf(r.gflops) : '—',
      r && peak ? `${f1((100 * r.gflops) / peak)}%` : '—',
      ...peers.flatMap((name) => {
        const p = report.peers!.find((x) => x.peer === name && x.config.name === c.name);
        return [peerCell(p), peerRatio(p, r?.msPerStep)];
      }),
      r ? mib(r.gpuBytes) : '—',
      r ? String(r.buffersAddedWhileTraining) : '—',
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

export function runsTable(report: BenchReport): string {
  const lines = [
    '| runtime | config | cell | V | H | T | B | step kernels | ms/step | steps | tokens/s | GFLOP/s | % of GEMM peak | dispatches/step | GPU MiB | buffers added while training | loss first → last |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const run of report.runs) {
    const peak = (run.where === 'node' ? report.gemm?.node : report.gemm?.chromium)?.best.gflops;
    for (const r of run.results) {
      const c = r.config;
      lines.push(
        `| ${run.runtime} | ${c.name} | ${c.cell} | ${shape(c)} | ${kernelCell(r)} | ${ms(r.msPerStep)} | ${r.steps} | ${Math.round(r.tokensPerS)} | ${gf(r.gflops)} | ${peak ? `${f1((100 * r.gflops) / peak)}%` : '—'} | ${r.dispatchesPerStep} | ${mib(r.gpuBytes)} | ${r.buffersAddedWhileTraining} | ${r.firstLoss?.toFixed(3)} → ${r.lastLoss?.toFixed(3)} |`,
      );
    }
  }
  return lines.join('\n');
}

/** A run's step kernels and how they were chosen ('—' for runs from before they were recorded). */
const kernelCell = (r: BenchResult) => (r.kernels ? `${r.kernels.replace(/^forward=|backward=/g, '').replace(',', ' / ')} (${r.kernelSource})` : '—');

/** Runs of one config with different step kernels in one sitting (--kernels=a+b): each against the first. */
export function kernelsAbSection(report: BenchReport): string | null {
  const node = report.runs.find((r) => r.where === 'node');
  const names = [...new Set(node?.results.map((r) => r.config.name))];
  const groups = names.map((n) => node!.results.filter((r) => r.config.name === n)).filter((g) => g.length > 1);
  if (!groups.length) return null;
  const lines = ['| config | step kernels | ms/step | ÷ first | loss first → last |', '|---|---|---|---|---|'];
  for (const g of groups)
    for (const r of g)
      lines.push(
        `| ${r.config.name} | ${kernelCell(r)} | ${ms(r.msPerStep)} | ${ratio(r.msPerStep / g[0].msPerStep)}× | ${r.firstLoss?.toFixed(3)} → ${r.lastLoss?.toFixed(3)} |`,
      );
  return lines.join('\n');
}

/** Ours (the Node run, its first kernels per config) against PyTorch on the same machine: ms/step and PyTorch ÷ ours (above 1: ours is faster). */
export function torchSection(report: BenchReport): string | null {
  const node = report.runs.find((r) => r.where === 'node');
  if (!report.torch?.length || !node) return null;
  const peak = report.gemm?.node?.best.gflops;
  const device = report.torch[0].device;
  const tf32 = report.torch.some((t) => t.tf32);
  const head = [
    'config',
    'step kernels',
    'ours ms/step',
    'ours GFLOP/s',
    '% of GEMM peak',
    'PyTorch fp32 ms/step',
    'PyTorch ÷ ours',
    ...(tf32 ? ['PyTorch TF32 ms/step', 'TF32 ÷ ours'] : []),
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const name of [...new Set(node.results.map((r) => r.config.name))]) {
    const r = node.results.find((x) => x.config.name === name)!;
    const t = (on: boolean) => report.torch!.find((x) => x.config === name && x.tf32 === on);
    const vs = (x: TorchResult | undefined) => (x ? [ms(x.ms_per_step), `${ratio(x.ms_per_step / r.msPerStep)}×`] : ['—', '—']);
    const cells = [
      name,
      kernelCell(r),
      ms(r.msPerStep),
      gf(r.gflops),
      peak ? `${f1((100 * r.gflops) / peak)}%` : '—',
      ...vs(t(false)),
      ...(tf32 ? vs(t(true)) : []),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push(
    '',
    `PyTorch: scripts/torch_bench.py on ${device} (nn.RNN/GRU/LSTM + Linear + Adam, one-hot inputs${device.startsWith('cuda') ? ', cuDNN' : ''}), in the same sitting as the Node run.`,
  );
  return lines.join('\n');
}

export function tScalingSection(report: BenchReport): string | null {
  const t = report.tscale;
  if (!t || t.results.length < 2) return null;
  const { cell, V, H, B } = t.spec;
  const Ts = t.results.map((r) => r.config.T);
  const time = linearFit(
    Ts,
    t.results.map((r) => r.msPerStep),
  );
  const bytes = linearFit(
    Ts,
    t.results.map((r) => r.gpuBytes),
  );
  const units = B * GATES[cell as keyof typeof GATES] * H;
  const lines = [
    `${t.runtime}, ${cell} V=${V} H=${H} B=${B}:`,
    '',
    '| T | ms/step | fit | ms per step of T | GPU MiB | buffers added while training |',
    '|---|---|---|---|---|---|',
    ...t.results.map((r) => {
      const T = r.config.T;
      return `| ${T} | ${ms(r.msPerStep)} | ${ms(time.a + time.b * T)} | ${(r.msPerStep / T).toFixed(3)} | ${mib(r.gpuBytes)} | ${r.buffersAddedWhileTraining} |`;
    }),
    '',
    `Least squares: **ms/step = ${ms(time.a)} + ${time.b.toFixed(3)}·T, R² = ${time.r2.toFixed(4)}**. ` +
      `GPU bytes = ${mib(bytes.a)} MiB + ${(bytes.b / 1024).toFixed(1)} KiB·T (R² = ${bytes.r2.toFixed(4)}): ` +
      `${(bytes.b / units).toFixed(1)} bytes per time step per (sequence × gate unit), B·G·H = ${units}.`,
  ];
  return lines.join('\n');
}

export function markdown(report: BenchReport): string {
  const load = report.load;
  const b = report.browser;
  const out: string[] = [`## rnnlab bench, ${report.date.slice(0, 16).replace('T', ' ')} UTC`, ''];
  out.push(
    [
      b ? `Chromium ${b.version}, adapter ${b.adapter}.` : '',
      report.runs.some((r) => r.where === 'node') ? `Node ${report.host.node} (Dawn), adapter ${report.runs.find((r) => r.where === 'node')!.adapter}.` : '',
      `${report.host.cpus} CPUs (${report.host.cpuModel.trim()}).`,
      load ? `Load average (1 min) during the run: mean ${load.mean.toFixed(2)}, ${load.min.toFixed(2)}–${load.max.toFixed(2)}.` : '',
      report.seconds ? `Took ${Math.round(report.seconds)} s (\`npm run bench${report.args.length ? ` -- ${report.args.join(' ')}` : ''}\`).` : '',
    ]
      .filter(Boolean)
      .join(' '),
  );
  const gemm = [gemmLine('Chromium', report.gemm?.chromium), gemmLine('Node', report.gemm?.node)].filter(Boolean);
  if (gemm.length) out.push('', `Best matmul rate of gpu/kernels/gemm.ts (square float32 products): ${gemm.join('; ')}.`);
  if (report.peers?.length) {
    out.push('', '### This trainer against TensorFlow.js 4.22', '', comparisonTable(report), '');
    const ours = report.runs.find((r) => r.where === 'worker') ?? report.runs.find((r) => r.where === 'page') ?? report.runs[0];
    out.push(
      `"ours" is ${ours?.runtime ?? '—'}; each peer runs in its own worker of the same Chromium, tf.layers ` +
        'SimpleRNN/GRU/LSTM + timeDistributed(dense softmax), Adam, `trainOnBatch`, one-hot inputs. ' +
        '"÷ ours" is the peer\'s time over ours (above 1: this trainer is faster). GFLOP/s counts bench/flops.ts\'s ' +
        'FLOPs of one step (forward, backward, Adam) over the measured time.',
    );
    if (report.peerInfo && Object.keys(report.peerInfo).length)
      out.push(
        '',
        `Peers: ${Object.entries(report.peerInfo)
          .map(([k, v]) => `tfjs-${k}: ${v}`)
          .join('; ')}.`,
      );
    const notes = (report.peers ?? []).filter((p) => p.note);
    if (notes.length) out.push('', ...notes.map((p) => `- ${p.peer} ${p.config.name}: ${p.note}`));
    const leaked = (report.peers ?? []).filter((p) => p.tensorsAdded);
    if (leaked.length) out.push('', ...leaked.map((p) => `- ${p.peer} ${p.config.name}: ${p.tensorsAdded} tensors left alive over the timed steps`));
  }
  const torch = torchSection(report);
  if (torch) out.push('', '### This trainer against PyTorch on the same machine', '', torch);
  const ab = kernelsAbSection(report);
  if (ab) out.push('', '### Step kernels A/B (Node)', '', ab);
  if (report.runs.length) out.push('', '### Every run of this trainer', '', runsTable(report));
  const ts = tScalingSection(report);
  if (ts) out.push('', '### Time per step against T', '', ts);
  return out.join('\n');
}
