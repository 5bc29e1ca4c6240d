import code from '../../shaders/gemm.wgsl?raw';
import { packUniform, type GpuContext } from '../context.ts';
import { prepare, type Dispatch } from './dispatch.ts';

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

/** The vec4 entry point this product can use, if any (see shaders/gemm.wgsl). */
export function gemmEntry(s: Pick<GemmSpec, 'M' | 'N' | 'K' | 'transA' | 'transB' | 'a' | 'b'>): string {
  const aligned = (...xs: number[]) => xs.every((x) => x % 4 === 0);
  const offsets = aligned(s.a.offset ?? 0, s.b.offset ?? 0);
  if (s.transA && !s.transB && offsets && aligned(s.M, s.N)) return 'outerVec4';
  if (!s.transA && s.transB && offsets && aligned(s.K)) return 'innerVec4';
  return 'main';
}

/** C[M,N] (+)= op(A) · op(B) (+ bias), see shaders/gemm.wgsl. */
export function gemm(ctx: GpuContext, label: string, s: GemmSpec): Dispatch {
  const dims = packUniform([
    ['u32', s.M], ['u32', s.N], ['u32', s.K],
    ['u32', s.a.offset ?? 0], ['u32', s.b.offset ?? 0], ['u32', s.c.offset ?? 0], ['u32', s.bias?.offset ?? 0],
  ]);
  return prepare(ctx, {
    label,
    code,
    constants: { TRANS_A: !!s.transA, TRANS_B: !!s.transB, ADD_BIAS: !!s.bias, ACCUMULATE: !!s.accumulate },
    bindings: ['uniform', 'read', 'read', 'read', 'rw'],
    // Without a bias, bind A again: the binding must exist, and it must not alias C.
    buffers: [ctx.uniform(`${label}.dims`, dims), s.a.buffer, s.b.buffer, (s.bias ?? s.a).buffer, s.c.buffer],
    grid: [Math.ceil(s.N / 32), Math.ceil(s.M / 32)],
    entry: gemmEntry(s),
  });
}
