import { packUniform, type GpuContext } from '../core/context.ts';
import { encode, grid1d, prepare, type Dispatch } from '../core/dispatch.ts';
import type { OptimizerConfig } from './config.ts';
import type { OptimizerSnapshot } from './state.ts';
import { optimizerShaders } from './shaders.ts';

const CHUNK = 1024;
const KIND = { sgd: 0, adam: 1, adamw: 2 } as const;

/** OptState in the shaders (shaders/optimizer/optState.wgsl): step, skipped, skippedTotal, scale, bc1, bc2Sqrt, norm, pad. */
export const OPT_STATE_BYTES = 32;

/**
 * The optimizer step as three dispatches with no CPU round trip: the gradient norm in fixed-order
 * chunks, a one-invocation pass that decides clip scale / skip / step count / bias corrections, and
 * the update over the flat buffers. `metrics` receives [_, gradNorm, skipped, step].
 */
export class OptimizerKernels {
  readonly m: GPUBuffer;
  readonly v: GPUBuffer;
  readonly state: GPUBuffer;
  private dispatches: Dispatch[];

  constructor(
    ctx: GpuContext,
    readonly cfg: OptimizerConfig,
    readonly n: number,
    b: { params: GPUBuffer; grads: GPUBuffer; metrics: GPUBuffer },
  ) {
    const chunks = Math.ceil(n / CHUNK);
    this.m = ctx.storage('optim.m', n * 4);
    this.v = ctx.storage('optim.v', cfg.kind === 'sgd' ? 4 : n * 4);
    this.state = ctx.storage('optim.state', OPT_STATE_BYTES);
    const partial = ctx.storage('optim.partial', chunks * 4);
    const settings = ctx.uniform(
      'optim.settings',
      packUniform([
        ['u32', n],
        ['u32', chunks],
        ['f32', cfg.clip],
        ['f32', cfg.beta1],
        ['f32', cfg.beta2],
      ]),
    );
    const normBindings = ['uniform', 'read', 'rw', 'rw', 'rw'] as const;
    const normBuffers = [settings, b.grads, partial, this.state, b.metrics];
    const hyper = packUniform([
      ['u32', n],
      ['f32', cfg.lr],
      ['f32', cfg.beta1],
      ['f32', cfg.beta2],
      ['f32', cfg.eps],
      ['f32', cfg.weightDecay],
      ['f32', cfg.momentum],
      ['f32', cfg.dampening],
    ]);
    this.dispatches = [
      prepare(ctx, {
        label: 'gradNorm.partials',
        code: optimizerShaders.gradNorm,
        entry: 'partials',
        bindings: normBindings,
        buffers: normBuffers,
        grid: [Math.ceil(chunks / 64)],
      }),
      prepare(ctx, { label: 'gradNorm.finish', code: optimizerShaders.gradNorm, entry: 'finish', bindings: normBindings, buffers: normBuffers, grid: [1] }),
      prepare(ctx, {
        label: `optimizer.${cfg.kind}`,
        code: optimizerShaders.update,
        constants: { KIND: KIND[cfg.kind], NESTEROV: cfg.nesterov },
        bindings: ['uniform', 'rw', 'read', 'rw', 'rw', 'read'],
        buffers: [ctx.uniform('optim.hyper', hyper), b.params, b.grads, this.m, this.v, this.state],
        grid: grid1d(ctx, Math.ceil(n / 64)),
      }),
    ];
  }

  encode(pass: GPUComputePassEncoder): void {
    for (const d of this.dispatches) encode(pass, d);
  }

  /**
   * The weights and this optimizer's moments and step count copied in one command buffer, so all
   * belong to the same step even while training goes on (separate reads could straddle a step).
   * For checkpoints, never inside a step.
   */
  async readWithParams(ctx: GpuContext, params: GPUBuffer): Promise<{ params: Float32Array; optimizer: OptimizerSnapshot }> {
    const n = this.n;
    const sgd = this.cfg.kind === 'sgd';
    const parts = [params, this.m, ...(sgd ? [] : [this.v])];
    const bytes = n * 4;
    const staging = ctx.device.createBuffer({ size: parts.length * bytes + 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = ctx.device.createCommandEncoder({ label: 'checkpoint' });
    parts.forEach((b, i) => encoder.copyBufferToBuffer(b, 0, staging, i * bytes, bytes));
    encoder.copyBufferToBuffer(this.state, 0, staging, parts.length * bytes, 16);
    ctx.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const all = staging.getMappedRange().slice(0);
    staging.destroy();
    const floats = (i: number) => new Float32Array(all, i * bytes, n);
    const state = new Uint32Array(all, parts.length * bytes, 4);
    return { params: floats(0), optimizer: { step: state[0], skippedTotal: state[2], m: floats(1), v: sgd ? new Float32Array(0) : floats(2) } };
  }

  /** Puts back the moments and step count (Adam's bias corrections go on from there). */
  writeState(ctx: GpuContext, s: OptimizerSnapshot): void {
    const n = this.n;
    if (s.m.length !== n || (this.cfg.kind !== 'sgd' && s.v.length !== n))
      throw new Error(`optimizer state must hold ${n} values per moment in the flat layout`);
    const q = ctx.device.queue;
    q.writeBuffer(this.state, 0, new Uint32Array([s.step, 0, s.skippedTotal]));
    q.writeBuffer(this.m, 0, s.m);
    if (this.cfg.kind !== 'sgd') q.writeBuffer(this.v, 0, s.v);
  }

  get dispatchCount(): number {
    return this.dispatches.length;
  }
}
