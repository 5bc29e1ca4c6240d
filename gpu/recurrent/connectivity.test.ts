// Connectivity ‖∂y_t/∂x_s‖ from backward passes, against central finite differences of the float64
// reference's forward; causality (s > t is exactly 0), ragged lengths, the decay of a contracting
// tanh RNN, the random-probe estimate for large outputs, and timings on the adding problem.
import { describe, it, expect } from 'vitest';
import { connectivity } from './connectivity.ts';
import { outputProbes, PROBE_COUNT } from './probes.ts';
import { RecurrentReference } from './reference.ts';
import { GATES, parseModelConfig, perSequenceLoss, type ModelConfig } from './config.ts';
import { initParams } from './params.ts';
import { randomBatch, raggedBatch } from '../testing/randomBatch.ts';
import { addingTask } from '../data/tasks/adding.ts';
import type { Batch } from '../data/batch.ts';

const cells = [
  { cell: 'rnn', nonlinearity: 'tanh' },
  { cell: 'gru', nonlinearity: 'tanh' },
  { cell: 'lstm', nonlinearity: 'tanh' },
] as const;
const models = [
  { name: 'real inputs, per-step mse', input: { kind: 'real', features: 3 }, output: 2, loss: 'mse', hidden: 3 },
  { name: 'real inputs, per-sequence regress', input: { kind: 'real', features: 3 }, output: 2, loss: 'regress', hidden: 3 },
  { name: 'token inputs, per-step ce', input: { kind: 'tokens', vocab: 5 }, loss: 'ce', hidden: 3 },
  { name: 'token inputs, per-sequence class', input: { kind: 'tokens', vocab: 5 }, output: 3, loss: 'class', hidden: 3 },
] as const;

/**
 * Float32-exact weights (so token embedding columns survive being fed as float32 inputs), larger
 * than the default init so gates spread away from 0.5 and tanh saturates a little.
 */
const testParams = (cfg: ModelConfig, seed: number, gain = 2.5) => Float64Array.from(initParams(cfg, seed), (x) => Math.fround(x * gain));

/**
 * The token model as a real-input model: features = G·H, W_ih = identity, x_s = the embedding column
 * W_ih[:, token_s] (b_ih unchanged). Same network, but its inputs can be nudged by finite differences.
 */
function asRealInputs(cfg: ModelConfig, params: Float64Array, batch: Batch): { cfg: ModelConfig; params: Float64Array; batch: Batch } {
  const GH = GATES[cfg.cell] * cfg.hidden;
  const V = (cfg.input as { vocab: number }).vocab;
  const realCfg: ModelConfig = { ...cfg, input: { kind: 'real', features: GH } };
  const [tok, real] = [new RecurrentReference(cfg), new RecurrentReference(realCfg)];
  const realParams = new Float64Array(real.layout.total);
  for (const s of real.layout.specs) real.view(realParams, s.name).set(tok.view(params, s.name).subarray(0, s.name === 'rnn.weight_ih_l0' ? 0 : s.size));
  const eye = real.view(realParams, 'rnn.weight_ih_l0');
  for (let i = 0; i < GH; i++) eye[i * GH + i] = 1;
  const wtok = tok.view(params, 'rnn.weight_ih_l0');
  const { T, B, tokens, lengths, ...rest } = batch;
  const inputs = new Float32Array(T * B * GH).fill(NaN);
  for (let r = 0; r < T * B; r++) {
    if (lengths && Math.floor(r / B) >= lengths[r % B]) continue;
    for (let i = 0; i < GH; i++) inputs[r * GH + i] = wtok[i * V + tokens![r]];
  }
  return { cfg: realCfg, params: realParams, batch: { T, B, lengths, ...rest, inputs } };
}

/**
 * ∂logits/∂x_s[f] of sequence `seq` by the fourth-order central stencil (f(−2h) − 8f(−h) + 8f(h) − f(2h)) / 12h,
 * in float64: the inputs are copied to a Float64Array (the reference only indexes them), so they can
 * be nudged by h without float32 rounding. Returns jac[s][f] = the derivative of every logit.
 */
