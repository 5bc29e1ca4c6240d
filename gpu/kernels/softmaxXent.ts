import code from '../../shaders/softmaxXent.wgsl?raw';
import { packUniform, type GpuContext } from '../context.ts';
import { grid1d, prepare, type Dispatch } from './dispatch.ts';

/** Per-row loss and dlogits = (softmax - onehot) * scale, one invocation per row. */
export function softmaxXent(
  ctx: GpuContext,
  s: { rows: number; O: number; scale: number },
  logits: GPUBuffer,
  targets: GPUBuffer,
  rowLoss: GPUBuffer,
  dlogits: GPUBuffer,
): Dispatch {
  return prepare(ctx, {
    label: 'softmaxXent',
    code,
    constants: { O: s.O },
    bindings: ['uniform', 'read', 'read', 'rw', 'rw'],
    buffers: [ctx.uniform('softmaxXent.params', packUniform([['u32', s.rows], ['f32', s.scale]])), logits, targets, rowLoss, dlogits],
    grid: grid1d(ctx, Math.ceil(s.rows / 64)),
  });
}
