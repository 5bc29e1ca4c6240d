import code from '../../shaders/common/gemm.wgsl?raw';
import { packUniform, type GpuContext } from '../core/context.ts';
import { grid1d, prepare, type Dispatch } from '../core/dispatch.ts';

/** An operand: a buffer and the float offset where the matrix starts in it. */
export interface Operand {
  buffer: GPUBuffer;
  offset?: number;
}

export interface GemmSpec {
  M: number;
  N: number;
  K: number;
  /** A is stored [K, M] and used transposed. */
  transA?: boolean;
  /** B is stored [N, K] and used transposed (a linear layer's weight). */
  transB?: boolean;
  accumulate?: boolean;
  a: Operand;
  b: Operand;
  c: Operand;
  bias?: Operand;
}

/** Invocations worth having at least: four workgroups of 64, so small products still spread. */
const MIN_INVOCATIONS = 256;

/**
 * Products of at least this many multiply-adds take 16-row tiles. Measured on SwiftShader (dW_hh of
 * small-lstm, 512×128×2048): TM = 16 ran 10% faster than 8 but its pipeline took 3.5× as long to
 * compile (seconds), so it pays only where a product runs long enough (the large configs).
 */
const TALL_TILE_MACS = 2 ** 28;

/**
 * The tile (TM rows × 16 columns per invocation) for a product: the tallest tile allowed that still
 * leaves MIN_INVOCATIONS (taller tiles load less per multiply-add). Tiles are numbered in one
 * dimension, WG per workgroup: 64, or fewer when that leaves at least four workgroups (SwiftShader
 * runs a workgroup on one thread).
 */
export function gemmTiling(M: number, N: number, K: number): { TM: number; WG: number; grid: number } {
  const nTiles = Math.ceil(N / 16);
  const heights = M * N * K >= TALL_TILE_MACS ? [16, 8] : [8];
  const TM = heights.find((tm) => nTiles * Math.ceil(M / tm) >= MIN_INVOCATIONS) ?? 4;
  const tiles = nTiles * Math.ceil(M / TM);
  const WG = Math.max(4, Math.min(64, 2 ** Math.floor(Math.log2(Math.max(1, tiles / 4)))));
  return { TM, WG, grid: Math.ceil(tiles / WG) };
}

/** C[M,N] (+)= op(A) · op(B) (+ bias), see shaders/common/gemm.wgsl. */
export function gemm(ctx: GpuContext, label: string, s: GemmSpec): Dispatch {
  const dims = packUniform([
    ['u32', s.M],
    ['u32', s.N],
    ['u32', s.K],
    ['u32', s.a.offset ?? 0],
    ['u32', s.b.offset ?? 0],
    ['u32', s.c.offset ?? 0],
    ['u32', s.bias?.offset ?? 0],
  ]);
  const { TM, WG, grid } = gemmTiling(s.M, s.N, s.K);
  return prepare(ctx, {
    label,
    code,
    constants: { TRANS_A: !!s.transA, TRANS_B: !!s.transB, ADD_BIAS: !!s.bias, ACCUMULATE: !!s.accumulate, TM, WG },
    bindings: ['uniform', 'read', 'read', 'read', 'rw'],
    // Without a bias, bind A again: the binding must exist, and it must not alias C.
    buffers: [ctx.uniform(`${label}.dims`, dims), s.a.buffer, s.b.buffer, (s.bias ?? s.a).buffer, s.c.buffer],
    grid: grid1d(ctx, grid),
  });
}
