// GpuContext: one GPUDevice with its pipeline cache and an account of what was allocated.
// Everything in gpu/ takes a context, never a global, so a tab, a worker and Node run the same code.

import { PipelineCache, type BindingKind } from './pipelines.ts';

/** The device limits every buffer, binding and pipeline is checked against (before anything is dispatched). */
export type DeviceLimits = Pick<
  GPUSupportedLimits,
  | 'maxBufferSize'
  | 'maxStorageBufferBindingSize'
  | 'maxUniformBufferBindingSize'
  | 'maxComputeWorkgroupSizeX'
  | 'maxComputeWorkgroupSizeY'
  | 'maxComputeWorkgroupSizeZ'
  | 'maxComputeInvocationsPerWorkgroup'
  | 'maxComputeWorkgroupStorageSize'
  | 'maxComputeWorkgroupsPerDimension'
  | 'maxStorageBuffersPerShaderStage'
  | 'maxUniformBuffersPerShaderStage'
  | 'maxBindGroups'
  | 'maxDynamicUniformBuffersPerPipelineLayout'
>;

export interface AdapterDescription {
  name: string;
  backend: string;
  /** A CPU implementation of WebGPU (SwiftShader, lavapipe, WARP): the step kernels are shaped for it. */
  cpu?: boolean;
}

/** A buffer larger than the device allows: refused before anything is created or dispatched. */
export class GpuLimitError extends Error {
  constructor(
    readonly limit: string,
    readonly value: number,
    readonly requested: number,
    label: string,
  ) {
    super(
      `${label} needs ${formatBytes(requested)}, more than this GPU's ${limit} (${formatBytes(value)}); use a smaller batch, sequence, hidden or output size`,
    );
    this.name = 'GpuLimitError';
  }
}

const formatBytes = (n: number) => (n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${n} bytes`);

export class GpuContext {
  readonly cache: PipelineCache;
  /** Live buffers and their bytes: the bench checks that a training step allocates nothing. */
  buffers = 0;
  bytes = 0;

  /** Validation and out-of-memory errors nobody scoped: a GPU test asserts this stays empty. */
  readonly errors: string[] = [];
  /** Set when the device is lost; every later result is void. */
  lostReason: string | null = null;

  /** The device's limits, or lower ones given for tests (`options.limits`): what every check uses. */
  readonly limits: DeviceLimits;

  constructor(
    readonly device: GPUDevice,
    readonly adapter: AdapterDescription,
    options: { limits?: Partial<DeviceLimits> } = {},
  ) {
    const l = device.limits;
    this.limits = {
      maxBufferSize: l.maxBufferSize,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxUniformBufferBindingSize: l.maxUniformBufferBindingSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
      maxComputeWorkgroupSizeZ: l.maxComputeWorkgroupSizeZ,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxUniformBuffersPerShaderStage: l.maxUniformBuffersPerShaderStage,
      maxBindGroups: l.maxBindGroups,
      maxDynamicUniformBuffersPerPipelineLayout: l.maxDynamicUniformBuffersPerPipelineLayout,
      ...options.limits,
    };
    this.cache = new PipelineCache(device, this.limits);
    device.addEventListener('uncapturederror', (e) => {
      this.errors.push((e as GPUUncapturedErrorEvent).error.message);
    });
    void device.lost.then((info) => {
      this.lostReason = `${info.reason}: ${info.message}`;
    });
  }

  private recording: GPUBuffer[] | null = null;

  createBuffer(label: string, bytes: number, usage: GPUBufferUsageFlags): GPUBuffer {
    // Zero-length buffers are legal but cannot be bound; round up to one vec4.
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    // Checked here, where every buffer is made: WebGPU would only raise an asynchronous validation
    // error, and the step would silently compute nothing.
    const { limits } = this;
    if (size > limits.maxBufferSize) throw new GpuLimitError('maxBufferSize', limits.maxBufferSize, size, label);
    if (usage & GPUBufferUsage.STORAGE && size > limits.maxStorageBufferBindingSize)
      throw new GpuLimitError('maxStorageBufferBindingSize', limits.maxStorageBufferBindingSize, size, label);
    const buffer = this.device.createBuffer({ label, size, usage });
    this.buffers++;
    this.bytes += size;
    this.recording?.push(buffer);
    return buffer;
  }

  /**
   * Runs `build` and returns the buffers it created, so their owner can free them together. If
   * `build` throws (a limit, say), what it had created is freed before the error goes on.
   */
  owning<T>(build: () => T): { value: T; buffers: GPUBuffer[] } {
    const outer = this.recording;
    const buffers: GPUBuffer[] = [];
    this.recording = buffers;
    try {
      const value = build();
      outer?.push(...buffers);
      return { value, buffers };
    } catch (e) {
      for (const b of buffers) this.destroyBuffer(b);
      throw e;
    } finally {
      this.recording = outer;
    }
  }

  storage(label: string, bytes: number, extraUsage: GPUBufferUsageFlags = 0): GPUBuffer {
    return this.createBuffer(label, bytes, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | extraUsage);
  }

  /** A uniform buffer holding `data`, written once at creation. */
  uniform(label: string, data: ArrayBuffer): GPUBuffer {
    const buffer = this.createBuffer(label, data.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  }

  destroyBuffer(buffer: GPUBuffer): void {
    this.buffers--;
    this.bytes -= buffer.size;
    buffer.destroy();
  }

  bindGroup(label: string, kinds: readonly BindingKind[], buffers: readonly GPUBuffer[]): GPUBindGroup {
    // Every binding against its limit (whole buffers are bound).
    buffers.forEach((buffer, i) => {
      const limit = kinds[i] === 'uniform' ? 'maxUniformBufferBindingSize' : 'maxStorageBufferBindingSize';
      if (buffer.size > this.limits[limit])
        throw new GpuLimitError(limit, this.limits[limit], buffer.size, `${label} (binding ${i}, ${buffer.label || 'a buffer'})`);
    });
    return this.device.createBindGroup({
      label,
      layout: this.cache.layout(kinds),
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
  }
}

/** Packs a uniform struct of u32 and f32 fields, in declaration order. */
export function packUniform(fields: readonly (readonly ['u32' | 'f32', number])[]): ArrayBuffer {
  const data = new ArrayBuffer(Math.max(16, Math.ceil((fields.length * 4) / 16) * 16));
  const view = new DataView(data);
  fields.forEach(([type, value], i) => {
    if (type === 'u32') view.setUint32(i * 4, value, true);
    else view.setFloat32(i * 4, value, true);
  });
  return data;
}