function fdJacobian(cfg: ModelConfig, params: Float64Array, batch: Batch, seq: number): Float64Array[][] {
  const ref = new RecurrentReference(cfg);
  const F = (cfg.input as { features: number }).features;
  const x = Float64Array.from(batch.inputs!);
  const b64 = { ...batch, inputs: x as unknown as Float32Array };
  const len = batch.lengths ? batch.lengths[seq] : batch.T;
  const h = 1e-3;
  const at = (i: number, v: number) => {
    const keep = x[i];
    x[i] = v;
    const logits = ref.forward(params, b64).logits;
    x[i] = keep;
    return logits;
  };
  return Array.from({ length: len }, (_, s) =>
    Array.from({ length: F }, (_, f) => {
      const i = (s * batch.B + seq) * F + f;
      const [m2, m1, p1, p2] = [-2, -1, 1, 2].map((k) => at(i, x[i] + k * h));
      return m2.map((_, q) => (m2[q] - 8 * m1[q] + 8 * p1[q] - p2[q]) / (12 * h));
    }),
  );
}

/** The logits row of output step t of sequence seq. */
const logitsRow = (cfg: ModelConfig, batch: Batch, seq: number, t: number) => (perSequenceLoss(cfg) ? seq : t * batch.B + seq);

/** ‖∂y_t/∂x_s‖_F from the finite-difference Jacobian, [outputs, inputs] as connectivity returns it. */
function fdNorms(cfg: ModelConfig, batch: Batch, seq: number, jac: Float64Array[][], outputSteps: number[]): Float64Array {
  const len = jac.length;
  const O = cfg.output;
  const out = new Float64Array(outputSteps.length * len);
  outputSteps.forEach((t, i) => {
    const q = logitsRow(cfg, batch, seq, t);
    for (let s = 0; s < len; s++) {
      let acc = 0;
      for (const col of jac[s]) for (let k = 0; k < O; k++) acc += col[q * O + k] ** 2;
      out[i * len + s] = Math.sqrt(acc);
    }
  });
  return out;
}

/** Max relative error over entries whose reference is above 1e-8, and the smallest such entry; throws past 1e-6. */
function expectFiniteDifferences(name: string, got: Float64Array, want: Float64Array): { maxRel: number; minChecked: number } {
  let maxRel = 0;
  let minChecked = Infinity;
  want.forEach((w, i) => {
    if (!(w > 1e-8)) return expect(Math.abs(got[i])).toBeLessThan(1e-7);
    const rel = Math.abs(got[i] - w) / w;
    if (!(rel < 1e-6)) throw new Error(`${name}[${i}]: backward ${got[i]}, finite differences ${w} (relative error ${rel})`);
    maxRel = Math.max(maxRel, rel);
    minChecked = Math.min(minChecked, w);
  });
  return { maxRel, minChecked };
}

/** s > t entries are exactly 0; s ≤ t ones are not (the models here have no dead paths). */
function expectCausal(c: ReturnType<typeof connectivity>): void {
  c.outputSteps.forEach((t, i) => {
    for (let s = 0; s < c.inputs; s++) {
      if (s > t) expect(c.norms[i * c.inputs + s]).toBe(0);
      else expect(c.norms[i * c.inputs + s]).toBeGreaterThan(0);
    }
  });
}

describe('connectivity vs central finite differences (float64)', () => {
  const T = 5;
  const lengths = [5, 4, 2];
  let worst = 0;
  let smallest = Infinity;
  for (const c of cells)
    for (const layers of [1, 2])
      for (const [m, { name, ...model }] of models.entries()) {
        for (const seq of [0, 1]) {
          it(`${c.cell}, ${layers} layer(s), ${name}, sequence ${seq} (length ${lengths[seq]} of T = ${T})`, () => {
            const cfg = parseModelConfig({ ...c, ...model, layers });
            const params = testParams(cfg, 3 + layers + 10 * m);
            const batch = raggedBatch(cfg, T, lengths, 20 + m);
            const got = connectivity(cfg, params, batch, seq);
            const len = lengths[seq];
            expect(got.inputs).toBe(len);
            expect(got.outputSteps).toEqual(perSequenceLoss(cfg) ? [len - 1] : Array.from({ length: len }, (_, t) => t));
            expect(got.outputs).toBe(got.outputSteps.length);
            expect(got.norms.length).toBe(got.outputs * got.inputs);
            expectCausal(got);

            // Token inputs: differentiate the same network written with real inputs (the embedding columns).
            const real = cfg.input.kind === 'tokens' ? asRealInputs(cfg, params, batch) : { cfg, params, batch };
            if (real.cfg !== cfg) {
              const ref = new RecurrentReference(cfg).forward(params, batch).logits;
              expect(new RecurrentReference(real.cfg).forward(real.params, real.batch).logits).toEqual(ref);
              const viaReal = connectivity(real.cfg, real.params, real.batch, seq).norms;
              viaReal.forEach((v, i) => expect(got.norms[i]).toBeCloseTo(v, 12));
            }
            const want = fdNorms(real.cfg, real.batch, seq, fdJacobian(real.cfg, real.params, real.batch, seq), got.outputSteps);
            const { maxRel, minChecked } = expectFiniteDifferences('norms', got.norms, want);
            worst = Math.max(worst, maxRel);
            smallest = Math.min(smallest, minChecked);
          });
        }
      }
  it('(summary)', () => console.log(`connectivity vs FD: max relative error ${worst.toExponential(2)}, smallest norm checked ${smallest.toExponential(2)}`));
});

