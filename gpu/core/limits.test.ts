// Limits checked before any dispatch, with tiny injected limits (no GPU needed): the kernels' own
// WGSL read for workgroup sizes and workgroup storage, pipelines refused with the limit's name and
// the largest setting that fits, and bindings checked against their binding limits.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkKernelLimits, evalInt, kernelRequirements, KernelLimitError, type PipelineLimits } from './limits.ts';
import { PipelineCache } from './pipelines.ts';
import { GpuContext, GpuLimitError } from './context.ts';
import { globals } from 'webgpu';
import { composeWgsl } from './wgsl.ts';
import { lossShaders, stepShaders } from '../recurrent/shaders.ts';
import { levelShaders, treeLossShader } from '../tree/shaders.ts';
import { optimizerShaders } from '../optimizer/shaders.ts';

Object.assign(globalThis, globals); // GPUBufferUsage and friends, without a device

const SHADERS = join(__dirname, '../../shaders');
const shader = (name: string) => readFileSync(join(SHADERS, name), 'utf8');
/** name → code of every kernel composed from fragments. */
const flat = (family: Record<string, Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(family).flatMap(([cell, k]) => Object.entries(k).map(([kind, code]) => [`${cell} ${kind}`, code])));

const DEFAULTS: PipelineLimits = {
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 256,
  maxComputeWorkgroupSizeZ: 64,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupStorageSize: 16384,
  maxStorageBuffersPerShaderStage: 8,
  maxUniformBuffersPerShaderStage: 12,
  maxBindGroups: 4,
  maxDynamicUniformBuffersPerPipelineLayout: 8,
};
const none = { storage: 2, uniform: 1, groups: 1, dynamicUniform: 0 };

