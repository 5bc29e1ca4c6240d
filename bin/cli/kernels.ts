// `rnnlab train --kernels`: which step kernels a sequence run uses. By default the device's tuned
// choice (measured once per adapter and shape, kept in ~/.cache/rnnlab/step-kernels.json; a CPU
// adapter keeps its CPU-shaped kernels), a resumed run the kernels its weights record (so it sums in
// the same order and continues with the same losses), or the kernels named.
import type { GpuContext } from '../../gpu/core/context.ts';
import type { ModelConfig } from '../../gpu/recurrent/config.ts';
import { fileKernelCache } from '../../gpu/recurrent/kernelCache.node.ts';
import { parseStepKernels, runnableOn } from '../../gpu/recurrent/stepVariants.ts';
import { chooseStepKernels, unmeasured, type KernelCache, type KernelChoice } from '../../gpu/recurrent/tuner.ts';
import { CliError } from './errors.ts';

/** Where the weights a run saves record its step kernels. */
export const KERNELS_KEY = 'rnnlab.step_kernels';

/** `option`: --kernels (auto, tune, or names); `recorded`: what a resumed run's weights say. */
export async function stepKernelsFor(
  ctx: GpuContext,
  cfg: ModelConfig,
  T: number,
  B: number,
  option: string | undefined,
  recorded: string | undefined,
): Promise<KernelChoice> {
  const named = (spec: string, what: string, source: 'recorded' | 'given'): KernelChoice => {
    try {
      // Recorded kernels run on any device (runnableOn); named ones as named, or refused.
      const kernels = parseStepKernels(spec);
      return unmeasured(source === 'recorded' ? runnableOn(ctx.device, kernels) : kernels, source);
    } catch (e) {
      throw new CliError(`${what}: ${(e as Error).message}`);
    }
  };
  if (option === undefined && recorded) return named(recorded, `the resumed weights' ${KERNELS_KEY}`, 'recorded');
  if (option === undefined || option === 'auto' || option === 'tune') {
    const cache = fileKernelCache();
    // "tune" measures now (even on a CPU adapter) and keeps the result; it does not read an older one.
    const writeOnly: KernelCache = { get: async () => undefined, set: cache.set };
    return chooseStepKernels(ctx, cfg, T, B, option === 'tune' ? { tune: 'always', cache: writeOnly } : { cache });
  }
  return named(option, '--kernels', 'given');
}
