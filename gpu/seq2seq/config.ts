// The encoder–decoder model config: what a user writes for a sequence-to-sequence task. Parsing is
// strict and every error names the field, as gpu/recurrent/config.ts's. The model itself is written
// down in reference.ts (the float64 specification).

import { ConfigError, field, intIn, isObject, oneOf } from '../core/validate.ts';
import { CELLS, MODEL_LIMITS, NONLINEARITIES, type Cell, type ModelConfig, type Nonlinearity } from '../recurrent/config.ts';

export type Attention = 'none' | 'dot' | 'general' | 'additive';
export const ATTENTIONS = ['none', 'dot', 'general', 'additive'] as const;

export interface Seq2SeqConfig {
  cell: Cell;
  /** The Elman cell's activation (encoder and decoder); always 'tanh' for a GRU or an LSTM. */
  nonlinearity: Nonlinearity;
  /** Layers of the encoder and of the decoder (the decoder's layer l starts from the encoder's layer l). */
  layers: number;
  /** Encoder width per direction, H; the decoder is D·H wide (D = 2 when bidirectional). */
  hidden: number;
  /** The encoder reads each source both ways (the decoder is always unidirectional). Present only when true. */
  bidirectional?: true;
  /** The shared source and target vocabulary, specials included (0 <pad>, 1 <bos>, 2 <eos>). */
  vocab: number;
  /** How the decoder scores the encoder outputs; 'none' is the plain encoder–decoder. */
  attention: Attention;
  /** Width A of the additive score's hidden layer; present only for 'additive' (default: hidden). */
  attentionSize?: number;
}

export const SEQ2SEQ_LIMITS = { layers: 4, hidden: MODEL_LIMITS.hidden, vocab: MODEL_LIMITS.vocab, attentionSize: MODEL_LIMITS.hidden } as const;
export const SEQ2SEQ_DEFAULTS = { cell: 'rnn', nonlinearity: 'tanh', layers: 1, attention: 'none' } as const;
export const SEQ2SEQ_KEYS = ['cell', 'nonlinearity', 'layers', 'hidden', 'bidirectional', 'vocab', 'attention', 'attentionSize'] as const;

/** Parses the model fields of `raw` (other keys are left to the caller to check, as parseModelConfig does). */
export function parseSeq2SeqConfig(raw: unknown, path = ''): Seq2SeqConfig {
  if (!isObject(raw)) throw new ConfigError(path, 'must be an object');
  const cell = oneOf(raw.cell ?? SEQ2SEQ_DEFAULTS.cell, field(path, 'cell'), CELLS);
  const nonlinearity = oneOf(raw.nonlinearity ?? SEQ2SEQ_DEFAULTS.nonlinearity, field(path, 'nonlinearity'), NONLINEARITIES);
  if (cell !== 'rnn' && nonlinearity !== 'tanh')
    throw new ConfigError(field(path, 'nonlinearity'), `applies to cell "rnn" only (a ${cell.toUpperCase()} has fixed activations)`);
  const layers = intIn(raw.layers ?? SEQ2SEQ_DEFAULTS.layers, field(path, 'layers'), 1, SEQ2SEQ_LIMITS.layers);
  const hidden = intIn(raw.hidden, field(path, 'hidden'), 1, SEQ2SEQ_LIMITS.hidden);
  if (raw.bidirectional !== undefined && typeof raw.bidirectional !== 'boolean') throw new ConfigError(field(path, 'bidirectional'), 'must be true or false');
  // ≥ 4: the three specials and at least one symbol.
  const vocab = intIn(raw.vocab, field(path, 'vocab'), 4, SEQ2SEQ_LIMITS.vocab);
  const attention = oneOf(raw.attention ?? SEQ2SEQ_DEFAULTS.attention, field(path, 'attention'), ATTENTIONS);
  if (raw.attentionSize !== undefined && attention !== 'additive')
    throw new ConfigError(field(path, 'attentionSize'), `applies to attention "additive" only (attention is "${attention}")`);
  const attentionSize =
    attention === 'additive' ? intIn(raw.attentionSize ?? hidden, field(path, 'attentionSize'), 1, SEQ2SEQ_LIMITS.attentionSize) : undefined;
  return {
    cell,
    nonlinearity,
    layers,
    hidden,
    ...(raw.bidirectional === true ? { bidirectional: true as const } : {}),
    vocab,
    attention,
    ...(attentionSize !== undefined ? { attentionSize } : {}),
  };
}

/** D: encoder directions. */
export const encoderDirections = (cfg: Seq2SeqConfig): 1 | 2 => (cfg.bidirectional ? 2 : 1);

/** W = D·H: the width of an encoder output, of the decoder's state, of the context and of h̃. */
export const modelWidth = (cfg: Seq2SeqConfig): number => encoderDirections(cfg) * cfg.hidden;

/**
 * The encoder and the decoder as recurrent stacks (gpu/recurrent/config.ts), so that their float64
 * reference is RecurrentReference's: one-hot token inputs over the shared vocabulary. Their `head`
 * and `loss` fields are placeholders the seq2seq model never uses (it has its own output layer).
 */
export function encoderConfig(cfg: Seq2SeqConfig): ModelConfig {
  const { cell, nonlinearity, layers, hidden, vocab } = cfg;
  return {
    cell,
    nonlinearity,
    layers,
    hidden,
    input: { kind: 'tokens', vocab },
    output: vocab,
    loss: 'ce',
    ...(cfg.bidirectional ? { bidirectional: true as const } : {}),
  };
}

export function decoderConfig(cfg: Seq2SeqConfig): ModelConfig {
  const { cell, nonlinearity, layers, vocab } = cfg;
  return { cell, nonlinearity, layers, hidden: modelWidth(cfg), input: { kind: 'tokens', vocab }, output: vocab, loss: 'ce' };
}
