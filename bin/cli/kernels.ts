// `rnnlab train --kernels`: which step kernels a sequence run uses. By default the device's tuned
// choice (measured once per adapter and shape, kept in ~/.cache/rnnlab/step-kernels.json; a CPU
// adapter keeps its CPU-shaped kernels), a resumed run the kernels its weights record (so it sums in
// the same order and continues with the same losses), or the kernels named.
import type { GpuContext } from '../../gpu/core/context.ts';
import type { ModelConfig } from '../../gpu/recurrent/config.ts';
import { fileKernelCache } from '../../gpu/recurrent/kernelCache.node.ts';
import { parseStepKernels, runnableOn, stepKernelsName, type StepKernels } from '../../gpu/recurrent/stepVariants.ts';
import { chooseStepKernels, type KernelCache } from '../../gpu/recurrent/tuner.ts';
import { CliError } from './errors.ts';

/** Where the weights a run saves record its step kernels. */
export const KERNELS_KEY = 'rnnlab.step_kernels';

export interface CliKernels {
  kernels: StepKernels;
  name: string;
  /** How they were chosen: the tuner's 'default' / 'cache' / 'measured', or 'recorded' (a resume), 'given' (--kernels). */
  source: string;
  tookMs: number;
}

/** `option`: --kernels (auto, tune, or names); `recorded`: what a resumed run's weights say. */
export async function stepKernelsFor(
  ctx: GpuContext,
  cfg: ModelConfig,
  T: number,
  B: number,
  option: string | undefined,
  recorded: string | undefined,
): Promise<CliKernels> {
  const named = (spec: string, what: string, source: string): CliKernels => {
    try {
      // Recorded kernels run on any device (runnableOn); named ones as named, or refused.
      const kernels = source === 'recorded' ? runnableOn(ctx.device, parseStepKernels(spec)) : parseStepKernels(spec);
      return { kernels, name: stepKernelsName(kernels), source, tookMs: 0 };
    } catch (e) {
      throw new CliError(`${what}: ${(e as Error).message}`);
    }
  };
  if (option === undefined && recorded) return named(recorded, `the resumed weights' ${KERNELS_KEY}`, 'recorded');
  if (option === undefined || option === 'auto' || option === 'tune') {
    const cache = fileKernelCache();
    // "tune" measures now (even on a CPU adapter) and keeps the result; it does not read an older one.
    const writeOnly: KernelCache = { get: async () => undefined, set: cache.set };
    const c = await chooseStepKernels(ctx, cfg, T, B, option === 'tune' ? { tune: 'always', cache: writeOnly } : { cache });
    return { kernels: c.kernels, name: c.name, source: c.source, tookMs: c.tookMs };
  }
  return named(option, '--kernels', 'given');
}
