// The per-time-step kernels of each cell: a forward step and a backward step, one dispatch each per
// time step per layer. The step index arrives as group 1 (a dynamic uniform offset).
import rnnForwardCode from '../../shaders/rnnForwardStep.wgsl?raw';
import rnnBackwardCode from '../../shaders/rnnBackwardStep.wgsl?raw';
import gruForwardCode from '../../shaders/gruForwardStep.wgsl?raw';
import gruBackwardCode from '../../shaders/gruBackwardStep.wgsl?raw';
import lstmForwardCode from '../../shaders/lstmForwardStep.wgsl?raw';
import lstmBackwardCode from '../../shaders/lstmBackwardStep.wgsl?raw';
import { packUniform, type GpuContext } from '../context.ts';
import { prepare, type Dispatch } from './dispatch.ts';
import type { BindingKind } from '../pipelines.ts';
import type { Cell } from '../model/config.ts';

export interface StepShape {
  cell: Cell;
  T: number;
  B: number;
  H: number;
  relu: boolean;
  /** Float offsets of this layer's W_hh and b_hh in the flat parameter buffer. */
  whh: number;
  bhh: number;
}

/** Per-layer activations the steps read and write; which exist depends on the cell. */
export interface LayerBuffers {
  /** W_ih x + b_ih for every step, [T*B, G*H]. */
  proj: GPUBuffer;
  /** Hidden states, [(T+1)*B, H]; block 0 is h0. */
  hs: GPUBuffer;
  /** LSTM cell states, [(T+1)*B, H]; block 0 is c0. */
  cs: GPUBuffer | null;
  /** Gate activations (GRU r, z, n; LSTM i, f, g, o), [T*B, G*H]. */
  gates: GPUBuffer | null;
  /** GRU: W_hn h + b_hn, [T*B, H]. */
  hn: GPUBuffer | null;
  /** Gradient reaching h_t from above, turned into the total dL/dh_t by the backward steps, [T*B, H]. */
  dh: GPUBuffer;
  /** Gradient of the input-side pre-activations W_ih x + b_ih, [T*B, G*H] (the Elman cell: dh itself). */
  dA: GPUBuffer;
  /** Gradient of the hidden-side pre-activations W_hh h + b_hh (differs from dA for the GRU's n gate). */
  dAhh: GPUBuffer;
  /** LSTM: total dL/dc_t, [T*B, H]. */
  dc: GPUBuffer | null;
}

const WG = 64;
const ROWS_PER_INVOCATION = 4;

function stepKernel(ctx: GpuContext, label: string, code: string, s: StepShape, constants: Record<string, number | boolean>, bindings: BindingKind[], buffers: GPUBuffer[], entry = 'main'): Dispatch {
  const offsets = ctx.uniform(`${label}.offsets`, packUniform([['u32', s.whh], ['u32', s.bhh]]));
  return prepare(ctx, {
    label,
    code,
    constants,
    bindings: ['uniform', ...bindings],
    buffers: [offsets, ...buffers],
    grid: [Math.ceil(s.H / WG), Math.ceil(s.B / ROWS_PER_INVOCATION)],
    stepped: true,
    entry,
  });
}

/** The vec4 entry points need whole vec4s per row (W_hh is 64-float aligned in the flat buffer). */
const vec4Entry = (H: number) => (H % 4 === 0 ? 'mainVec4' : 'main');

/** `lengths` [B]: each row's real steps; past them a row carries its state (ragged batches). */
export function forwardStep(ctx: GpuContext, s: StepShape, params: GPUBuffer, l: LayerBuffers, lengths: GPUBuffer): Dispatch {
  const { H, B } = s;
  switch (s.cell) {
    case 'rnn':
      return stepKernel(ctx, 'rnnForwardStep', rnnForwardCode, s, { H, B, RELU: s.relu }, ['read', 'read', 'rw', 'read'], [params, l.proj, l.hs, lengths], vec4Entry(H));
    case 'gru':
      return stepKernel(ctx, 'gruForwardStep', gruForwardCode, s, { H, B }, ['read', 'read', 'rw', 'rw', 'rw', 'read'], [params, l.proj, l.hs, l.gates!, l.hn!, lengths], vec4Entry(H));
    case 'lstm':
      return stepKernel(ctx, 'lstmForwardStep', lstmForwardCode, s, { H, B }, ['read', 'read', 'rw', 'rw', 'rw', 'read'], [params, l.proj, l.hs, l.gates!, l.cs!, lengths], vec4Entry(H));
  }
}

/**
 * Past a row's length the forward step stored zero gates and the head passes zero gradient, so
 * every backward step writes zeros there without looking at the lengths.
 */
export function backwardStep(ctx: GpuContext, s: StepShape, params: GPUBuffer, l: LayerBuffers): Dispatch {
  const { H, B, T } = s;
  switch (s.cell) {
    case 'rnn':
      return stepKernel(ctx, 'rnnBackwardStep', rnnBackwardCode, s, { H, B, T, RELU: s.relu }, ['read', 'read', 'rw'], [params, l.hs, l.dh], vec4Entry(H));
    case 'gru':
      return stepKernel(ctx, 'gruBackwardStep', gruBackwardCode, s, { H, B, T }, ['read', 'read', 'read', 'read', 'rw', 'rw', 'rw'], [params, l.hs, l.gates!, l.hn!, l.dh, l.dA, l.dAhh], vec4Entry(H));
    case 'lstm':
      return stepKernel(ctx, 'lstmBackwardStep', lstmBackwardCode, s, { H, B, T }, ['read', 'read', 'read', 'rw', 'rw', 'rw'], [params, l.cs!, l.gates!, l.dh, l.dA, l.dc!], vec4Entry(H));
  }
}
