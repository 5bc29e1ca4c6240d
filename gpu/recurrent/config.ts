// The model config: what a user writes in a CLI config, a batch file or a notebook cell.
// Parsing is strict and every error names the field, so a typo never trains the wrong model.

import { ConfigError, field, intIn, isObject, noUnknownKeys, oneOf } from '../core/validate.ts';
import type { Loss } from '../data/batch.ts';

export type Nonlinearity = 'tanh' | 'relu';
export type InputSpec = { kind: 'tokens'; vocab: number } | { kind: 'real'; features: number };

export type Cell = 'rnn' | 'gru' | 'lstm';

export interface ModelConfig {
  cell: Cell;
  /** The Elman cell's activation; GRU and LSTM have their own (always 'tanh' for them). */
  nonlinearity: Nonlinearity;
  layers: number;
  hidden: number;
  input: InputSpec;
  /** Size of the head's output; defaults to the vocabulary for token inputs. */
  output: number;
  /** How the head's outputs are scored (gpu/data/batch.ts). */
  loss: Loss;
  /**
   * Each layer also reads every sequence backwards, as nn.RNN(bidirectional=True): its output at step
   * t is [forward h_t; reverse h_t] (2·hidden wide). Present only when true, so a unidirectional
   * config reads and is written as before.
   */
  bidirectional?: true;
}

export const MODEL_LIMITS = { hidden: 4096, layers: 8, vocab: 65536, features: 65536, output: 65536 } as const;

/** Gates per cell, in PyTorch's order: GRU [r, z, n], LSTM [i, f, g, o]. */
export const GATES: Record<Cell, number> = { rnn: 1, gru: 3, lstm: 4 };

export const MODEL_KEYS = ['cell', 'nonlinearity', 'layers', 'hidden', 'input', 'output', 'loss', 'bidirectional'] as const;

/** The choices and defaults of the model fields (the parser's, and what `rnnlab help` prints). */
export const CELLS = ['rnn', 'gru', 'lstm'] as const;
export const NONLINEARITIES = ['tanh', 'relu'] as const;
export const LOSSES = ['ce', 'mse', 'class', 'regress'] as const;
export const MODEL_DEFAULTS = { cell: 'rnn', nonlinearity: 'tanh', layers: 1, loss: 'ce' } as const;

/** Parses the model fields of `raw` (other keys are left to the caller to check). */
export function parseModelConfig(raw: unknown, path = ''): ModelConfig {
  if (!isObject(raw)) throw new ConfigError(path, 'must be an object');
  const cell = oneOf(raw.cell ?? MODEL_DEFAULTS.cell, field(path, 'cell'), CELLS);
  const nonlinearity = oneOf(raw.nonlinearity ?? MODEL_DEFAULTS.nonlinearity, field(path, 'nonlinearity'), NONLINEARITIES);
  if (cell !== 'rnn' && nonlinearity !== 'tanh')
    throw new ConfigError(field(path, 'nonlinearity'), `applies to cell "rnn" only (a ${cell.toUpperCase()} has fixed activations)`);
  const layers = intIn(raw.layers ?? MODEL_DEFAULTS.layers, field(path, 'layers'), 1, MODEL_LIMITS.layers);
  const hidden = intIn(raw.hidden, field(path, 'hidden'), 1, MODEL_LIMITS.hidden);
  const input = parseInput(raw.input, field(path, 'input'));
  const defaultOutput = input.kind === 'tokens' ? input.vocab : undefined;
  if (raw.output === undefined && defaultOutput === undefined) throw new ConfigError(field(path, 'output'), 'is required for real-valued inputs');
  const output = intIn(raw.output ?? defaultOutput, field(path, 'output'), 1, MODEL_LIMITS.output);
  const loss = oneOf(raw.loss ?? MODEL_DEFAULTS.loss, field(path, 'loss'), LOSSES);
  if (raw.bidirectional !== undefined && typeof raw.bidirectional !== 'boolean') throw new ConfigError(field(path, 'bidirectional'), 'must be true or false');
  return { cell, nonlinearity, layers, hidden, input, output, loss, ...(raw.bidirectional === true ? { bidirectional: true as const } : {}) };
}

function parseInput(raw: unknown, path: string): InputSpec {
  if (!isObject(raw)) throw new ConfigError(path, 'must be an object like {"kind":"tokens","vocab":65}');
  const kind = oneOf(raw.kind, field(path, 'kind'), ['tokens', 'real'] as const);
  if (kind === 'tokens') {
    noUnknownKeys(raw, path, ['kind', 'vocab']);
    return { kind, vocab: intIn(raw.vocab, field(path, 'vocab'), 1, MODEL_LIMITS.vocab) };
  }
  noUnknownKeys(raw, path, ['kind', 'features']);
  return { kind, features: intIn(raw.features, field(path, 'features'), 1, MODEL_LIMITS.features) };
}

/** Losses on each sequence's final state rather than on every step. */
export const perSequenceLoss = (cfg: ModelConfig): boolean => cfg.loss === 'class' || cfg.loss === 'regress';

/** Directions per layer: 2 for a bidirectional model, else 1. */
export const directions = (cfg: Pick<ModelConfig, 'bidirectional'>): 1 | 2 => (cfg.bidirectional ? 2 : 1);

/** Width of a layer's output (what the layer above and the head read): [forward; reverse] when bidirectional. */
export const outputWidth = (cfg: Pick<ModelConfig, 'bidirectional' | 'hidden'>): number => directions(cfg) * cfg.hidden;

/** PyTorch's parameter-name suffix of direction d of layer l: `_l0`, `_l0_reverse`. */
export const layerSuffix = (l: number, d: number): string => `_l${l}${d === 1 ? '_reverse' : ''}`;

export function inputSize(cfg: ModelConfig): number {
  return cfg.input.kind === 'tokens' ? cfg.input.vocab : cfg.input.features;
}
