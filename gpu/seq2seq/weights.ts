// Encoder–decoder weights <-> safetensors, under the parameter names of params.ts (encoder.*,
// decoder.*, attention.*, combine.*, out.*: the state_dict of scripts/seq2seq_parity.py's module),
// with the model config under `rnnlab.config` ({"kind": "seq2seq", …}, as a tree model's says
// {"kind": "tree", …}) and the vocabulary (a JSON list of symbols, the 3 specials first) under
// `rnnlab.vocab` in __metadata__. Loading is strict, as for the other families: a file of another
// family, of another seq2seq model, missing or unexpected tensors, wrong shapes and non-finite values
// are refused with the reason.

import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../io/safetensors.ts';
import { paramsFromTensors, tensorsOf } from '../io/tensors.ts';
import { decodeLayoutOptimizerState, encodeLayoutOptimizerState, type OptimizerSnapshot } from '../optimizer/state.ts';
import type { OptimizerConfig } from '../optimizer/config.ts';
import { isObject } from '../core/validate.ts';
import { parseSeq2SeqConfig, SEQ2SEQ_KEYS, type Seq2SeqConfig } from './config.ts';
import { paramLayout } from './params.ts';

export const SEQ2SEQ_CONFIG_KEY = 'rnnlab.config';
export const SEQ2SEQ_VOCAB_KEY = 'rnnlab.vocab';
/** `kind` in the stored config: what tells a seq2seq file from a recurrent model's (no kind) or a tree model's ("tree"). */
export const SEQ2SEQ_KIND = 'seq2seq';

const storedConfig = (cfg: Seq2SeqConfig) => JSON.stringify({ kind: SEQ2SEQ_KIND, ...cfg });

export function encodeSeq2SeqWeights(cfg: Seq2SeqConfig, flat: Float32Array, vocabulary?: readonly string[], extra: Record<string, string> = {}): Uint8Array {
  if (vocabulary && vocabulary.length !== cfg.vocab) throw new Error(`encodeSeq2SeqWeights: ${vocabulary.length} symbols for a model of vocab ${cfg.vocab}`);
  const meta: Record<string, string> = { format: 'pt', [SEQ2SEQ_CONFIG_KEY]: storedConfig(cfg), ...extra };
  if (vocabulary) meta[SEQ2SEQ_VOCAB_KEY] = JSON.stringify(vocabulary);
  return encodeSafetensors(tensorsOf(paramLayout(cfg), flat), meta);
}

export interface LoadedSeq2SeqWeights {
  cfg: Seq2SeqConfig;
  /** Parameters in the flat layout of `cfg`. */
  params: Float32Array;
  /** The vocabulary stored with the weights (specials first), if any. */
  vocabulary: string[] | null;
  metadata: Record<string, string>;
}

/** The stored config, checked to be a seq2seq model's (SafetensorsError otherwise); null when the file has none. */
function configOf(metadata: Record<string, string>): Seq2SeqConfig | null {
  const stored = metadata[SEQ2SEQ_CONFIG_KEY];
  if (stored === undefined) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(stored);
  } catch {
    throw new SafetensorsError(`__metadata__ "${SEQ2SEQ_CONFIG_KEY}" is not valid JSON`);
  }
  const kind = isObject(raw) ? raw.kind : undefined;
  if (kind !== SEQ2SEQ_KIND)
    throw new SafetensorsError(
      kind === 'tree'
        ? 'these are a tree model\'s weights ("kind": "tree" in __metadata__ "rnnlab.config"), not an encoder–decoder\'s: use them with --tree'
        : kind === undefined
          ? `these are a sequence model's weights (__metadata__ "${SEQ2SEQ_CONFIG_KEY}" has no "kind": "${SEQ2SEQ_KIND}"), not an encoder–decoder's: use them without --seq2seq`
          : `__metadata__ "${SEQ2SEQ_CONFIG_KEY}" is of a model of kind ${JSON.stringify(kind)}, not an encoder–decoder ("${SEQ2SEQ_KIND}")`,
    );
  const fields = raw as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => k !== 'kind' && !(SEQ2SEQ_KEYS as readonly string[]).includes(k));
  if (unknown.length) throw new SafetensorsError(`__metadata__ "${SEQ2SEQ_CONFIG_KEY}" has unknown fields ${unknown.join(', ')}`);
  try {
    return parseSeq2SeqConfig(fields);
  } catch (e) {
    throw new SafetensorsError(`__metadata__ "${SEQ2SEQ_CONFIG_KEY}" is not a valid encoder–decoder config: ${(e as Error).message}`);
  }
}

/** `field: saved → here` for every field where two configs differ. */
function configDifferences(saved: Seq2SeqConfig, here: Seq2SeqConfig): string[] {
  const show = (v: unknown) => (v === undefined ? '(none)' : JSON.stringify(v));
  return SEQ2SEQ_KEYS.filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(here[k])).map(
    (k) => `${k} ${show(saved[k])} (saved) → ${show(here[k])} (here)`,
  );
}

/**
 * Reads weights for `expected` (or for the config stored in the file when omitted). A stored config
 * must be a seq2seq model's and, with `expected`, the same model (every difference listed). Errors are
 * SafetensorsError.
 */
export function decodeSeq2SeqWeights(bytes: Uint8Array, expected?: Seq2SeqConfig): LoadedSeq2SeqWeights {
  const { tensors, metadata } = decodeSafetensors(bytes);
  const fromFile = configOf(metadata);
  if (fromFile && expected) {
    const diff = configDifferences(fromFile, expected);
    if (diff.length) throw new SafetensorsError(`the weights were saved for another encoder–decoder: ${diff.join('; ')}`);
  }
  const cfg = expected ?? fromFile;
  if (!cfg) throw new SafetensorsError(`no "${SEQ2SEQ_CONFIG_KEY}" in __metadata__: the model config must be given to load this file`);
  let vocabulary: string[] | null = null;
  if (metadata[SEQ2SEQ_VOCAB_KEY] !== undefined) {
    try {
      const v = JSON.parse(metadata[SEQ2SEQ_VOCAB_KEY]);
      if (!Array.isArray(v) || !v.every((t) => typeof t === 'string')) throw new Error();
      vocabulary = v;
    } catch {
      throw new SafetensorsError(`__metadata__ "${SEQ2SEQ_VOCAB_KEY}" must be a JSON list of symbols`);
    }
    if (vocabulary.length !== cfg.vocab)
      throw new SafetensorsError(`__metadata__ "${SEQ2SEQ_VOCAB_KEY}" holds ${vocabulary.length} symbols; the model's vocab is ${cfg.vocab}`);
  }
  const params = paramsFromTensors(tensors, paramLayout(cfg));
  return { cfg, params, vocabulary, metadata };
}

/**
 * An encoder–decoder's optimizer state (gpu/optimizer/state.ts): torch.optim's names
 * (`exp_avg.encoder.weight_ih_l0`, …), the optimizer and step count in __metadata__.
 */
export function encodeSeq2SeqOptimizerState(cfg: Seq2SeqConfig, o: OptimizerConfig, s: OptimizerSnapshot): Uint8Array {
  return encodeLayoutOptimizerState(paramLayout(cfg), { [SEQ2SEQ_CONFIG_KEY]: storedConfig(cfg) }, o, s);
}

/** Reads optimizer state saved for the same model and optimizer kind; anything else is refused with the reason. */
export function decodeSeq2SeqOptimizerState(bytes: Uint8Array, cfg: Seq2SeqConfig, o: OptimizerConfig): OptimizerSnapshot {
  return decodeLayoutOptimizerState(bytes, paramLayout(cfg), o);
}
