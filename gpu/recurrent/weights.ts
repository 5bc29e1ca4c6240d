// Model weights <-> safetensors, under PyTorch's parameter names, with the model config in
// __metadata__ so a file says what it is. Loading checks names, shapes and values against the
// model, so a file for another model is refused with the reason, never silently misread.

import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../io/safetensors.ts';
import { paramsFromTensors, tensorsOf } from '../io/tensors.ts';
import { decodeLayoutOptimizerState, encodeLayoutOptimizerState, type OptimizerSnapshot } from '../optimizer/state.ts';
import type { OptimizerConfig } from '../optimizer/config.ts';
import { parseModelConfig, type ModelConfig } from './config.ts';
import { paramLayout } from './params.ts';

export const CONFIG_KEY = 'rnnlab.config';
export const VOCAB_KEY = 'rnnlab.vocab';

export function encodeWeights(cfg: ModelConfig, flat: Float32Array, extra: Record<string, string> = {}): Uint8Array {
  return encodeSafetensors(tensorsOf(paramLayout(cfg), flat), { format: 'pt', [CONFIG_KEY]: JSON.stringify(cfg), ...extra });
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
    if (stored === undefined) throw new SafetensorsError(`no "${CONFIG_KEY}" in __metadata__: the model config must be given to load this file`);
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

/** A recurrent model's optimizer state (gpu/optimizer/state.ts), with the model config in __metadata__. */
export function encodeOptimizerState(cfg: ModelConfig, o: OptimizerConfig, s: OptimizerSnapshot): Uint8Array {
  return encodeLayoutOptimizerState(paramLayout(cfg), { [CONFIG_KEY]: JSON.stringify(cfg) }, o, s);
}

/** Reads optimizer state saved for the same model and optimizer kind; anything else is refused with the reason. */
export function decodeOptimizerState(bytes: Uint8Array, cfg: ModelConfig, o: OptimizerConfig): OptimizerSnapshot {
  return decodeLayoutOptimizerState(bytes, paramLayout(cfg), o);
}