describe('ragged lengths', () => {
  const cfg = parseModelConfig({ cell: 'lstm', layers: 2, hidden: 4, input: { kind: 'real', features: 2 }, output: 3, loss: 'mse' });
  const params = testParams(cfg, 5);
  const lengths = [6, 3, 1];
  /** Each sequence of a ragged batch (padding NaN): its connectivity in the batch, and run alone. */
  const sequences = () => {
    const batch = raggedBatch(cfg, 6, lengths, 7);
    return lengths.map((n, seq) => {
      const alone: Batch = { T: n, B: 1, inputs: new Float32Array(n * 2), targetValues: new Float32Array(n * 3) };
      for (let t = 0; t < n; t++) alone.inputs!.set(batch.inputs!.subarray((t * 3 + seq) * 2, (t * 3 + seq + 1) * 2), t * 2);
      return { n, inBatch: connectivity(cfg, params, batch, seq), alone: connectivity(cfg, params, alone) };
    });
  };

  it('a short sequence’s padding (NaN) is never read: its real steps only, every norm finite', () => {
    for (const { n, inBatch } of sequences()) {
      expect([inBatch.outputs, inBatch.inputs]).toEqual([n, n]);
      expect(inBatch.norms.every(Number.isFinite)).toBe(true);
    }
  });

  it('a short sequence gives what it gives run alone', () => {
    for (const { inBatch, alone } of sequences()) inBatch.norms.forEach((v, i) => expect(v).toBeCloseTo(alone.norms[i], 14));
  });

  it('per-sequence losses read the last real step', () => {
    const cfg = parseModelConfig({ cell: 'gru', hidden: 4, input: { kind: 'real', features: 2 }, output: 1, loss: 'regress' });
    const c = connectivity(cfg, testParams(cfg, 6), raggedBatch(cfg, 6, [6, 4], 8), 1);
    expect([c.outputs, c.inputs, c.outputSteps]).toEqual([1, 4, [3]]);
  });

  it('rejects a sequence index outside the batch', () => {
    const cfg = parseModelConfig({ cell: 'rnn', hidden: 2, input: { kind: 'real', features: 1 }, output: 1, loss: 'mse' });
    const batch = randomBatch(cfg, 3, 2, 1);
    expect(() => connectivity(cfg, testParams(cfg, 1), batch, 2)).toThrow(/sequence/);
  });
});

describe('a contracting tanh RNN forgets', () => {
  it('with W_hh scaled by 0.1, ‖∂y_t/∂x_{t−5}‖ < 1e-3 · ‖∂y_t/∂x_t‖', () => {
    const cfg = parseModelConfig({ cell: 'rnn', hidden: 8, input: { kind: 'real', features: 2 }, output: 2, loss: 'mse' });
    const ref = new RecurrentReference(cfg);
    const params = Float64Array.from(initParams(cfg, 9));
    ref.view(params, 'rnn.weight_hh_l0').forEach((v, i, w) => (w[i] = 0.1 * v));
    const T = 12;
    const c = connectivity(cfg, params, randomBatch(cfg, T, 2, 10), 1);
    let worst = 0;
    for (let t = 5; t < T; t++) {
      const ratio = c.norms[t * T + t - 5] / c.norms[t * T + t];
      worst = Math.max(worst, ratio);
      expect(ratio).toBeLessThan(1e-3);
      for (let s = 1; s <= t; s++) expect(c.norms[t * T + s - 1]).toBeLessThan(c.norms[t * T + s]); // monotone in t − s
    }
    console.log(`contracting tanh RNN: max over t of norms[t][t−5] / norms[t][t] = ${worst.toExponential(2)}`);
  });
});

