// Bidirectional layers in the float64 reference (PyTorch's bidirectional=True): gradients against
// central finite differences for every cell, layer count, input kind and loss on ragged batches; and
// the semantics pinned by an independent construction: the reverse direction is a unidirectional
// layer run over each sequence's real steps backwards, and the layers and head read [forward; reverse].
import { describe, expect, it } from 'vitest';
import { RecurrentReference, type RecurrentInit } from './reference.ts';
import { parseModelConfig, type ModelConfig } from './config.ts';
import { initParams, paramLayout } from './params.ts';
import { randomBatch, raggedBatch } from '../testing/randomBatch.ts';
import { checkFd, randomState } from '../testing/finiteDifferences.ts';
import type { Batch } from '../data/batch.ts';

const CELLS = [{ cell: 'rnn', nonlinearity: 'tanh' }, { cell: 'rnn', nonlinearity: 'relu' }, { cell: 'gru' }, { cell: 'lstm' }] as const;
const LOSSES = ['ce', 'mse', 'class', 'regress'] as const;

function bidiCfg(cell: (typeof CELLS)[number], tokens: boolean, loss: (typeof LOSSES)[number], layers: number): ModelConfig {
  const input = tokens ? { kind: 'tokens', vocab: 5 } : { kind: 'real', features: 3 };
  return parseModelConfig({ ...cell, input, output: 4, hidden: 3, loss, layers, bidirectional: true });
}

describe('bidirectional parameters are named, shaped and ordered as PyTorch’s state_dict', () => {
  it('an LSTM of 2 layers: _l0, _l0_reverse, _l1 (reading 2H), _l1_reverse, then a head reading 2H', () => {
    const cfg = parseModelConfig({ cell: 'lstm', hidden: 5, layers: 2, input: { kind: 'real', features: 3 }, output: 2, loss: 'mse', bidirectional: true });
    const specs = paramLayout(cfg).specs.map((s) => `${s.name} [${s.shape}]`);
    expect(specs).toEqual([
      ...['_l0', '_l0_reverse'].flatMap((s) => [`rnn.weight_ih${s} [20,3]`, `rnn.weight_hh${s} [20,5]`, `rnn.bias_ih${s} [20]`, `rnn.bias_hh${s} [20]`]),
      ...['_l1', '_l1_reverse'].flatMap((s) => [`rnn.weight_ih${s} [20,10]`, `rnn.weight_hh${s} [20,5]`, `rnn.bias_ih${s} [20]`, `rnn.bias_hh${s} [20]`]),
      'head.weight [2,10]',
      'head.bias [2]',
    ]);
  });

  it('false or absent is the unidirectional model, and the flag is written only when true', () => {
    const base = { cell: 'gru', hidden: 4, input: { kind: 'tokens', vocab: 6 } };
    expect(parseModelConfig({ ...base, bidirectional: false })).toEqual(parseModelConfig(base));
    expect('bidirectional' in parseModelConfig({ ...base, bidirectional: false })).toBe(false);
    expect(parseModelConfig({ ...base, bidirectional: true }).bidirectional).toBe(true);
    expect(() => parseModelConfig({ ...base, bidirectional: 'yes' })).toThrow(/bidirectional: must be true or false/);
  });
});

