// The per-dispatch floor: what one more tiny compute dispatch costs on this device, measured as the
// slope of (N dispatches in one command buffer, submitted and awaited) over N. Each dispatch writes
// to the buffer the previous one wrote, as consecutive time steps do, so none can be skipped or
// reordered. Reported for dispatches in one compute pass and for one pass per dispatch.

import type { GpuContext } from '../gpu/core/context.ts';
import { withNodeDevice } from '../gpu/core/device.node.ts';

const SHADER = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> v: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
  v[g.x] = v[g.x] * 0.5 + 1.0;
}`;

export interface DispatchFloor {
  /** µs per dispatch, all in one compute pass. */
  onePass: number;
  /** µs per dispatch, each in its own compute pass. */
  passEach: number;
  /** µs for an empty submit + wait. */
  submit: number;
}

export async function measureDispatchFloor(ctx: GpuContext, n = 2000, rounds = 7): Promise<DispatchFloor> {
  const { device } = ctx;
  const module = device.createShaderModule({ code: SHADER });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const buffer = device.createBuffer({ size: 64 * 4, usage: GPUBufferUsage.STORAGE });
  const bind = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer } }] });
  const time = async (count: number, passEach: boolean): Promise<number> => {
    const encoder = device.createCommandEncoder();
    let pass: GPUComputePassEncoder | null = null;
    for (let i = 0; i < count; i++) {
      if (!pass || passEach) {
        pass?.end();
        pass = encoder.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bind);
      }
      pass.dispatchWorkgroups(1);
    }
    pass?.end();
    const commands = encoder.finish();
    const t0 = performance.now();
    device.queue.submit([commands]);
    await device.queue.onSubmittedWorkDone();
    return (performance.now() - t0) * 1000;
  };
  const median = async (count: number, passEach: boolean) => {
    await time(count, passEach); // warm-up
    const ts: number[] = [];
    for (let r = 0; r < rounds; r++) ts.push(await time(count, passEach));
    return ts.sort((a, b) => a - b)[rounds >> 1];
  };
  const empty = await median(0, false);
  const result = { onePass: ((await median(n, false)) - empty) / n, passEach: ((await median(n, true)) - empty) / n, submit: empty };
  buffer.destroy();
  return result;
}

/** `npm run bench:dispatch-floor`: this machine's floor in Node (Dawn), as one JSON line. */
export async function main(): Promise<number> {
  await withNodeDevice(async (ctx) => {
    const f = await measureDispatchFloor(ctx);
    console.log(JSON.stringify({ adapter: ctx.adapter.name, ...Object.fromEntries(Object.entries(f).map(([k, v]) => [`${k}_us`, Number(v.toFixed(2))])) }));
  });
  return 0;
}
