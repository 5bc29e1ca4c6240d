// What one shader operation costs on this device, measured: the cost model behind the kernels'
// register blocking. On SwiftShader (a CPU) a "GPU" runs 4 invocations as one SIMD group, and
// every buffer load whose index is not a compile-time constant becomes a per-lane gather with a
// bounds check, whether the lanes read one address, consecutive ones or scattered ones. This
// measures, in CPU time (ns per 4-lane operation, summed over the cores; Node only):
//   - a loop iteration with an empty body,
//   - a multiply-add, with 16 accumulators (registers) and with 256 (the GEMM's tile: spilled),
//   - a load with consecutive, equal and scattered lane addresses, as f32 and as atomicLoad,
// each as the slope between a kernel with R operations per iteration and one with none, and from
// them predicts the rate of shaders/common/gemm.wgsl's inner loop, to set beside the rate measured for it.

import type { GpuContext } from '../gpu/core/context.ts';
import { withNodeDevice } from '../gpu/core/device.node.ts';

/** Invocations per dispatch (all cores busy), loop iterations, operations per iteration. */
const INVOCATIONS = 16384;
const ITERS = 64;
const R = 16;
/** The loads' buffer: 256 KiB, cache-resident, so this measures the load path, not memory. */
const FLOATS = 65536;

export interface OpCost {
  op: string;
  ns: number;
}

type Body = (r: number) => string;

