import forwardCode from '../../shaders/rnnForwardStep.wgsl?raw';
import backwardCode from '../../shaders/rnnBackwardStep.wgsl?raw';
import { packUniform, type GpuContext } from '../context.ts';
import { prepare, type Dispatch } from './dispatch.ts';

export interface RnnStepShape {
  T: number;
  B: number;
  H: number;
  relu: boolean;
  /** Float offsets of W_hh and b_hh in the flat parameter buffer. */
  whh: number;
  bhh: number;
}

const WG = 64;
const ROWS_PER_INVOCATION = 4;

/** The vec4 entry point needs whole vec4s per row (W_hh is 64-float aligned in the flat buffer). */
const entry = (H: number) => (H % 4 === 0 ? 'mainVec4' : 'main');

/** h_t = act(proj_t + W_hh h_{t-1} + b_hh); encode once per step with that step's dynamic offset. */
export function rnnForwardStep(ctx: GpuContext, s: RnnStepShape, params: GPUBuffer, proj: GPUBuffer, hs: GPUBuffer): Dispatch {
  return prepare(ctx, {
    label: 'rnnForwardStep',
    code: forwardCode,
    constants: { H: s.H, B: s.B, RELU: s.relu },
    bindings: ['uniform', 'read', 'read', 'rw'],
    buffers: [ctx.uniform('rnnStep.offsets', packUniform([['u32', s.whh], ['u32', s.bhh]])), params, proj, hs],
    grid: [Math.ceil(s.H / WG), Math.ceil(s.B / ROWS_PER_INVOCATION)],
    stepped: true,
    entry: entry(s.H),
  });
}

/** δ_t = (dh_t + W_hhᵀ δ_{t+1}) ⊙ act'(h_t), in place in dh; encode for t = T-1 down to 0. */
export function rnnBackwardStep(ctx: GpuContext, s: RnnStepShape, params: GPUBuffer, hs: GPUBuffer, dh: GPUBuffer): Dispatch {
  return prepare(ctx, {
    label: 'rnnBackwardStep',
    code: backwardCode,
    constants: { H: s.H, B: s.B, T: s.T, RELU: s.relu },
    bindings: ['uniform', 'read', 'read', 'rw'],
    buffers: [ctx.uniform('rnnStep.offsets', packUniform([['u32', s.whh], ['u32', s.bhh]])), params, hs, dh],
    grid: [Math.ceil(s.H / WG), Math.ceil(s.B / ROWS_PER_INVOCATION)],
    stepped: true,
    entry: entry(s.H),
  });
}
