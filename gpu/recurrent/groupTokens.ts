import code from '../../shaders/recurrent/groupTokens.wgsl?raw';
import type { GpuContext } from '../core/context.ts';
import { prepare, type Dispatch } from '../core/dispatch.ts';

/**
 * Groups the rows of `tokens` [rows] by token into tokOffsets [V+1] and tokRows [rows] on the GPU, as
 * groupRowsByToken (gpu/data/batch.ts) does on the CPU: for token ids the GPU chose itself.
 */
export function groupTokens(ctx: GpuContext, s: { V: number; rows: number }, tokens: GPUBuffer, tokOffsets: GPUBuffer, tokRows: GPUBuffer): Dispatch {
  return prepare(ctx, {
    label: 'groupTokens',
    code,
    constants: { V: s.V, ROWS: s.rows },
    bindings: ['read', 'rw', 'rw'],
    buffers: [tokens, tokOffsets, tokRows],
    grid: [1],
  });
}
