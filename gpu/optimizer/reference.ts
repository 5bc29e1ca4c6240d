// Float64 references of the optimizer step, with torch.optim's semantics, and of
// torch.nn.utils.clip_grad_norm_. The GPU's kernels (shaders/optimizer/gradNorm.wgsl and
// optimizer.wgsl) are held to these.

import type { OptimizerConfig } from './config.ts';

type F64 = Float64Array;

export interface OptimizerState {
  /** Steps taken (torch's state['step']). */
  step: number;
  /** Adam's exp_avg, or SGD's momentum_buffer. */
  m: F64;
  /** Adam's exp_avg_sq. */
  v: F64;
}

export function newOptimizerState(n: number): OptimizerState {
  return { step: 0, m: new Float64Array(n), v: new Float64Array(n) };
}

/** clip_grad_norm_(max_norm): the total 2-norm and the factor min(1, max/(norm + 1e-6)) (1 if max is 0). */
export function clipScale(g: F64, maxNorm: number): { norm: number; scale: number } {
  const norm = Math.sqrt(g.reduce((s, x) => s + x * x, 0));
  return { norm, scale: maxNorm > 0 ? Math.min(1, maxNorm / (norm + 1e-6)) : 1 };
}

/**
 * One step in place: clip, then SGD / Adam / AdamW. A non-finite gradient norm skips the step
 * (parameters, state and step count unchanged) and returns false.
 */
export function optimizerStep(p: F64, grads: F64, s: OptimizerState, o: OptimizerConfig): boolean {
  const { norm, scale } = clipScale(grads, o.clip);
  if (!Number.isFinite(norm)) return false;
  const step = ++s.step;
  const { m, v } = s;
  for (let i = 0; i < p.length; i++) {
    let g = grads[i] * scale;
    if (o.kind === 'sgd') {
      let d = g + o.weightDecay * p[i];
      if (o.momentum !== 0) {
        m[i] = step === 1 ? d : o.momentum * m[i] + (1 - o.dampening) * d;
        d = o.nesterov ? d + o.momentum * m[i] : m[i];
      }
      p[i] -= o.lr * d;
      continue;
    }
    if (o.kind === 'adamw') p[i] *= 1 - o.lr * o.weightDecay;
    else g += o.weightDecay * p[i];
    m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
    v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
    const bc1 = 1 - o.beta1 ** step;
    const bc2 = 1 - o.beta2 ** step;
    p[i] -= ((o.lr / bc1) * m[i]) / (Math.sqrt(v[i]) / Math.sqrt(bc2) + o.eps);
  }
  return true;
}
