import code from '../../shaders/recurrent/tokenWeightGrad.wgsl?raw';
import { packUniform, type GpuContext } from '../core/context.ts';
import { prepare, type Dispatch } from '../core/dispatch.ts';

/** dW_ih[i, v] = Σ over the rows holding token v of δ[r, i], rows pre-grouped by token. */
export function tokenWeightGrad(
  ctx: GpuContext,
  s: { H: number; V: number; dwih: number },
  delta: GPUBuffer,
  tokOffsets: GPUBuffer,
  tokRows: GPUBuffer,
  grads: GPUBuffer,
): Dispatch {
  return prepare(ctx, {
    label: 'tokenWeightGrad',
    code,
    constants: { H: s.H, V: s.V },
    bindings: ['uniform', 'read', 'read', 'read', 'rw'],
    buffers: [ctx.uniform('tokenWeightGrad.offsets', packUniform([['u32', s.dwih]])), delta, tokOffsets, tokRows, grads],
    grid: [Math.ceil(s.H / 256), s.V], // 4 units per invocation
  });
}
