// Tree-model weights <-> safetensors: embedding.weight, tree.weight, tree.bias, head.weight,
// head.bias (see config.ts for shapes and the Tree-LSTM's gate blocks), with the model config under
// `rnnlab.config` ({"kind": "tree", …}) and the vocabulary (a JSON list of tokens) under
// `rnnlab.vocab` in __metadata__. Loading is strict, as for the recurrent models: missing or
// unexpected tensors, wrong shapes and non-finite values are refused with the tensor's name.

import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../io/safetensors.ts';
import { treeConfigFromJson, treeParamLayout, type TreeModelConfig } from './config.ts';
import { decodeLayoutOptimizerState, encodeLayoutOptimizerState, type OptimizerSnapshot } from '../optimizer/state.ts';
import { paramsFromTensors, tensorsOf } from '../io/tensors.ts';
import type { OptimizerConfig } from '../optimizer/config.ts';

export const TREE_CONFIG_KEY = 'rnnlab.config';
export const TREE_VOCAB_KEY = 'rnnlab.vocab';

export function encodeTreeWeights(cfg: TreeModelConfig, flat: Float32Array, tokens?: readonly string[], extra: Record<string, string> = {}): Uint8Array {
  const meta: Record<string, string> = { format: 'pt', [TREE_CONFIG_KEY]: JSON.stringify({ kind: 'tree', ...cfg }), ...extra };
  if (tokens) meta[TREE_VOCAB_KEY] = JSON.stringify(tokens);
  return encodeSafetensors(tensorsOf(treeParamLayout(cfg), flat), meta);
}

export interface LoadedTreeWeights {
  cfg: TreeModelConfig;
  params: Float32Array;
  /** The vocabulary stored with the weights, if any. */
  tokens: string[] | null;
  metadata: Record<string, string>;
}

/** Reads weights for `expected` (or for the config stored in the file). Errors are SafetensorsError. */
export function decodeTreeWeights(bytes: Uint8Array, expected?: TreeModelConfig): LoadedTreeWeights {
  const { tensors, metadata } = decodeSafetensors(bytes);
  let cfg = expected;
  const stored = metadata[TREE_CONFIG_KEY];
  if (stored !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(stored);
    } catch {
      throw new SafetensorsError(`__metadata__ "${TREE_CONFIG_KEY}" is not valid JSON`);
    }
    if (typeof raw !== 'object' || raw === null || (raw as { kind?: unknown }).kind !== 'tree')
      throw new SafetensorsError(`__metadata__ "${TREE_CONFIG_KEY}" is not a tree model's config (a recurrent model's weights?)`);
    let fromFile: TreeModelConfig;
    try {
      fromFile = treeConfigFromJson(raw);
    } catch (e) {
      throw new SafetensorsError(`__metadata__ "${TREE_CONFIG_KEY}" is not a valid tree model config: ${(e as Error).message}`);
    }
    if (cfg) {
      for (const k of ['cell', 'heads'] as const)
        if (fromFile[k] !== cfg[k])
          throw new SafetensorsError(`the weights were saved for ${k} ${JSON.stringify(fromFile[k])}, the model here has ${JSON.stringify(cfg[k])}`);
    } else cfg = fromFile;
  }
  if (!cfg) throw new SafetensorsError(`no "${TREE_CONFIG_KEY}" in __metadata__: the model config must be given to load this file`);
  let tokens: string[] | null = null;
  if (metadata[TREE_VOCAB_KEY] !== undefined) {
    try {
      const v = JSON.parse(metadata[TREE_VOCAB_KEY]);
      if (!Array.isArray(v) || !v.every((t) => typeof t === 'string')) throw new Error();
      tokens = v;
    } catch {
      throw new SafetensorsError(`__metadata__ "${TREE_VOCAB_KEY}" must be a JSON list of tokens`);
    }
  }
  const params = paramsFromTensors(tensors, treeParamLayout(cfg));
  return { cfg, params, tokens, metadata };
}

/**
 * A tree model's optimizer state, as gpu/io/optimizerState.ts writes a recurrent model's: torch.optim's
 * names (`exp_avg.tree.weight`, …), the optimizer and step count in __metadata__.
 */
export function encodeTreeOptimizerState(cfg: TreeModelConfig, o: OptimizerConfig, s: OptimizerSnapshot): Uint8Array {
  return encodeLayoutOptimizerState(treeParamLayout(cfg), { [TREE_CONFIG_KEY]: JSON.stringify({ kind: 'tree', ...cfg }) }, o, s);
}

/** Reads optimizer state saved for the same tree model and optimizer kind; anything else is refused with the reason. */
export function decodeTreeOptimizerState(bytes: Uint8Array, cfg: TreeModelConfig, o: OptimizerConfig): OptimizerSnapshot {
  return decodeLayoutOptimizerState(bytes, treeParamLayout(cfg), o);
}