describe('bidirectional gradients vs central finite differences (ragged batches, h0 and c0 given)', () => {
  const cases = CELLS.flatMap((cell) => LOSSES.map((loss) => ({ cell, loss })));
  cases.forEach(({ cell, loss }, idx) => {
    const layers = 1 + (idx % 2);
    const tokens = loss === 'ce' || loss === 'class' ? idx % 4 < 2 : false;
    it(`${cell.cell}${cell.cell === 'rnn' ? ' ' + cell.nonlinearity : ''}, loss ${loss}, ${tokens ? 'tokens' : 'real'}, ${layers} layer(s)`, () => {
      const cfg = bidiCfg(cell, tokens, loss, layers);
      const ref = new RecurrentReference(cfg);
      const params = Float64Array.from(initParams(cfg, 20 + idx), (x) => x * 2.5);
      const batch = raggedBatch(cfg, 5, [5, 2, 3 + (idx % 3)], 30 + idx);
      const n = layers * 2 * 3 * cfg.hidden;
      const init: RecurrentInit = { h0: randomState(n, 40 + idx), ...(cfg.cell === 'lstm' ? { c0: randomState(n, 50 + idx) } : {}) };
      const { grads, dh0, dc0, loss: l } = ref.lossAndGrad(params, batch, init);
      const fdLoss = () => ref.forward(params, batch, init).loss;
      expect(l).toBe(fdLoss());
      let checked = 0;
      for (const spec of ref.layout.specs) checked += checkFd(spec.name, params, grads, fdLoss, spec.offset, spec.size);
      expect(checked).toBe(ref.layout.specs.reduce((a, s) => a + s.size, 0));
      expect(checkFd('h0', init.h0!, dh0, fdLoss)).toBe(n);
      if (init.c0) expect(checkFd('c0', init.c0, dc0!, fdLoss)).toBe(n);
    });
  });

  it('real inputs: dInputs (both directions’ W_ihᵀ δ) vs finite differences', () => {
    const cfg = bidiCfg(CELLS[2], false, 'mse', 2);
    const ref = new RecurrentReference(cfg);
    const params = Float64Array.from(initParams(cfg, 3), (x) => x * 2);
    const batch = raggedBatch(cfg, 4, [4, 3], 5);
    const x = Float64Array.from(batch.inputs!);
    const { dInputs } = ref.lossAndGrad(params, batch);
    const loss = () => ref.forward(params, { ...batch, inputs: Float32Array.from(x) }).loss;
    // Float32 inputs: check at a coarser step, on real rows only (padded rows get 0).
    for (let i = 0; i < x.length; i++) {
      const r = Math.floor(i / 3);
      if (Math.floor(r / 2) >= batch.lengths![r % 2]) {
        expect(dInputs[i]).toBe(0);
        continue;
      }
      const keep = x[i];
      x[i] = keep + 1e-2;
      const up = loss();
      x[i] = keep - 1e-2;
      const down = loss();
      x[i] = keep;
      expect(Math.abs((up - down) / 2e-2 - dInputs[i])).toBeLessThan(2e-4 + 1e-3 * Math.abs(dInputs[i]));
    }
  });
});

/** Each sequence's real steps reversed (padding left where it is), as a batch for a unidirectional layer. */
function reversedSequences(batch: Batch, F: number): Batch {
  const { T, B, lengths } = batch;
  const from = (t: number, b: number) => (t < lengths![b] ? (lengths![b] - 1 - t) * B + b : t * B + b);
  const inputs = new Float32Array(T * B * F);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) inputs.set(batch.inputs!.subarray(from(t, b) * F, from(t, b) * F + F), (t * B + b) * F);
  return { ...batch, inputs };
}

