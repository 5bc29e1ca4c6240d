// Optimizer settings, with torch.optim's names and defaults. Parsed strictly: a field that does not
// belong to the chosen optimizer is an error, not silently ignored.

import { ConfigError, field, isObject, noUnknownKeys, numberIn, oneOf } from '../core/validate.ts';

export type OptimizerKind = 'sgd' | 'adam' | 'adamw';

export interface OptimizerConfig {
  kind: OptimizerKind;
  lr: number;
  /** L2 penalty added to the gradient (SGD, Adam) or decoupled decay of the weights (AdamW). */
  weightDecay: number;
  /** SGD */
  momentum: number;
  dampening: number;
  nesterov: boolean;
  /** Adam, AdamW */
  beta1: number;
  beta2: number;
  eps: number;
  /** clip_grad_norm_'s max_norm; 0 = no clipping. */
  clip: number;
}

export const OPTIMIZER_DEFAULTS: Record<OptimizerKind, OptimizerConfig> = {
  sgd: { kind: 'sgd', lr: 0.01, weightDecay: 0, momentum: 0, dampening: 0, nesterov: false, beta1: 0.9, beta2: 0.999, eps: 1e-8, clip: 0 },
  adam: { kind: 'adam', lr: 1e-3, weightDecay: 0, momentum: 0, dampening: 0, nesterov: false, beta1: 0.9, beta2: 0.999, eps: 1e-8, clip: 0 },
  adamw: { kind: 'adamw', lr: 1e-3, weightDecay: 0.01, momentum: 0, dampening: 0, nesterov: false, beta1: 0.9, beta2: 0.999, eps: 1e-8, clip: 0 },
};

/** The fields each optimizer takes. */
export const OPTIMIZER_KEYS: Record<OptimizerKind, (keyof OptimizerConfig)[]> = {
  sgd: ['kind', 'lr', 'weightDecay', 'momentum', 'dampening', 'nesterov'],
  adam: ['kind', 'lr', 'weightDecay', 'beta1', 'beta2', 'eps'],
  adamw: ['kind', 'lr', 'weightDecay', 'beta1', 'beta2', 'eps'],
};

export function optimizer(partial: Partial<OptimizerConfig> & { kind?: OptimizerKind } = {}): OptimizerConfig {
  return { ...OPTIMIZER_DEFAULTS[partial.kind ?? 'adam'], ...partial };
}

export function parseOptimizerConfig(raw: unknown, path = 'optimizer'): OptimizerConfig {
  if (raw === undefined) return optimizer();
  if (!isObject(raw)) throw new ConfigError(path, 'must be an object like {"kind":"adam","lr":0.001}');
  const kind = oneOf(raw.kind ?? 'adam', field(path, 'kind'), ['sgd', 'adam', 'adamw'] as const);
  noUnknownKeys(raw, path, OPTIMIZER_KEYS[kind]);
  const d = OPTIMIZER_DEFAULTS[kind];
  const num = (k: keyof OptimizerConfig, min: number, max: number) => numberIn(raw[k] ?? d[k], field(path, k), min, max);
  const nesterov = raw.nesterov ?? false;
  if (typeof nesterov !== 'boolean') throw new ConfigError(field(path, 'nesterov'), 'must be true or false');
  const cfg: OptimizerConfig = {
    kind,
    lr: num('lr', 0, 10),
    weightDecay: num('weightDecay', 0, 10),
    momentum: num('momentum', 0, 1),
    dampening: num('dampening', 0, 1),
    nesterov,
    beta1: num('beta1', 0, 0.999999),
    beta2: num('beta2', 0, 0.999999),
    eps: num('eps', 0, 1),
    clip: 0, // set by the caller: clipping is a training setting beside the optimizer (as in PyTorch)
  };
  if (cfg.nesterov && (cfg.momentum <= 0 || cfg.dampening !== 0))
    throw new ConfigError(field(path, 'nesterov'), 'needs a momentum and zero dampening (as torch.optim.SGD)');
  return cfg;
}
