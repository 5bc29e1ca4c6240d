// Least-squares line y = a + b·x and its coefficient of determination R², for time per step against T.

export interface LinearFit {
  a: number;
  b: number;
  r2: number;
}

export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit {
  const n = xs.length;
  if (n < 2 || ys.length !== n) throw new Error(`linearFit: need two or more (x, y) pairs, got ${n} x and ${ys.length} y`);
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
    syy += (ys[i] - my) ** 2;
  }
  if (sxx === 0) throw new Error('linearFit: every x is the same');
  const b = sxy / sxx;
  const a = my - b * mx;
  // R² = 1 − SS_res / SS_tot; a constant y is fitted exactly.
  const ssRes = ys.reduce((s, y, i) => s + (y - (a + b * xs[i])) ** 2, 0);
  return { a, b, r2: syy === 0 ? 1 : 1 - ssRes / syy };
}