describe('reading a kernel’s requirements from its WGSL', () => {
  it('sumRows: a 64 × 4 workgroup and 1 KiB of workgroup storage', () => {
    expect(kernelRequirements(shader('common/sumRows.wgsl'), 'main', {})).toEqual({ workgroupSize: [64, 4, 1], workgroupBytes: 1024 });
  });

  it('every kernel of the project is understood (each entry point’s workgroup size is known), composed or a file of its own', () => {
    const composed = Object.entries({ ...flat(stepShaders), ...lossShaders, ...flat(levelShaders), treeLoss: treeLossShader, ...optimizerShaders });
    const kernels = [...composed];
    for (const file of readdirSync(SHADERS, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.wgsl'))) {
      const code = shader(file);
      // A fragment, or a kernel's own part, is checked in the kernels composed from it; every file is one or a kernel.
      if (composed.some(([, k]) => k.includes(code))) continue;
      expect(code, `${file} is neither in a composed kernel nor a kernel`).toMatch(/@compute/);
      kernels.push([file, code]);
    }
    expect(kernels.length).toBeGreaterThanOrEqual(38); // 33 composed, 5 files of their own
    for (const [name, code] of kernels) {
      const entries = [...code.matchAll(/@compute[^f]*fn\s+(\w+)/g)].map((m) => m[1]);
      expect(entries.length, `${name}: one entry point or more`).toBeGreaterThan(0);
      for (const entry of entries) {
        const r = kernelRequirements(code, entry, { H: 32, B: 8, T: 4, V: 10, O: 10 });
        expect(r.workgroupSize, `${name} ${entry}`).not.toBeNull();
        expect(r.workgroupBytes, `${name} ${entry}`).not.toBeNull();
        // What the default limits allow, they allow.
        expect(() => checkKernelLimits(DEFAULTS, `${name}:${entry}`, code, entry, { H: 32, B: 8, T: 4, V: 10, O: 10 }, none)).not.toThrow();
      }
    }
  });

  it('composed kernels: the sequence kernel’s workgroup storage grows with hidden and the rows per workgroup', () => {
    expect(kernelRequirements(stepShaders.lstm.forwardSeq, 'main', { H: 32, B: 8, T: 4, R: 8, WG: 32 })).toEqual({
      workgroupSize: [32, 1, 1],
      workgroupBytes: 2 * 8 * 32 * 4,
    });
    expect(kernelRequirements(stepShaders.gru.forwardStep, 'main', { H: 32, B: 8, TB: 4, WG: 16 })).toEqual({ workgroupSize: [16, 1, 1], workgroupBytes: 0 });
  });

  it('composed kernels: the tiled step kernels stage [rows][33] of h and each unit’s gates (a vec3 is 16 bytes), and KS slices’ sums', () => {
    const tile = { H: 64, B: 32, T: 4, BM: 16, UT: 16, TM: 4, KS: 2, WG: 128 };
    // rowTile 16·33 f32, wTile 16·33 vec3 (stride 16), partial 2·16·16 vec3.
    expect(kernelRequirements(stepShaders.gru.forwardTile, 'main', tile)).toEqual({
      workgroupSize: [128, 1, 1],
      workgroupBytes: 16 * 33 * 4 + 16 * 33 * 16 + 2 * 16 * 16 * 16,
    });
    // rowTile 16·33, wTile 32·16, partial 2·16·16, all f32.
    expect(kernelRequirements(stepShaders.lstm.backwardTile, 'main', tile).workgroupBytes).toBe(16 * 33 * 4 + 32 * 16 * 4 + 2 * 16 * 16 * 4);
  });

  it('a fragment included twice is refused', () => {
    expect(() => composeWgsl('fn a() {}', 'fn b() {}', 'fn a() {}')).toThrow(/included twice/);
    expect(composeWgsl('fn a() {}', 'fn b() {}')).toBe('fn a() {}\nfn b() {}');
  });

  it('overrides, consts, expressions, vectors, arrays of structs-free types; only variables the entry point reaches', () => {
    const code = `
      const TILE: u32 = 16u;
      override H: u32;
      override WG: u32 = 32;
      var<workgroup> a: array<vec4<f32>, TILE * 2u>;      // 32 × 16 = 512
      var<workgroup> b: array<f32, H>;                      // 4H (rounded to 16)
      var<workgroup> unused: array<f32, 4096>;              // only other() uses it
      var<workgroup> c: vec3f;                              // 12 → 16
      fn helper() { b[0] = 1.0; }
      fn other() { unused[0] = 1.0; }
      @compute @workgroup_size(WG, (TILE / 4u) - 2u, 1) fn main() { a[0] = vec4f(); helper(); c = vec3f(); }
      @compute @workgroup_size(8) fn second() { other(); }`;
    expect(kernelRequirements(code, 'main', { H: 100 })).toEqual({ workgroupSize: [32, 2, 1], workgroupBytes: 512 + 400 + 16 });
    expect(kernelRequirements(code, 'main', { H: 100, WG: 64 }).workgroupSize).toEqual([64, 2, 1]);
    expect(kernelRequirements(code, 'second', {})).toEqual({ workgroupSize: [8, 1, 1], workgroupBytes: 16384 });
    // Unknown: no figure, so no refusal from here (the device's own validation still applies).
    expect(kernelRequirements('struct S { x: f32 } var<workgroup> s: S; @compute @workgroup_size(f(2)) fn main() { s.x = 1.0; }', 'main', {})).toEqual({
      workgroupSize: null,
      workgroupBytes: null,
    });
    expect(evalInt('0x10u * (3 + 1) % 7', new Map())).toBe(1);
    expect(evalInt('1 / 0', new Map())).toBeNull();
  });
});

describe('kernels over the device’s limits are refused before their pipeline is made', () => {
  it('too many invocations: names the limit, what the kernel needs; a fixed size cannot fit at any setting', () => {
    const e = (() => {
      try {
        checkKernelLimits({ ...DEFAULTS, maxComputeInvocationsPerWorkgroup: 128 }, 'sumRows', shader('common/sumRows.wgsl'), 'main', {}, none);
      } catch (err) {
        return err as KernelLimitError;
      }
    })()!;
    expect(e).toBeInstanceOf(KernelLimitError);
    expect(e.limit).toBe('maxComputeInvocationsPerWorkgroup');
    expect(e.message).toBe(
      "sumRows: needs invocations per workgroup: 256, more than this GPU's maxComputeInvocationsPerWorkgroup (128). It does not depend on the model settings: this GPU cannot run this kernel.",
    );
  });

  it('workgroup storage that grows with hidden: the largest hidden that fits', () => {
    const code = 'override H: u32; var<workgroup> h: array<vec4f, H>; @compute @workgroup_size(64) fn main() { h[0] = vec4f(); }';
    expect(() => checkKernelLimits({ ...DEFAULTS, maxComputeWorkgroupStorageSize: 16384 }, 'tiled step', code, 'main', { H: 2000, B: 4 }, none)).toThrow(
      "tiled step: needs bytes of workgroup storage: 32000, more than this GPU's maxComputeWorkgroupStorageSize (16384). At the other settings, hidden ≤ 1024 fits.",
    );
    expect(() => checkKernelLimits(DEFAULTS, 'tiled step', code, 'main', { H: 1024 }, none)).not.toThrow();
  });

  it('per-axis sizes and binding counts', () => {
    expect(() => checkKernelLimits({ ...DEFAULTS, maxComputeWorkgroupSizeY: 2 }, 'sumRows', shader('common/sumRows.wgsl'), 'main', {}, none)).toThrow(
      /maxComputeWorkgroupSizeY \(2\)/,
    );
    expect(() => checkKernelLimits(DEFAULTS, 'k', shader('common/sumRows.wgsl'), 'main', {}, { storage: 9, uniform: 1, groups: 1, dynamicUniform: 0 })).toThrow(
      /k: needs storage buffers: 9, more than this GPU's maxStorageBuffersPerShaderStage \(8\)/,
    );
  });

  it('PipelineCache checks before it asks the device for the pipeline', () => {
    const made: string[] = [];
    const device = {
      limits: { ...DEFAULTS, maxComputeWorkgroupStorageSize: 512 },
      createBindGroupLayout: () => ({}),
      createPipelineLayout: () => ({}),
      createShaderModule: () => ({}),
      createComputePipeline: (d: { label: string }) => (made.push(d.label), {}),
    } as unknown as GPUDevice;
    const cache = new PipelineCache(device);
    expect(() => cache.pipeline('sumRows', shader('common/sumRows.wgsl'), 'main', {}, ['uniform', 'read', 'rw'], false)).toThrow(KernelLimitError);
    expect(made).toEqual([]);
    const roomy = new PipelineCache({ ...device, limits: DEFAULTS } as unknown as GPUDevice);
    roomy.pipeline('sumRows', shader('common/sumRows.wgsl'), 'main', {}, ['uniform', 'read', 'rw'], false);
    expect(made).toEqual(['sumRows']);
  });
});

describe('buffers and bindings against injected limits', () => {
  const fakeDevice = (limits: Partial<GPUSupportedLimits>) =>
    ({
      limits: {
        ...DEFAULTS,
        maxBufferSize: 1 << 30,
        maxStorageBufferBindingSize: 1 << 27,
        maxUniformBufferBindingSize: 65536,
        maxComputeWorkgroupsPerDimension: 65535,
        ...limits,
      },
      lost: new Promise(() => {}),
      addEventListener: () => {},
      createBindGroupLayout: () => ({}),
      createBindGroup: () => ({}),
      createBuffer: (d: { size: number; label: string }) => ({ size: d.size, label: d.label, destroy: () => {} }),
    }) as unknown as GPUDevice;

  it('a buffer over maxBufferSize or a storage buffer over maxStorageBufferBindingSize is refused at creation', () => {
    const ctx = new GpuContext(fakeDevice({}), { name: 'fake', backend: 'none' }, { limits: { maxStorageBufferBindingSize: 1024, maxBufferSize: 4096 } });
    expect(() => ctx.storage('activations', 2048)).toThrow(new GpuLimitError('maxStorageBufferBindingSize', 1024, 2048, 'activations'));
    expect(() => ctx.createBuffer('staging', 8192, GPUBufferUsage.MAP_READ)).toThrow(/maxBufferSize/);
    expect(ctx.buffers).toBe(0);
  });

  it('a binding over its binding limit is refused when its bind group is made', () => {
    const ctx = new GpuContext(fakeDevice({}), { name: 'fake', backend: 'none' }, { limits: { maxUniformBufferBindingSize: 256 } });
    const big = { size: 512, label: 'dims' } as GPUBuffer;
    expect(() => ctx.bindGroup('step', ['uniform'], [big])).toThrow(
      /step \(binding 0, dims\) needs 512 bytes, more than this GPU's maxUniformBufferBindingSize \(256 bytes\)/,
    );
  });
});
