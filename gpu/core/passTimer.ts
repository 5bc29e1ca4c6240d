// The time one compute pass takes: from GPU timestamps written at the pass's start and end where the
// device has `timestamp-query` (what the kernels themselves took), else the wall clock from submit to
// onSubmittedWorkDone (submission and scheduling included). The step-kernel tuner's stopwatch.
import type { GpuContext } from './context.ts';

export class PassTimer {
  /** 'timestamps' where the device writes them, 'wall clock' otherwise. */
  readonly method: 'timestamps' | 'wall clock';
  private readonly querySet: GPUQuerySet | null = null;
  private readonly resolved: GPUBuffer | null = null;
  private readonly read: GPUBuffer | null = null;

  constructor(private readonly ctx: GpuContext) {
    this.method = ctx.device.features.has('timestamp-query') ? 'timestamps' : 'wall clock';
    if (this.method === 'timestamps') {
      this.querySet = ctx.device.createQuerySet({ label: 'pass timer', type: 'timestamp', count: 2 });
      this.resolved = ctx.createBuffer('pass timer resolve', 16, GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC);
      this.read = ctx.createBuffer('pass timer read', 16, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    }
  }

  /** Milliseconds the pass that `encode` fills takes; `before` encodes what must precede it (copies), untimed where timestamps are. */
  async time(label: string, encode: (pass: GPUComputePassEncoder) => void, before?: (encoder: GPUCommandEncoder) => void): Promise<number> {
    const { gpuMs, wallMs } = await this.measure(label, encode, before);
    return gpuMs ?? wallMs;
  }

  /** Both clocks: the GPU's (null without timestamps, or when it wrote none) and the wall clock from submit to done. */
  async measure(
    label: string,
    encode: (pass: GPUComputePassEncoder) => void,
    before?: (encoder: GPUCommandEncoder) => void,
  ): Promise<{ gpuMs: number | null; wallMs: number }> {
    const { device } = this.ctx;
    const start = performance.now();
    const encoder = device.createCommandEncoder({ label });
    before?.(encoder);
    const q = this.querySet;
    const pass = encoder.beginComputePass(q ? { timestampWrites: { querySet: q, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {});
    encode(pass);
    pass.end();
    if (q) {
      encoder.resolveQuerySet(q, 0, 2, this.resolved!, 0);
      encoder.copyBufferToBuffer(this.resolved!, 0, this.read!, 0, 16);
    }
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    const wallMs = performance.now() - start;
    if (!q) return { gpuMs: null, wallMs };
    await this.read!.mapAsync(GPUMapMode.READ);
    const [begin, end] = new BigUint64Array(this.read!.getMappedRange().slice(0));
    this.read!.unmap();
    const ms = Number(end - begin) / 1e6;
    // An implementation that writes no timestamps (zeros) or wraps: only the wall clock.
    return { gpuMs: ms > 0 && Number.isFinite(ms) ? ms : null, wallMs };
  }

  destroy(): void {
    this.querySet?.destroy();
    for (const b of [this.resolved, this.read]) if (b) this.ctx.destroyBuffer(b);
  }
}
