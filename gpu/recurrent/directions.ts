// The kernels that join a bidirectional layer's two directions (shaders/recurrent/directions.wgsl):
// each direction keeps its own states and gradients, [rows, H]; the layer's output, what the layer
// above and the head read, is [rows, 2H] = [forward; reverse] at each step. The reverse direction's
// data is in mirrored order (each sequence's real steps reversed), so that it runs the forward step
// kernels unchanged; these kernels put it back in step order on the way out and in.
import code from '../../shaders/recurrent/directions.wgsl?raw';
import type { GpuContext } from '../core/context.ts';
import { grid1d, prepare, type Dispatch } from '../core/dispatch.ts';

export interface JoinShape {
  T: number;
  B: number;
}

type Entry = 'toWide' | 'fromWide' | 'addMirrored';

function join(
  ctx: GpuContext,
  label: string,
  entry: Entry,
  s: JoinShape,
  c: { C: number; WIDE: number; OFF?: number; SHIFT?: number; MIRROR?: boolean },
  buffers: [GPUBuffer, GPUBuffer, GPUBuffer],
): Dispatch {
  const ROWS = s.T * s.B;
  return prepare(ctx, {
    label,
    code,
    entry,
    constants: { B: s.B, ROWS, C: c.C, WIDE: c.WIDE, OFF: c.OFF ?? 0, SHIFT: c.SHIFT ?? 0, MIRROR: c.MIRROR ?? false },
    bindings: ['read', 'read', 'rw'],
    buffers,
    grid: grid1d(ctx, Math.ceil((ROWS * c.C) / 64)),
  });
}

/** out[t, d·H …] = direction d's state after step t (hs block t+1, mirrored for d = 1); padded rows 0. */
export function directionOutput(ctx: GpuContext, s: JoinShape & { H: number; d: number }, lengths: GPUBuffer, hs: GPUBuffer, out: GPUBuffer): Dispatch {
  return join(ctx, `directionOutput${s.d}`, 'toWide', s, { C: s.H, WIDE: 2 * s.H, OFF: s.d * s.H, SHIFT: s.B, MIRROR: s.d === 1 }, [lengths, hs, out]);
}

/** dh of direction d = its half of the layer's output gradient, in its own order; padded rows 0. */
export function directionGrad(ctx: GpuContext, s: JoinShape & { H: number; d: number }, lengths: GPUBuffer, dOut: GPUBuffer, dh: GPUBuffer): Dispatch {
  return join(ctx, `directionGrad${s.d}`, 'fromWide', s, { C: s.H, WIDE: 2 * s.H, OFF: s.d * s.H, MIRROR: s.d === 1 }, [lengths, dOut, dh]);
}

/** A [rows, width] input in mirrored order, for the reverse direction's projection; padded rows 0. */
export function mirrorRows(ctx: GpuContext, s: JoinShape & { width: number }, lengths: GPUBuffer, src: GPUBuffer, dst: GPUBuffer): Dispatch {
  return join(ctx, 'mirrorRows', 'toWide', s, { C: s.width, WIDE: s.width, MIRROR: true }, [lengths, src, dst]);
}

/** dst += src mirrored back to step order, real rows only: the reverse direction's input gradient. */
export function addMirrored(ctx: GpuContext, s: JoinShape & { width: number }, lengths: GPUBuffer, src: GPUBuffer, dst: GPUBuffer): Dispatch {
  return join(ctx, 'addMirrored', 'addMirrored', s, { C: s.width, WIDE: s.width, MIRROR: true }, [lengths, src, dst]);
}

/** Step order ↔ mirrored order on the CPU, for what is uploaded (layer 0's inputs): row r's partner, or -1 for padding. */
export function mirroredRow(r: number, B: number, lengths: ArrayLike<number>): number {
  const [t, b] = [Math.floor(r / B), r % B];
  return t < lengths[b] ? (lengths[b] - 1 - t) * B + b : -1;
}
