// Tolerance checks for GPU-vs-reference tests, in llm.c's spirit: report the worst elements.
import { expect } from 'vitest';

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * Largest |got - want| relative to the tensor's max |want| (floored at 1e-6, so an all-zero
 * tensor is held to an absolute 1e-6·tol). Returns the ratio and a description of the worst element.
 */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): { error: number; where: string } {
  if (got.length !== want.length) return { error: Infinity, where: `length ${got.length} != ${want.length}` };
  const scale = Math.max(maxAbs(want), 1e-6);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]);
    if (!(e <= worst)) {
      worst = e;
      at = i;
      if (Number.isNaN(e)) break;
    }
  }
  const error = Number.isNaN(worst) ? Infinity : worst / scale;
  return { error, where: at < 0 ? 'exact' : `[${at}] got ${got[at]} want ${want[at]} (max |want| ${scale})` };
}

/** Asserts relativeError(got, want) < tol, naming the tensor and its worst element; returns the error. */
export function expectClose(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: number): number {
  const { error, where } = relativeError(got, want);
  expect(error, `${name}: ${where}`).toBeLessThan(tol);
  return error;
}
