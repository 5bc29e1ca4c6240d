import { packUniform, type GpuContext } from '../core/context.ts';
import { grid1d, prepare, type Dispatch } from '../core/dispatch.ts';
import type { Loss } from '../data/batch.ts';
import { lossShaders } from './shaders.ts';

export interface LossBuffers {
  /** Head outputs, [rows, O]. */
  outputs: GPUBuffer;
  /** Class ids (u32, [rows]) or target vectors (f32, [rows, O]). */
  targets: GPUBuffer;
  rowLoss: GPUBuffer;
  /** dL/d(outputs), [rows, O]. */
  dOutputs: GPUBuffer;
  lengths: GPUBuffer;
  /** Per-batch uniform { lossScale: f32 }: 1 / the mean's denominator. */
  batchInfo: GPUBuffer;
}

/**
 * A per-row loss and its gradient in one pass, one invocation per row: softmax cross-entropy
 * ('ce' per step, 'class' per sequence) or squared error ('mse' per step, 'regress' per sequence).
 * Rows past a sequence's length get zero loss and gradient.
 */
export function rowLoss(ctx: GpuContext, s: { kind: Loss; rows: number; O: number; B: number }, b: LossBuffers): Dispatch {
  const squared = s.kind === 'mse' || s.kind === 'regress';
  return prepare(ctx, {
    label: squared ? 'mseLoss' : 'softmaxXent',
    code: squared ? lossShaders.mseLoss : lossShaders.softmaxXent,
    constants: { O: s.O, B: s.B, PER_STEP: s.kind === 'ce' || s.kind === 'mse' },
    bindings: ['uniform', 'read', 'read', 'rw', 'rw', 'read', 'uniform'],
    buffers: [ctx.uniform('loss.rows', packUniform([['u32', s.rows]])), b.outputs, b.targets, b.rowLoss, b.dOutputs, b.lengths, b.batchInfo],
    grid: grid1d(ctx, Math.ceil(s.rows / 64)),
  });
}
