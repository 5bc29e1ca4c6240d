// Random unit-norm directions in output space, for estimating a Jacobian's Frobenius norm from a few
// vector-Jacobian products instead of one per output unit (a character model has V ≈ 80 outputs).
//
// For u uniform on the unit sphere of R^O, E[‖Jᵀu‖²] = ‖J‖²_F / O, so O · mean_p ‖Jᵀu_p‖² is an
// unbiased estimate of ‖J‖²_F: the same scale as the exact norm, whatever the output size.

import { Rng } from '../core/rng.ts';

/** Above this many outputs, connectivity uses PROBE_COUNT random probes instead of one seed per unit. */
export const MAX_EXACT_OUTPUTS = 16;
export const PROBE_COUNT = 16;
/** Fixed, so the same model and sequence always give the same estimate. */
export const PROBE_SEED = 0x5eed;

/** `count` directions in R^O, each of unit norm, [count, O] row-major: normalised Gaussians (isotropic). */
export function outputProbes(O: number, count = PROBE_COUNT, seed = PROBE_SEED): Float64Array {
  const rng = new Rng(seed);
  // Box–Muller; 1 − uniform() lies in (0, 1], so the log is finite.
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
  const u = new Float64Array(count * O);
  for (let p = 0; p < count; p++) {
    const row = u.subarray(p * O, (p + 1) * O);
    let norm = 0;
    while (norm === 0) {
      for (let o = 0; o < O; o++) row[o] = gauss();
      norm = Math.sqrt(row.reduce((a, v) => a + v * v, 0));
    }
    for (let o = 0; o < O; o++) row[o] /= norm;
  }
  return u;
}
