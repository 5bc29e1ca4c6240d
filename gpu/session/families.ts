// Which family trains a config: a tree config (`kind: 'tree'`) the tree family, an encoder-decoder
// config (`kind: 'seq2seq'`) the seq2seq family, any other the recurrent one, on the GPU or, without
// WebGPU, on the CPU (where tree and encoder-decoder models are refused).

import type { GpuContext } from '../core/context.ts';
import type { BufferLimits } from '../recurrent/memory.ts';
import type { SessionFamily } from './family.ts';
import { isSeq2SeqConfig, isTreeConfig, type AnySessionConfig, type CorpusName, type KernelTuning } from './protocol.ts';
import { recurrentFamily } from './recurrent.ts';
import { buildRecurrentCpuRun } from './recurrentCpuRun.ts';
import { buildRecurrentGpuRun } from './recurrentGpuRun.ts';
import { seq2seqFamily, type Seq2SeqFamilyOptions } from './seq2seq.ts';
import { treeFamily, type TreeFamilyOptions } from './tree.ts';

export interface FamilyOptions extends TreeFamilyOptions, Seq2SeqFamilyOptions {
  /** The device; null: the CPU fallback (recurrent models only, on the float64 reference). */
  gpu: GpuContext | null;
  /** The text of a bundled corpus (the worker entry fetches it; tests pass a string). */
  loadCorpus?: (name: CorpusName) => Promise<string>;
  /** Limits to plan buffers against instead of the device's (tests inject tiny ones); on the CPU 1 GiB each by default. */
  limits?: Partial<BufferLimits>;
  /** When the step kernels are measured (default 'auto': on GPUs, not on a CPU adapter). */
  kernelTuning?: KernelTuning;
}

type AnyFamily = SessionFamily<AnySessionConfig, unknown>;

const CPU_LIMIT = 1 << 30;
const noCorpus = (name: CorpusName) => Promise.reject(new Error(`no corpus "${name}" here`));

/** Why a config cannot train without WebGPU (tree and encoder-decoder models), or null when it can. */
export function gpuOnly(config: AnySessionConfig): string | null {
  if (isTreeConfig(config)) return 'tree models train on the GPU only, and WebGPU is not available here.';
  if (isSeq2SeqConfig(config)) return 'encoder-decoder models train on the GPU only, and WebGPU is not available here.';
  return null;
}

/** The families of one session's options, made once, so a family is the same object from one config to the next. */
export function families(o: FamilyOptions): (config: AnySessionConfig) => AnyFamily {
  const { gpu } = o;
  const limits: BufferLimits = {
    maxStorageBufferBindingSize: o.limits?.maxStorageBufferBindingSize ?? gpu?.limits.maxStorageBufferBindingSize ?? CPU_LIMIT,
    maxBufferSize: o.limits?.maxBufferSize ?? gpu?.limits.maxBufferSize ?? CPU_LIMIT,
  };
  const recurrent = recurrentFamily({
    loadCorpus: o.loadCorpus ?? noCorpus,
    limits,
    device: gpu ? 'gpu' : 'cpu',
    build: gpu ? (c, d, p, h) => buildRecurrentGpuRun(gpu, c, d, p, h, o.kernelTuning) : buildRecurrentCpuRun,
  }) as AnyFamily;
  const tree = gpu ? (treeFamily(gpu, o) as AnyFamily) : null;
  const seq2seq = gpu ? (seq2seqFamily(gpu, limits, o) as AnyFamily) : null;
  return (config) => {
    const family = isTreeConfig(config) ? tree : isSeq2SeqConfig(config) ? seq2seq : recurrent;
    if (!family) throw new Error(gpuOnly(config)!);
    return family;
  };
}