describe(`outputs > 16: ${PROBE_COUNT} random probes`, () => {
  const cfg = parseModelConfig({ cell: 'gru', hidden: 4, input: { kind: 'real', features: 2 }, output: 20, loss: 'mse' });
  const params = testParams(cfg, 12, 1.5);
  const batch = randomBatch(cfg, 4, 2, 13);
  const c = connectivity(cfg, params, batch, 0);
  const jac = fdJacobian(cfg, params, batch, 0);

  it('norms² = O · mean_p ‖∂(u_p·y_t)/∂x_s‖², u_p the seeded unit probes (vs finite differences)', () => {
    const u = outputProbes(20);
    for (let p = 0; p < PROBE_COUNT; p++) expect(Math.hypot(...u.subarray(p * 20, (p + 1) * 20))).toBeCloseTo(1, 14);
    const want = new Float64Array(c.norms.length);
    c.outputSteps.forEach((t, i) => {
      const q = logitsRow(cfg, batch, 0, t);
      for (let s = 0; s < c.inputs; s++) {
        let acc = 0;
        for (let p = 0; p < PROBE_COUNT; p++)
          for (const col of jac[s]) {
            let d = 0; // ∂(u_p · y_t)/∂x_s[f]
            for (let k = 0; k < 20; k++) d += u[p * 20 + k] * col[q * 20 + k];
            acc += d * d;
          }
        want[i * c.inputs + s] = Math.sqrt((20 / PROBE_COUNT) * acc);
      }
    });
    expectFiniteDifferences('probe norms', c.norms, want);
  });

  it('estimates the exact Frobenius norm within a factor of 2 (seeded: this exact model)', () => {
    const exact = fdNorms(cfg, batch, 0, jac, c.outputSteps);
    let worst = 1;
    exact.forEach((e, i) => {
      if (i % c.inputs > c.outputSteps[Math.floor(i / c.inputs)]) return expect(c.norms[i]).toBe(0); // s > t: FD gives only noise
      const r = c.norms[i] / e;
      worst = Math.max(worst, r, 1 / r);
    });
    expect(worst).toBeLessThan(2);
    console.log(`probe estimate vs exact norm: worst ratio ${worst.toFixed(3)}`);
  });
});

describe('timing: the adding problem, H = 32', () => {
  for (const cell of ['lstm', 'rnn'] as const)
    for (const T of [30, 50, 100])
      it(`${cell}, T = ${T}`, () => {
        const task = addingTask({ T, seed: 1 });
        const cfg = parseModelConfig({ cell, hidden: 32, ...task.model });
        const params = initParams(cfg, 1);
        const batch = task.validation(4);
        connectivity(cfg, params, batch, 0); // warm-up (JIT)
        const ms: number[] = [];
        for (let k = 0; k < 9; k++) {
          const t0 = performance.now();
          const c = connectivity(cfg, params, batch, k % 4);
          ms.push(performance.now() - t0);
          expect([c.outputs, c.inputs]).toEqual([1, T]);
        }
        ms.sort((a, b) => a - b);
        console.log(`connectivity, adding, ${cell} H=32 T=${T}: median ${ms[4].toFixed(1)} ms over 9 runs (min ${ms[0].toFixed(1)}, max ${ms[8].toFixed(1)})`);
        expect(ms[4]).toBeLessThan(1000); // a sanity bound only: the CPU is shared
      });
});

describe('a bidirectional model reads the future: connectivity vs central finite differences', () => {
  for (const cell of ['gru', 'lstm'] as const)
    it(`${cell}, 2 layers, real inputs, per-step mse, sequence of length 4 of T = 5`, () => {
      const cfg = parseModelConfig({ cell, layers: 2, hidden: 3, input: { kind: 'real', features: 3 }, output: 2, loss: 'mse', bidirectional: true });
      const params = testParams(cfg, 8);
      const batch = raggedBatch(cfg, 5, [5, 4, 2], 21);
      const got = connectivity(cfg, params, batch, 1);
      expect([got.outputs, got.inputs]).toEqual([4, 4]);
      const want = fdNorms(cfg, batch, 1, fdJacobian(cfg, params, batch, 1), got.outputSteps);
      expectFiniteDifferences('norms', got.norms, want);
      // Every output depends on every input, later ones included (a unidirectional model's s > t are exactly 0).
      got.outputSteps.forEach((t, i) => {
        for (let s = t + 1; s < got.inputs; s++) expect(got.norms[i * got.inputs + s]).toBeGreaterThan(1e-4);
      });
    });
});
