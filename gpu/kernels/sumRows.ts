import code from '../../shaders/common/sumRows.wgsl?raw';
import { packUniform, type GpuContext } from '../core/context.ts';
import { prepare, type Dispatch } from '../core/dispatch.ts';
import type { Operand } from './gemm.ts';

/** out[n] = scale * Σ_r A[r, n], in a fixed order; also into `out2` (same buffer as `out`) when given. */
export function sumRows(ctx: GpuContext, label: string, s: { rows: number; cols: number; scale?: number }, a: Operand, out: Operand, out2?: Operand): Dispatch {
  const dims = packUniform([
    ['u32', s.rows],
    ['u32', s.cols],
    ['u32', a.offset ?? 0],
    ['u32', out.offset ?? 0],
    ['f32', s.scale ?? 1],
    ['u32', out2?.offset ?? 0],
  ]);
  if (out2 && out2.buffer !== out.buffer) throw new Error(`${label}: out2 must be in out's buffer`);
  return prepare(ctx, {
    label,
    code,
    constants: { TWICE: !!out2 },
    bindings: ['uniform', 'read', 'rw'],
    buffers: [ctx.uniform(`${label}.dims`, dims), a.buffer, out.buffer],
    grid: [Math.ceil(s.cols / 64)],
  });
}
