// The recurrent family as a session trains it (family.ts): its data from a SessionConfig
// (recurrentData.ts), its weights and optimizer state as PyTorch-named safetensors, character
// sampling, and a run on the GPU (recurrentGpuRun.ts) or on the CPU (recurrentCpuRun.ts). Both runs
// answer alike: the GPU run is the spec, the CPU one the fallback without WebGPU.

import { sampleChars } from '../recurrent/generate.ts';
import type { BufferLimits } from '../recurrent/memory.ts';
import { paramLayout } from '../recurrent/params.ts';
import { decodeOptimizerState, decodeWeights, encodeOptimizerState, encodeWeights, VOCAB_KEY } from '../recurrent/weights.ts';
import type { Run, RunHooks, SessionFamily } from './family.ts';
import type { CorpusName, SessionConfig } from './protocol.ts';
import { prepareRecurrentData, type RecurrentData } from './recurrentData.ts';
import { refuseOtherFamily } from './weightsKind.ts';

export interface RecurrentFamilyOptions {
  /** The text of a bundled corpus (the worker entry fetches it; tests pass a string). */
  loadCorpus: (name: CorpusName) => Promise<string>;
  /** The buffer limits a config is planned against; whose they are (a GPU's, or the CPU fallback's) goes into refusals. */
  limits: BufferLimits;
  device: 'gpu' | 'cpu';
  build(config: SessionConfig, data: RecurrentData, params: Float32Array | null, hooks: RunHooks): Promise<Run>;
}

export function recurrentFamily(o: RecurrentFamilyOptions): SessionFamily<SessionConfig, RecurrentData> {
  return {
    prepare: (config) => prepareRecurrentData(config, o.loadCorpus, o.limits, o.device),
    sameWeights: (a, b) => {
      const [x, y] = [paramLayout(a.model).specs, paramLayout(b.model).specs];
      return x.length === y.length && x.every((s, i) => s.name === y[i].name && s.shape.join() === y[i].shape.join());
    },
    build: o.build,
    configured: (data, run) => {
      const { model, vocab, stepLabels, baseline } = data;
      const paramCount = paramLayout(model).specs.reduce((n, s) => n + s.size, 0);
      return { type: 'configured', model, paramCount, vocabulary: vocab ? vocab.chars.slice() : null, stepLabels, baseline, kernels: run.kernels ?? null };
    },
    readWeights: (bytes, data, imported) => {
      refuseOtherFamily(bytes, 'recurrent');
      const w = decodeWeights(bytes, data.model);
      const vocab = w.metadata[VOCAB_KEY];
      if (imported && vocab !== undefined && data.vocab && vocab !== data.metadata[VOCAB_KEY])
        throw new Error('they were trained on a text with other characters (the vocabulary differs)');
      return w.params;
    },
    writeWeights: (data, params, extra) => encodeWeights(data.model, params, { ...data.metadata, ...extra }),
    readOptimizer: (bytes, data, o) => decodeOptimizerState(bytes, data.model, o),
    writeOptimizer: (data, o, s) => encodeOptimizerState(data.model, o, s),
    sample: async (config, data, readParams, { prompt, temperature, length, seed }) => {
      const vocab = data.vocab;
      if (!vocab) return { error: `Sampling is for character models; the task "${config.dataset.name}" is not one.` };
      if (!(Number.isInteger(length) && length >= 1 && length <= 100_000))
        return { error: `Sample length must be an integer between 1 and 100000, got ${length}.` };
      if (!(temperature > 0 && Number.isFinite(temperature))) return { error: `Sample temperature must be a positive number, got ${temperature}.` };
      // Characters outside the vocabulary are dropped; an empty prompt is a newline (or the first character).
      const used =
        Array.from(prompt)
          .filter((c) => vocab.chars.includes(c))
          .join('') || (vocab.chars.includes('\n') ? '\n' : vocab.chars[0]);
      const ids = sampleChars(data.model, await readParams(), vocab.encode(used), length, temperature, seed);
      return { prompt: used, text: vocab.decode(ids) };
    },
  };
}
