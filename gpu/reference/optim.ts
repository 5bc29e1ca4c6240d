// Float64 references of the optimizers, with PyTorch's semantics (torch.optim), step counted from 1.

type F64 = Float64Array;

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const ADAM_DEFAULTS: AdamHyper = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

/** torch.optim.Adam (non-amsgrad, L2 weight decay), step counted from 1. Updates p, m, v in place. */
export function adamStep(p: F64, g: F64, m: F64, v: F64, step: number, h: AdamHyper): void {
  const bc1 = 1 - h.beta1 ** step;
  const bc2 = 1 - h.beta2 ** step;
  const stepSize = h.lr / bc1;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] + h.weightDecay * p[i];
    m[i] = h.beta1 * m[i] + (1 - h.beta1) * gi;
    v[i] = h.beta2 * v[i] + (1 - h.beta2) * gi * gi;
    p[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / Math.sqrt(bc2) + h.eps);
  }
}
