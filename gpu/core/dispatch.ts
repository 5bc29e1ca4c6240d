// A prepared dispatch: pipeline, bind group and grid, built once and encoded every step.

import type { GpuContext } from './context.ts';
import type { BindingKind } from './pipelines.ts';

export interface Dispatch {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  grid: [number, number, number];
}

export interface KernelSpec {
  label: string;
  code: string;
  constants?: Record<string, number | boolean>;
  bindings: readonly BindingKind[];
  buffers: readonly GPUBuffer[];
  grid: [number, number?, number?];
  /** Per-time-step kernels take the step index as group 1 (a dynamic uniform offset). */
  stepped?: boolean;
  /** Entry point, 'main' by default. */
  entry?: string;
}

export function prepare(ctx: GpuContext, spec: KernelSpec): Dispatch {
  const { x, y, z } = { x: spec.grid[0], y: spec.grid[1] ?? 1, z: spec.grid[2] ?? 1 };
  const max = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  if (x > max || y > max || z > max)
    throw new Error(`${spec.label}: grid ${x}x${y}x${z} exceeds maxComputeWorkgroupsPerDimension (${max}); use a smaller batch or sequence`);
  return {
    label: spec.label,
    pipeline: ctx.cache.pipeline(spec.label, spec.code, spec.entry ?? 'main', spec.constants ?? {}, spec.bindings, spec.stepped ?? false),
    bindGroup: ctx.bindGroup(spec.label, spec.bindings, spec.buffers),
    grid: [x, y, z],
  };
}

export function encode(pass: GPUComputePassEncoder, d: Dispatch): void {
  pass.setPipeline(d.pipeline);
  pass.setBindGroup(0, d.bindGroup);
  pass.dispatchWorkgroups(d.grid[0], d.grid[1], d.grid[2]);
}

/** Splits n workgroups over x and y so neither exceeds the per-dimension limit. */
export function grid1d(ctx: GpuContext, workgroups: number): [number, number] {
  const max = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  const x = Math.min(Math.max(workgroups, 1), max);
  return [x, Math.ceil(Math.max(workgroups, 1) / x)];
}
