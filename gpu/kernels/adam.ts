import code from '../../shaders/adam.wgsl?raw';
import type { GpuContext } from '../context.ts';
import { grid1d, prepare, type Dispatch } from './dispatch.ts';
import type { AdamHyper } from '../reference/optim.ts';

/**
 * Adam over the flat buffers in one dispatch. The hyper-parameter uniform holds the bias
 * corrections of the step about to run; `writeHyper` sets them before that step's submit.
 */
export class AdamKernel {
  readonly dispatch: Dispatch;
  private hyperBuffer: GPUBuffer;
  private data = new ArrayBuffer(32);

  constructor(
    private ctx: GpuContext,
    readonly n: number,
    buffers: { params: GPUBuffer; grads: GPUBuffer; m: GPUBuffer; v: GPUBuffer },
  ) {
    this.hyperBuffer = ctx.createBuffer('adam.hyper', 32, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.dispatch = prepare(ctx, {
      label: 'adam',
      code,
      bindings: ['uniform', 'rw', 'read', 'rw', 'rw'],
      buffers: [this.hyperBuffer, buffers.params, buffers.grads, buffers.m, buffers.v],
      grid: grid1d(ctx, Math.ceil(n / 64)),
    });
  }

  /** Step counts from 1, as torch.optim.Adam's state['step'] after its increment. */
  writeHyper(h: AdamHyper, step: number): void {
    const view = new DataView(this.data);
    view.setUint32(0, this.n, true);
    view.setFloat32(4, h.beta1, true);
    view.setFloat32(8, h.beta2, true);
    view.setFloat32(12, h.eps, true);
    view.setFloat32(16, h.weightDecay, true);
    view.setFloat32(20, h.lr / (1 - h.beta1 ** step), true);
    view.setFloat32(24, Math.sqrt(1 - h.beta2 ** step), true);
    this.ctx.device.queue.writeBuffer(this.hyperBuffer, 0, this.data);
  }
}
