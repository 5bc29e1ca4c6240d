// The reference's analytic gradients against central finite differences, in float64.
import { describe, it, expect } from 'vitest';
import { ElmanReference } from './elman.ts';
import { parseModelConfig } from '../model/config.ts';
import { initParams, paramLayout } from '../model/params.ts';
import { randomBatch } from '../testing/randomBatch.ts';
import { Rng } from '../rng.ts';

const cases = [
  { nonlinearity: 'tanh', input: { kind: 'tokens', vocab: 6 }, hidden: 4, T: 5, B: 3 },
  { nonlinearity: 'relu', input: { kind: 'tokens', vocab: 5 }, hidden: 5, T: 4, B: 2 },
  { nonlinearity: 'tanh', input: { kind: 'real', features: 3 }, output: 4, hidden: 3, T: 6, B: 2 },
  { nonlinearity: 'relu', input: { kind: 'real', features: 2 }, output: 3, hidden: 4, T: 3, B: 3 },
] as const;

describe('reference gradients vs central finite differences', () => {
  for (const c of cases) {
    it(`${c.nonlinearity}, ${c.input.kind} inputs, H=${c.hidden} T=${c.T} B=${c.B}`, () => {
      const cfg = parseModelConfig(c);
      const ref = new ElmanReference(cfg);
      // Larger weights than the default init so relu units cross zero and tanh saturates a little.
      const params = Float64Array.from(initParams(cfg, 3), (x) => x * 3);
      const batch = randomBatch(cfg, c.T, c.B, 4);
      const rng = new Rng(5);
      const h0 = Float64Array.from({ length: c.B * c.hidden }, () => rng.uniform() - 0.5);
      const { grads } = ref.lossAndGrad(params, batch, h0);
      const eps = 1e-6;
      let checked = 0;
      for (const spec of paramLayout(cfg).specs) {
        for (let k = 0; k < spec.size; k++) {
          const i = spec.offset + k;
          const keep = params[i];
          params[i] = keep + eps;
          const up = ref.forward(params, batch, h0).loss;
          params[i] = keep - eps;
          const down = ref.forward(params, batch, h0).loss;
          params[i] = keep;
          const numeric = (up - down) / (2 * eps);
          // eps is small enough that no relu pre-activation here crosses zero between up and down
          if (Math.abs(numeric - grads[i]) > 1e-6 + 1e-5 * Math.abs(numeric)) {
            throw new Error(`${spec.name}[${k}]: analytic ${grads[i]} numeric ${numeric}`);
          }
          checked++;
        }
      }
      expect(checked).toBe(paramLayout(cfg).specs.reduce((a, s) => a + s.size, 0));
    });
  }
});
