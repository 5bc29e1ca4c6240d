// The decoder's forward pass when it reads its own predictions: at each target step where the
// teacher-forcing mask is 0 its input is the argmax of its logits at the step before (reference.ts),
// so its steps cannot all run before the readout as under full teacher forcing. Here, on the GPU and
// in the step's one compute pass, for u = 0 … U−1:
//
//   every decoder layer's step u (RecurrentStack.encodeForwardStep) → the top state of step u
//   (stepState.wgsl) → its logits over the prepared memory (readoutGpu.ts stepLogits) → the input of
//   step u+1: the teacher's token or that argmax, by the mask (feedBack.wgsl)
//
// then the inputs, now known only on the GPU, grouped by token for W_ih's gradient (groupTokens.wgsl).
// The readout then runs over all steps as usual and the backward is the teacher-forced one's: no
// gradient flows through the choice of a token. No readback: the choices never leave the GPU.

import stepStateCode from '../../shaders/seq2seq/stepState.wgsl?raw';
import feedBackCode from '../../shaders/seq2seq/feedBack.wgsl?raw';
import type { GpuContext } from '../core/context.ts';
import { encode, prepare, type Dispatch } from '../core/dispatch.ts';
import type { RecurrentStack } from '../recurrent/stack.ts';
import { groupTokens } from '../recurrent/groupTokens.ts';
import { stepLogits, type PreparedMemory, type ReadoutShape } from './readoutGpu.ts';

export interface FreeRunningBuffers {
  params: GPUBuffer;
  offset: (name: string) => number;
  sourceLengths: GPUBuffer;
  /** What the readout's memory dispatches prepare (null for attention 'none'). */
  prepared: PreparedMemory | null;
}

export class FreeRunningDecoder {
  /** mask [U·B] (u32; 1 = teacher-forced) and the teacher-forced inputs [U·B]: written by the owner's upload. */
  readonly mask: GPUBuffer;
  readonly teacher: GPUBuffer;
  private stepState: Dispatch;
  private readout: Dispatch[];
  private feedBack: Dispatch;
  private group: Dispatch;

  constructor(
    ctx: GpuContext,
    private decoder: RecurrentStack,
    shape: Omit<ReadoutShape, 'U'>,
    buf: FreeRunningBuffers,
  ) {
    const { B, W, V } = shape;
    const U = decoder.T;
    if (decoder.cfg.hidden !== W) throw new Error(`FreeRunningDecoder: the decoder is ${decoder.cfg.hidden} wide, the readout ${W}`);
    const input = decoder.input[0];
    const top = decoder.layers.at(-1)!.buffers.hs;
    this.mask = ctx.storage('decoder.teacherMask', U * B * 4);
    this.teacher = ctx.storage('decoder.teacherInputs', U * B * 4);
    const states = ctx.storage('decoder.stepStates', B * W * 4);
    this.stepState = prepare(ctx, {
      label: 'decoder.stepState',
      code: stepStateCode,
      constants: { B, W },
      bindings: ['read', 'rw'],
      buffers: [top, states],
      grid: [Math.ceil(W / 64), B],
      stepped: true,
    });
    const step = stepLogits(ctx, shape, { ...buf, states });
    this.readout = step.forward;
    this.feedBack = prepare(ctx, {
      label: 'decoder.feedBack',
      code: feedBackCode,
      constants: { B, U, V },
      bindings: ['read', 'read', 'read', 'read', 'rw'],
      buffers: [decoder.lengths, this.mask, this.teacher, step.logits, input.tokens!],
      grid: [Math.ceil(B / 64)],
      stepped: true,
    });
    this.group = groupTokens(
      ctx,
      { V: decoder.cfg.input.kind === 'tokens' ? decoder.cfg.input.vocab : 0, rows: U * B },
      input.tokens!,
      input.tokOffsets!,
      input.tokRows!,
    );
  }

  /** The decoder's forward over all U steps, feeding back its predictions where the mask says, then its inputs grouped by token. */
  encodeForward(pass: GPUComputePassEncoder): void {
    const U = this.decoder.T;
    for (let u = 0; u < U; u++) {
      this.decoder.encodeForwardStep(pass, u);
      if (u === U - 1) break; // no step after the last to choose an input for
      this.encodeStepped(pass, this.stepState, u);
      for (const d of this.readout) encode(pass, d);
      this.encodeStepped(pass, this.feedBack, u);
    }
    encode(pass, this.group);
  }

  private encodeStepped(pass: GPUComputePassEncoder, d: Dispatch, t: number): void {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    this.decoder.bindStep(pass, t);
    pass.dispatchWorkgroups(d.grid[0], d.grid[1], d.grid[2]);
  }

  /** Dispatches encodeForward adds to the decoder's usual forward: per step, the choice and (above layer 0) T−1 more projections. */
  get dispatchCount(): number {
    const U = this.decoder.T;
    const projections = this.decoder.layers.filter((l) => l.stepProjects).length * (U - 1);
    return (U - 1) * (2 + this.readout.length) + 1 + projections;
  }
}
