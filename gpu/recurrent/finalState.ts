import code from '../../shaders/recurrent/finalState.wgsl?raw';
import type { GpuContext } from '../core/context.ts';
import { prepare, type Dispatch } from '../core/dispatch.ts';

/** hFinal[b] = the state after sequence b's last real step (hs block lengths[b]), [B, H]. */
export function gatherFinalState(ctx: GpuContext, s: { B: number; H: number }, lengths: GPUBuffer, hs: GPUBuffer, hFinal: GPUBuffer): Dispatch {
  return prepare(ctx, {
    label: 'gatherFinalState',
    code,
    entry: 'gather',
    constants: { H: s.H, B: s.B },
    bindings: ['read', 'read', 'rw'],
    buffers: [lengths, hs, hFinal],
    grid: [Math.ceil(s.H / 64), s.B],
  });
}

/** dh[t, b] = dFinal[b] at t = lengths[b] − 1 and 0 elsewhere: writes all T·B rows of dh. */
export function scatterFinalGrad(ctx: GpuContext, s: { T: number; B: number; H: number }, lengths: GPUBuffer, dFinal: GPUBuffer, dh: GPUBuffer): Dispatch {
  return prepare(ctx, {
    label: 'scatterFinalGrad',
    code,
    entry: 'scatter',
    constants: { H: s.H, B: s.B },
    bindings: ['read', 'read', 'rw'],
    buffers: [lengths, dFinal, dh],
    grid: [Math.ceil(s.H / 64), s.T * s.B],
  });
}
