import code from '../../shaders/projectTokens.wgsl?raw';
import { packUniform, type GpuContext } from '../context.ts';
import { prepare, type Dispatch } from './dispatch.ts';

/** proj[r, i] = W_ih[i, x_r] + b_ih[i] for all T*B rows (a column gather, not a one-hot matmul). */
export function projectTokens(
  ctx: GpuContext,
  s: { rows: number; H: number; V: number; wih: number; bih: number },
  params: GPUBuffer,
  tokens: GPUBuffer,
  proj: GPUBuffer,
): Dispatch {
  return prepare(ctx, {
    label: 'projectTokens',
    code,
    constants: { H: s.H, V: s.V },
    bindings: ['uniform', 'read', 'read', 'rw'],
    buffers: [ctx.uniform('projectTokens.offsets', packUniform([['u32', s.wih], ['u32', s.bih]])), params, tokens, proj],
    grid: [Math.ceil(s.H / 64), s.rows],
  });
}
