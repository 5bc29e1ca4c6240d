// Model weights <-> safetensors, under PyTorch's parameter names, with the model config in
// __metadata__ so a file says what it is. Loading checks names, shapes and values against the
// model, so a file for another model is refused with the reason, never silently misread.

import { decodeSafetensors, encodeSafetensors, SafetensorsError, type TensorF32 } from './safetensors.ts';
import { parseModelConfig, type ModelConfig } from '../model/config.ts';
import { paramLayout, type ParamLayout } from '../model/params.ts';

export const CONFIG_KEY = 'rnnlab.config';
export const VOCAB_KEY = 'rnnlab.vocab';

export function encodeWeights(cfg: ModelConfig, flat: Float32Array, extra: Record<string, string> = {}): Uint8Array {
  const layout = paramLayout(cfg);
  const tensors: [string, TensorF32][] = layout.specs.map((s) => [s.name, { shape: s.shape, data: flat.slice(s.offset, s.offset + s.size) }]);
  return encodeSafetensors(tensors, { format: 'pt', [CONFIG_KEY]: JSON.stringify(cfg), ...extra });
}

export interface LoadedWeights {
  cfg: ModelConfig;
  /** Parameters in the flat layout of `cfg`. */
  params: Float32Array;
  metadata: Record<string, string>;
}

/**
 * Reads weights for `expected` (or for the config stored in the file when omitted).
 * Errors are SafetensorsError with the tensor's name.
 */
export function decodeWeights(bytes: Uint8Array, expected?: ModelConfig): LoadedWeights {
  const { tensors, metadata } = decodeSafetensors(bytes);
  let cfg = expected;
  if (!cfg) {
    const stored = metadata[CONFIG_KEY];
    if (stored === undefined)
      throw new SafetensorsError(`no "${CONFIG_KEY}" in __metadata__: the model config must be given to load this file`);
    let raw: unknown;
    try {
      raw = JSON.parse(stored);
    } catch {
      throw new SafetensorsError(`__metadata__ "${CONFIG_KEY}" is not valid JSON`);
    }
    try {
      cfg = parseModelConfig(raw);
    } catch (e) {
      throw new SafetensorsError(`__metadata__ "${CONFIG_KEY}" is not a valid model config: ${(e as Error).message}`);
    }
  }
  const params = paramsFromTensors(tensors, paramLayout(cfg));
  return { cfg, params, metadata };
}

/**
 * The flat parameters of `layout` from a file's tensors: every tensor there, none other, each of its
 * shape and finite (SafetensorsError naming the tensor otherwise). Allocated only after the checks:
 * every tensor is in the file at its full size, so a config (in the metadata, or the caller's) that
 * names a huge model cannot make the reader allocate more than the file holds.
 */
export function paramsFromTensors(tensors: Map<string, TensorF32>, layout: ParamLayout): Float32Array {
  const missing = layout.specs.filter((s) => !tensors.has(s.name)).map((s) => s.name);
  if (missing.length) throw new SafetensorsError(`missing tensor${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  for (const name of tensors.keys())
    if (!layout.byName.has(name)) throw new SafetensorsError(`unexpected tensor "${name}" (this model has ${layout.specs.map((s) => s.name).join(', ')})`);
  for (const spec of layout.specs) {
    const t = tensors.get(spec.name)!;
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i]))
      throw new SafetensorsError(`tensor "${spec.name}" has shape [${t.shape}], the model needs [${spec.shape}]`, { tensor: spec.name });
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new SafetensorsError(`tensor "${spec.name}" holds ${t.data[bad]} at element ${bad}: weights must be finite`, { tensor: spec.name });
  }
  const params = new Float32Array(layout.total);
  for (const spec of layout.specs) params.set(tensors.get(spec.name)!.data, spec.offset);
  return params;
}