describe('bidirectional semantics, by an independent construction', () => {
  for (const cell of CELLS)
    it(`${cell.cell}: forward half = a unidirectional layer; reverse half = one run on each sequence reversed; class reads both final states`, () => {
      const [T, B, H, F] = [6, 3, 4, 3];
      const cfg = parseModelConfig({ ...cell, input: { kind: 'real', features: F }, hidden: H, output: 2, loss: 'class', bidirectional: true });
      const uni = parseModelConfig({ ...cell, input: { kind: 'real', features: F }, hidden: H, output: 2, loss: 'mse' });
      const ref = new RecurrentReference(cfg);
      const uniRef = new RecurrentReference(uni);
      const params = Float64Array.from(initParams(cfg, 9), (x) => x * 2);
      const batch = raggedBatch(cfg, T, [6, 2, 4], 4);
      const h0 = randomState(2 * B * H, 12);
      const c0 = cfg.cell === 'lstm' ? randomState(2 * B * H, 13) : undefined;
      const fwd = ref.forward(params, batch, { h0, c0 });
      // The unidirectional model with one direction's weights (its head is unused: outputs are compared).
      const direction = (suffix: string) => {
        const p = new Float64Array(uniRef.layout.total);
        for (const n of ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']) uniRef.view(p, `rnn.${n}_l0`).set(ref.view(params, `rnn.${n}_l0${suffix}`));
        return p;
      };
      const half = (d: number) => ({ h0: h0.subarray(d * B * H, (d + 1) * B * H), c0: c0?.subarray(d * B * H, (d + 1) * B * H) });
      const mseBatch = (b: Batch) => ({ ...b, targets: undefined, targetValues: new Float32Array(T * B * 2) });
      const ahead = uniRef.forward(direction(''), mseBatch(batch), half(0));
      const back = uniRef.forward(direction('_reverse'), mseBatch(reversedSequences(batch, F)), half(1));
      for (let t = 0; t < T; t++)
        for (let b = 0; b < B; b++) {
          const row = fwd.outputs[0].subarray((t * B + b) * 2 * H, (t * B + b + 1) * 2 * H);
          if (t >= batch.lengths![b]) {
            expect(Array.from(row)).toEqual(new Array(2 * H).fill(0)); // padded steps output 0, as pad_packed_sequence
            continue;
          }
          const r = (batch.lengths![b] - 1 - t) * B + b; // the reversed run's row of step t
          expect(Array.from(row.subarray(0, H))).toEqual(Array.from(ahead.outputs[0].subarray((t * B + b) * H, (t * B + b + 1) * H)));
          expect(Array.from(row.subarray(H))).toEqual(Array.from(back.outputs[0].subarray(r * H, (r + 1) * H)));
        }
      // h_n is [forward final; reverse final] per layer, direction fastest; the reverse final is its state after step 0.
      expect(Array.from(fwd.hT)).toEqual([...ahead.hT, ...back.hT]);
      if (c0) expect(Array.from(fwd.cT!)).toEqual([...ahead.cT!, ...back.cT!]);
      // 'class' scores torch.cat([h_n[-2], h_n[-1]], 1).
      const [W, bias] = [ref.view(params, 'head.weight'), ref.view(params, 'head.bias')];
      for (let b = 0; b < B; b++)
        for (let o = 0; o < 2; o++) {
          let z = bias[o];
          for (let i = 0; i < H; i++) z += W[o * 2 * H + i] * ahead.hT[b * H + i] + W[o * 2 * H + H + i] * back.hT[b * H + i];
          expect(fwd.logits[b * 2 + o]).toBeCloseTo(z, 12);
        }
    });

  it('padding is never read: junk in padded inputs and targets changes nothing', () => {
    for (const loss of LOSSES) {
      const cfg = bidiCfg(CELLS[3], loss === 'ce', loss, 2);
      const ref = new RecurrentReference(cfg);
      const params = Float64Array.from(initParams(cfg, 3), (x) => x * 2);
      const junk = raggedBatch(cfg, 5, [5, 1, 3], 8);
      const { grads, loss: l } = ref.lossAndGrad(params, junk);
      expect(Number.isFinite(l) && grads.every(Number.isFinite)).toBe(true);
    }
  });

  it('init states are [layers × 2 × B × H]; a unidirectional-sized h0 is refused', () => {
    const cfg = bidiCfg(CELLS[0], true, 'ce', 2);
    const ref = new RecurrentReference(cfg);
    const batch = randomBatch(cfg, 3, 2, 1);
    expect(() => ref.forward(new Float64Array(ref.layout.total), batch, { h0: new Float64Array(2 * 2 * 3) })).toThrow(
      /expected 24 floats \(layers × directions × B × H\)/,
    );
  });
});
