// A decoder starts from the encoder's final states: moving them across in the forward pass, and
// their gradient back in the backward pass (shaders/seq2seq/initialStateGrad.wgsl forms it; the
// encoder's backward then adds it at each sequence's last real step).
import code from '../../shaders/seq2seq/initialStateGrad.wgsl?raw';
import type { GpuContext } from '../core/context.ts';
import { prepare, type Dispatch } from '../core/dispatch.ts';
import { GATES, type Cell } from '../recurrent/config.ts';
import type { LayerBuffers } from '../recurrent/stepKernels.ts';

const CELLS: Record<Cell, number> = { rnn: 0, gru: 1, lstm: 2 };

/**
 * ∂L/∂(initial h, c) of a layer [B, H] each, from its step-0 gradients (its backward steps must have
 * run): `whh` the float offset of its W_hh; `dcInit` unwritten unless the cell is an LSTM.
 */
export function initialStateGrad(
  ctx: GpuContext,
  s: { cell: Cell; H: number; B: number; whh: number; label: string },
  params: GPUBuffer,
  l: LayerBuffers,
  dhInit: GPUBuffer,
  dcInit: GPUBuffer,
): Dispatch {
  const dA = s.cell === 'gru' ? l.dAhh : l.dA; // the Elman cell's δ is dh itself (dA aliases it)
  return prepare(ctx, {
    label: `initialStateGrad.${s.label}`,
    code,
    constants: { H: s.H, B: s.B, CELL: CELLS[s.cell], GATES: GATES[s.cell], WHH: s.whh },
    bindings: ['read', 'read', 'read', 'read', 'read', 'rw', 'rw'],
    buffers: [params, dA, l.dh, l.gates ?? l.dh, l.dc ?? l.dh, dhInit, dcInit],
    grid: [Math.ceil(s.H / 64), s.B],
  });
}
