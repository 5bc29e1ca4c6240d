// Device acquisition in a browser tab or a Web Worker. Node uses device.node.ts, which shares
// requestDeviceFrom below; keeping the `webgpu` package out of this file keeps it out of the bundle.

import { GpuContext } from './context.ts';

export class WebGpuUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebGpuUnavailableError';
  }
}

/** The limits a trainer wants raised to what the adapter can give (the worker reports them to the page). */
export const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxStorageBuffersPerShaderStage',
] as const;

export function describeAdapter(adapter: GPUAdapter): string {
  const info = adapter.info;
  const parts = [info?.vendor, info?.architecture, info?.device, info?.description].filter((s) => s && s.length > 0);
  return parts.length ? [...new Set(parts)].join(' / ') : 'unknown adapter';
}

/** A CPU implementation of WebGPU: the fallback adapter, or one whose name says so (Dawn reports SwiftShader as a plain adapter). */
export function isCpuImplementation(adapter: GPUAdapter, name: string): boolean {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return !!info?.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe|microsoft basic render|\bwarp\b|\bcpu\b/i.test(name);
}

/**
 * Optional features a trainer uses where the adapter has them: GPU timestamps time the step-kernel
 * candidates (gpu/recurrent/tuner.ts), subgroups add the K slices' partial sums in registers.
 */
export const WANTED_FEATURES = ['timestamp-query', 'subgroups'] as const;

export async function requestDeviceFrom(adapter: GPUAdapter, backend: string): Promise<GpuContext> {
  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f)) as GPUFeatureName[];
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  const name = describeAdapter(adapter);
  return new GpuContext(device, { name, backend, cpu: isCpuImplementation(adapter, `${name} ${backend}`) });
}

export async function requestBrowserDevice(): Promise<GpuContext> {
  if (typeof navigator === 'undefined' || !('gpu' in navigator) || !navigator.gpu)
    throw new WebGpuUnavailableError(
      'This browser does not expose WebGPU (navigator.gpu is missing). Use a recent Chrome, Edge or Firefox, ' + 'served over https or from localhost.',
    );
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new WebGpuUnavailableError('WebGPU is present but no GPU adapter is available (it may be disabled or blocklisted).');
  return requestDeviceFrom(adapter, 'browser');
}