/** A kernel of ITERS iterations with `n` copies of `body` each; `decl` declares what they need. */
function kernel(decl: string, body: Body, n: number, accumulators = 16, atomic = false, iters = ITERS): string {
  const accs = Array.from({ length: accumulators }, (_, i) => `var a${i} = f32(${i}) * x;`).join(' ');
  const sum = Array.from({ length: accumulators }, (_, i) => `a${i}`).join(' + ');
  const lines = Array.from({ length: n }, (_, r) => body(r)).join('\n    ');
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> A: array<${atomic ? 'atomic<u32>' : 'f32'}>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
${decl}
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
  let lane = g.x % 64u;
  let grp = g.x / 64u;
  let x = f32(g.x) * 1e-6;
  ${accs}
  for (var k = 0u; k < ${iters}u; k++) {
    let base = k * ${R * 64}u;
    ${lines}
  }
  O[g.x] = ${sum} + ${atomic ? 'bitcast<f32>(atomicLoad(&A[lane]))' : 'A[lane]'}; // A is bound even where the loop reads none
}`;
}

const ACC = (r: number, accs: number) => `a${r % accs}`;

/** `per`: operations in one copy of the body (default 1). */
interface Case {
  op: string;
  make: (n: number) => string;
  per?: number;
}

function cases(): Case[] {
  const load =
    (index: (r: number) => string, read: (i: string) => string, atomic = false): ((n: number) => string) =>
    (n) =>
      kernel('', (r) => `${ACC(r, 16)} += ${read(index(r))};`, n, 16, atomic);
  const f32 = (i: string) => `A[${i}]`;
  const seq = (r: number) => `base + ${r * 64}u + lane`;
  const eq = (r: number) => `base + ${r * 64}u + grp % 64u`;
  const scattered = (r: number) => `base + ${r * 64}u + (lane * 17u) % 64u`;
  return [
    // n = 0 or 1 here means ITERS or 16·ITERS iterations of an empty body (no loads): 15·ITERS more.
    { op: 'loop iteration (empty body)', make: (n) => kernel('', () => '', 0, 16, false, n ? 16 * ITERS : ITERS) },
    { op: 'multiply-add, 16 accumulators', make: (n) => kernel('', (r) => `${ACC(r, 16)} = ${ACC(r, 16)} * 0.999 + x;`, n) },
    {
      op: 'multiply-add, 256 accumulators',
      per: 16,
      make: (n) => kernel('', (r) => Array.from({ length: 16 }, (_, c) => `${ACC(r * 16 + c, 256)} = ${ACC(r * 16 + c, 256)} * 0.999 + x;`).join(' '), n, 256),
    },
    { op: 'load f32, consecutive lanes', make: load(seq, f32) },
    { op: 'load f32, equal lanes', make: load(eq, f32) },
    { op: 'load f32, scattered lanes', make: load(scattered, f32) },
    { op: 'atomicLoad, consecutive lanes', make: load(seq, (i) => `bitcast<f32>(atomicLoad(&A[${i}]))`, true) },
    { op: 'atomicLoad, equal lanes', make: load(eq, (i) => `bitcast<f32>(atomicLoad(&A[${i}]))`, true) },
  ];
}

async function timeKernel(ctx: GpuContext, code: string, rounds: number): Promise<number> {
  const { device } = ctx;
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } });
  const a = device.createBuffer({ size: FLOATS * 4, usage: GPUBufferUsage.STORAGE });
  const o = device.createBuffer({ size: INVOCATIONS * 4, usage: GPUBufferUsage.STORAGE });
  const bind = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: a } },
      { binding: 1, resource: { buffer: o } },
    ],
  });
  const once = async () => {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(INVOCATIONS / 64);
    pass.end();
    // CPU time of the whole process (SwiftShader's threads included): steadier than wall time when
    // other work shares the cores.
    const cpu = process.cpuUsage();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    const { user, system } = process.cpuUsage(cpu);
    return (user + system) / 1000;
  };
  await once();
  const ts: number[] = [];
  for (let i = 0; i < rounds; i++) ts.push(await once());
  a.destroy();
  o.destroy();
  return ts.sort((x, y) => x - y)[0];
}

/** ns per 4-lane operation, device-wide: (t(R ops per iteration) − t(none)) / (R · ITERS · SIMD groups). */
export async function measureOpCosts(ctx: GpuContext, rounds = 5): Promise<OpCost[]> {
  const groups = (INVOCATIONS / 4) * ITERS;
  const out: OpCost[] = [];
  for (const c of cases()) {
    const empty = await timeKernel(ctx, c.make(0), rounds);
    const loop = c.op.startsWith('loop');
    const full = await timeKernel(ctx, c.make(loop ? 1 : R), rounds);
    out.push({ op: c.op, ns: ((full - empty) * 1e6) / ((loop ? 15 : R * (c.per ?? 1)) * groups) });
  }
  return out;
}

/**
 * shaders/common/gemm.wgsl's inner loop per k for a TM × 16 tile: TM + 16 loads (scattered lanes), 16·TM multiply-adds
 * on TM·16 spilled accumulators and one iteration; 2·16·TM·4 flops per SIMD group.
 */
export function predictGemm(costs: OpCost[], TM = 16): { nsPerK: number; loadShare: number; gflops: number } {
  const ns = (op: string) => costs.find((c) => c.op === op)?.ns ?? NaN;
  const loads = (TM + 16) * ns('load f32, scattered lanes');
  const nsPerK = loads + 16 * TM * ns('multiply-add, 256 accumulators') + ns('loop iteration (empty body)');
  return { nsPerK, loadShare: loads / nsPerK, gflops: (2 * 16 * TM * 4) / nsPerK };
}

/**
 * `npm run bench:op-costs`: the table of costs on this machine's device in Node (Dawn), and the GEMM
 * rate they predict (on a machine without a GPU: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json).
 */
export async function main(): Promise<number> {
  await withNodeDevice(async (ctx) => {
    console.log(`adapter: ${ctx.adapter.name}`);
    const costs = await measureOpCosts(ctx);
    console.log('| operation (4 lanes) | CPU ns |\n|---|---|');
    for (const c of costs) console.log(`| ${c.op} | ${c.ns.toFixed(2)} |`);
    const model = predictGemm(costs);
    console.log(
      `gemm.wgsl's inner loop (16 × 16 tile), from these: ${model.nsPerK.toFixed(0)} CPU ns per k per SIMD group, ${(model.loadShare * 100).toFixed(0)}% of it in loads → ${model.gflops.toFixed(2)} GFLOP per CPU-second`,
    );
  });
  return 0;
}
