import type { GpuContext } from './context.ts';

/** Copies the first `count` floats of a buffer to the CPU. For tests, tools and checkpoints, never inside a step. */
export async function readBuffer(ctx: GpuContext, buffer: GPUBuffer, count: number): Promise<Float32Array> {
  const bytes = count * 4;
  const staging = ctx.device.createBuffer({ size: Math.max(4, bytes), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = ctx.device.createCommandEncoder({ label: 'readBuffer' });
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
  ctx.device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0, bytes));
  staging.destroy();
  return out;
}
