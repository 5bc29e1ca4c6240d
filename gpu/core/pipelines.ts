// Pipelines and bind-group layouts, built once and shared. A pipeline is keyed by its WGSL source (for
// a kernel composed from fragments, the composed text: gpu/core/wgsl.ts) and its override constants,
// so two kernels with the same specialisation share one compile; a shader module by its source alone.
// Layouts are explicit (never 'auto'): an auto layout only fits the pipeline that made it and
// silently drops unused bindings.

import { checkKernelLimits, type PipelineLimits } from './limits.ts';

export type BindingKind = 'uniform' | 'read' | 'rw';

const bufferType: Record<BindingKind, GPUBufferBindingType> = {
  uniform: 'uniform',
  read: 'read-only-storage',
  rw: 'storage',
};

export class PipelineCache {
  private pipelines = new Map<string, GPUComputePipeline>();
  private layouts = new Map<string, GPUBindGroupLayout>();
  /** Group 1 of every per-time-step kernel: the step index, selected by a dynamic uniform offset. */
  readonly stepLayout: GPUBindGroupLayout;

  /** `limits`: what each new pipeline is checked against before it is made (default: the device's). */
  constructor(
    readonly device: GPUDevice,
    private readonly limits: PipelineLimits = device.limits,
  ) {
    this.stepLayout = device.createBindGroupLayout({
      label: 'step',
      entries: [{ binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } }],
    });
  }

  layout(kinds: readonly BindingKind[]): GPUBindGroupLayout {
    const key = kinds.join(',');
    let layout = this.layouts.get(key);
    if (!layout) {
      layout = this.device.createBindGroupLayout({
        label: key,
        entries: kinds.map((k, binding) => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: bufferType[k] } })),
      });
      this.layouts.set(key, layout);
    }
    return layout;
  }

  pipeline(
    label: string,
    code: string,
    entryPoint: string,
    constants: Record<string, number | boolean>,
    kinds: readonly BindingKind[],
    stepped: boolean,
  ): GPUComputePipeline {
    const numeric = Object.fromEntries(Object.entries(constants).map(([k, v]) => [k, Number(v)]));
    const key = `${code}\u0000${entryPoint}\u0000${JSON.stringify(numeric)}\u0000${kinds.join(',')}\u0000${stepped}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      // Refused here, before any dispatch, with the limit's name: the device would only report an
      // asynchronous validation error and the step would compute nothing.
      const storage = kinds.filter((k) => k !== 'uniform').length;
      const uniform = kinds.length - storage + (stepped ? 1 : 0);
      checkKernelLimits(this.limits, label, code, entryPoint, constants, { storage, uniform, groups: stepped ? 2 : 1, dynamicUniform: stepped ? 1 : 0 });
      const groups = stepped ? [this.layout(kinds), this.stepLayout] : [this.layout(kinds)];
      pipeline = this.device.createComputePipeline({
        label,
        layout: this.device.createPipelineLayout({ bindGroupLayouts: groups }),
        compute: { module: this.shaderModule(label, code), entryPoint, constants: numeric },
      });
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }

  private modules = new Map<string, GPUShaderModule>();
  private shaderModule(label: string, code: string): GPUShaderModule {
    let module = this.modules.get(code);
    if (!module) {
      module = this.device.createShaderModule({ label, code });
      this.modules.set(code, module);
    }
    return module;
  }

  get size(): number {
    return this.pipelines.size;
  }
}
