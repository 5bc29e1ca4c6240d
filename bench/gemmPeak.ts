// The device's best matrix-multiply rate as this engine can use it: gpu/kernels/gemm.ts on square
// float32 products of growing size, each transpose variant the training step uses (plain, Bᵀ, Aᵀ). The
// best rate over them is the yardstick for the trainer's achieved GFLOP/s.
import type { GpuContext } from '../gpu/core/context.ts';
import { encode } from '../gpu/core/dispatch.ts';
import { gemm } from '../gpu/kernels/gemm.ts';

export interface GemmRate {
  n: number;
  variant: string;
  ms: number;
  gflops: number;
}

export interface GemmPeak {
  best: GemmRate;
  all: GemmRate[];
}

const VARIANTS = [
  { variant: 'A·B', transA: false, transB: false },
  { variant: 'A·Bᵀ', transA: false, transB: true },
  { variant: 'Aᵀ·B', transA: true, transB: false },
];

/**
 * Sizes start at `from` and double (at least `minSizes` of them) while one product takes under
 * `growWhileMs`, up to `maxN`: a real GPU needs large products to fill, a CPU adapter (SwiftShader)
 * takes a few hundred ms at n = 512 and seconds at 1024. Each product is timed as `reps` dispatches
 * in one submit, reps growing until the batch takes `minMs`; the best of three such batches counts.
 */
export async function gemmPeak(
  ctx: GpuContext,
  opts: { from?: number; maxN?: number; minSizes?: number; growWhileMs?: number; minMs?: number } = {},
): Promise<GemmPeak> {
  const { from = 256, maxN = 4096, minSizes = 2, growWhileMs = 200, minMs = 300 } = opts;
  const all: GemmRate[] = [];
  for (let n = from; n <= maxN; n *= 2) {
    // The products' buffers and their uniforms, freed together after this size.
    const { value: buffers, buffers: owned } = ctx.owning(() => {
      const a = ctx.storage('gemmPeak.a', n * n * 4);
      const b = ctx.storage('gemmPeak.b', n * n * 4);
      const c = ctx.storage('gemmPeak.c', n * n * 4);
      const products = VARIANTS.map((v) => {
        const spec = { M: n, N: n, K: n, transA: v.transA, transB: v.transB, a: { buffer: a }, b: { buffer: b }, c: { buffer: c } };
        return { ...v, dispatch: gemm(ctx, `gemmPeak${n}`, spec) };
      });
      return { a, b, products };
    });
    // Values in [−1, 1): the kernel's speed does not depend on them, but no NaN or denormal either.
    const fill = Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 2001) / 1000 - 1);
    ctx.device.queue.writeBuffer(buffers.a, 0, fill);
    ctx.device.queue.writeBuffer(buffers.b, 0, fill);
    let slowest = 0;
    try {
      for (const { variant, dispatch: d } of buffers.products) {
        const run = async (reps: number) => {
          const enc = ctx.device.createCommandEncoder();
          const pass = enc.beginComputePass();
          for (let i = 0; i < reps; i++) encode(pass, d);
          pass.end();
          const t = performance.now();
          ctx.device.queue.submit([enc.finish()]);
          await ctx.device.queue.onSubmittedWorkDone();
          return performance.now() - t;
        };
        await run(1); // compile and first use
        let reps = 1;
        let ms = await run(reps);
        while (ms < minMs && reps < 1 << 14) {
          reps *= Math.min(16, Math.max(2, Math.ceil(minMs / Math.max(ms, 0.05))));
          ms = await run(reps);
        }
        // Best of three batches: the rate the device can reach, with less of a busy machine's noise.
        for (let i = 0; i < 2; i++) ms = Math.min(ms, await run(reps));
        const per = ms / reps;
        slowest = Math.max(slowest, per);
        all.push({ n, variant, ms: per, gflops: (2 * n ** 3) / per / 1e6 });
      }
    } finally {
      for (const b of owned) ctx.destroyBuffer(b);
    }
    if (ctx.errors.length) throw new Error(`gemmPeak: ${ctx.errors.join('; ')}`);
    if (slowest > growWhileMs && n >= from * 2 ** (minSizes - 1)) break;
  }
  const best = all.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  return { best, all };
}
