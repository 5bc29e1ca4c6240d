// The GEMM kernel against a float64 reference, for every transpose/bias/accumulate variant the
// training step uses, on shapes that straddle the TM×16 tiles, with every tile height (16, 8, 4).
import { describe, it, expect } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { gemm, gemmTiling } from './gemm.ts';
import { encode } from '../core/dispatch.ts';
import { readBuffer } from '../core/readBuffer.ts';
import { relativeError } from '../testing/compare.ts';
import { Rng } from '../core/rng.ts';

const gpu = useGpu();

function refGemm(
  a: Float32Array,
  b: Float32Array,
  c0: Float32Array,
  bias: Float32Array | null,
  M: number,
  N: number,
  K: number,
  tA: boolean,
  tB: boolean,
  acc: boolean,
) {
  const out = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (tA ? a[k * M + m] : a[m * K + k]) * (tB ? b[n * K + k] : b[k * N + n]);
      out[m * N + n] = s + (bias ? bias[n] : 0) + (acc ? c0[m * N + n] : 0);
    }
  return out;
}

describe('gemm.wgsl', () => {
  // [301, 250, 3600] is over gemm.ts's TALL_TILE_MACS, so it takes TM = 16.
  const shapes = [
    [1, 1, 1],
    [5, 3, 17],
    [64, 64, 16],
    [65, 63, 33],
    [130, 7, 200],
    [3, 129, 64],
    [12, 8, 33],
    [130, 260, 9],
    [301, 250, 3600],
  ];
  const variants = [
    { tA: false, tB: false, bias: false, acc: false },
    { tA: false, tB: true, bias: true, acc: false },
    { tA: true, tB: false, bias: false, acc: false },
    { tA: true, tB: true, bias: true, acc: true },
  ];
  const placements = [
    { offA: 3, offB: 64, offC: 5, offBias: 7 },
    { offA: 8, offB: 64, offC: 5, offBias: 7 },
  ];
  const tiles = new Set<number>();
  for (const [M, N, K] of shapes)
    for (const v of variants)
      for (const { offA, offB, offC, offBias } of placements) {
        const { TM } = gemmTiling(M, N, K);
        tiles.add(TM);
        it(`M=${M} N=${N} K=${K} transA=${v.tA} transB=${v.tB} bias=${v.bias} accumulate=${v.acc} offA=${offA} (TM=${TM})`, async () => {
          const ctx = gpu();
          const rng = new Rng(M * 1000 + N * 10 + K);
          const rand = (n: number) => Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
          const a = rand(M * K),
            b = rand(K * N),
            c0 = rand(M * N),
            bias = rand(N);
          const buf = (data: Float32Array, off: number) => {
            const g = ctx.storage('t', (data.length + off) * 4);
            ctx.device.queue.writeBuffer(g, off * 4, data);
            return g;
          };
          const A = buf(a, offA),
            Bb = buf(b, offB),
            C = buf(c0, offC),
            Bias = buf(bias, offBias);
          const d = gemm(ctx, 'gemm', {
            M,
            N,
            K,
            transA: v.tA,
            transB: v.tB,
            accumulate: v.acc,
            a: { buffer: A, offset: offA },
            b: { buffer: Bb, offset: offB },
            c: { buffer: C, offset: offC },
            bias: v.bias ? { buffer: Bias, offset: offBias } : undefined,
          });
          const enc = ctx.device.createCommandEncoder();
          const pass = enc.beginComputePass();
          encode(pass, d);
          pass.end();
          ctx.device.queue.submit([enc.finish()]);
          const got = (await readBuffer(ctx, C, offC + M * N)).subarray(offC);
          const want = refGemm(a, b, c0, v.bias ? bias : null, M, N, K, v.tA, v.tB, v.acc);
          const { error, where } = relativeError(got, want);
          expect(error, where).toBeLessThan(1e-5);
        });
      }
  it('every tile height is covered', () => expect([...tiles].sort((a, b) => a - b)).toEqual([4, 8, 16]));
});
