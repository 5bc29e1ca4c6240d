// Test helpers of the float64 references' gradient checks: random states, and central differences
// of a loss checked element by element against an analytic gradient.
import { Rng } from '../core/rng.ts';

/** n values uniform in [-1, 1), from a seed. */
export const randomState = (n: number, seed: number): Float64Array => {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => rng.uniform() * 2 - 1);
};

/**
 * Central differences (eps 1e-6) of `loss` w.r.t. x[from..from+size), each within 1e-6 + 1e-5·|numeric|
 * of `analytic` at the same index; throws naming the element otherwise. Returns the count checked.
 */
export function checkFd(name: string, x: Float64Array, analytic: Float64Array, loss: () => number, from = 0, size = x.length): number {
  const eps = 1e-6;
  for (let k = 0; k < size; k++) {
    const i = from + k;
    const keep = x[i];
    x[i] = keep + eps;
    const up = loss();
    x[i] = keep - eps;
    const down = loss();
    x[i] = keep;
    const numeric = (up - down) / (2 * eps);
    if (!(Math.abs(numeric - analytic[i]) <= 1e-6 + 1e-5 * Math.abs(numeric))) throw new Error(`${name}[${k}]: analytic ${analytic[i]} numeric ${numeric}`);
  }
  return size;
}
