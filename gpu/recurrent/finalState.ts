// The final state of each sequence, for losses on it ('class', 'regress'): gathered after the forward
// steps, and its gradient scattered back to the step it came from before the backward steps.
import code from '../../shaders/recurrent/finalState.wgsl?raw';
import type { GpuContext } from '../core/context.ts';
import { prepare, type Dispatch } from '../core/dispatch.ts';

/** One of finalState.wgsl's entry points over `rows` rows of H units: lengths, then the read and the written buffer. */
const finalStateKernel = (ctx: GpuContext, entry: 'gather' | 'scatter' | 'addAtFinal', s: FinalShape, rows: number, buffers: GPUBuffer[]): Dispatch =>
  prepare(ctx, {
    label: { gather: 'gatherFinalState', scatter: 'scatterFinalGrad', addAtFinal: 'addFinalGrad' }[entry],
    code,
    entry,
    constants: { H: s.H, B: s.B, WIDTH: s.width ?? s.H, OFF: s.offset ?? 0 },
    bindings: ['read', 'read', 'rw'],
    buffers,
    grid: [Math.ceil(s.H / 64), rows],
  });

/** hFinal [B, width] holds each direction's H states at column `offset` (unidirectional: width H, offset 0). */
interface FinalShape {
  B: number;
  H: number;
  width?: number;
  offset?: number;
}

/** hFinal[b] = the state after sequence b's last real step (hs block lengths[b]), [B, H]. */
export function gatherFinalState(ctx: GpuContext, s: FinalShape, lengths: GPUBuffer, hs: GPUBuffer, hFinal: GPUBuffer): Dispatch {
  return finalStateKernel(ctx, 'gather', s, s.B, [lengths, hs, hFinal]);
}

/** dh[t, b] = dFinal[b] at t = lengths[b] − 1 and 0 elsewhere: writes all T·B rows of dh. */
export function scatterFinalGrad(ctx: GpuContext, s: FinalShape & { T: number }, lengths: GPUBuffer, dFinal: GPUBuffer, dh: GPUBuffer): Dispatch {
  return finalStateKernel(ctx, 'scatter', s, s.T * s.B, [lengths, dFinal, dh]);
}

/** dh[lengths[b] − 1, b] += dFinal[b]: only the final rows, the others left as they are. */
export function addFinalGrad(ctx: GpuContext, s: FinalShape, lengths: GPUBuffer, dFinal: GPUBuffer, dh: GPUBuffer): Dispatch {
  return finalStateKernel(ctx, 'addAtFinal', s, s.B, [lengths, dFinal, dh]);
}
