// Stored runs on the charts: a run's steps on a training-time axis, tables joined on one x, and the
// loss chart's series and data with two runs (what the chart draws, checked number for number).
import { describe, expect, it } from 'vitest';
import { Metrics } from '../metrics/metrics.ts';
import { StepSeries } from '../metrics/stepSeries.ts';
import type { Overlay } from '../runs/overlays.ts';
import { lossSpec } from './LossChart.tsx';
import { clock, joined, onAxis } from './overlay.ts';

const series = (values: number[]) => {
  const s = new StepSeries();
  s.put(0, values);
  return s;
};

describe('charts over runs', () => {
  it('clock: seconds of training before each step, a step with no time adding nothing', () => {
    const t = clock(series([100, 200, NaN, 300]));
    expect([0, 1, 2, 3, 4, 9].map(t)).toEqual([0, 0.1, 0.3, 0.3, 0.6, 0.6]);
  });

  it('onAxis: steps unchanged, or seconds with repeated seconds dropped (uPlot needs x rising)', () => {
    const table = [
      [0, 1, 2, 3],
      [5, 6, 7, 8],
    ] as [number[], number[]];
    expect(onAxis(table, 'step', series([]))).toBe(table);
    // Seconds before steps 0–3: 0, 1, 1 (step 1 took no time), 2.
    expect(onAxis(table, 'time', series([1000, 0, 1000, 1000]))).toEqual([
      [0, 1, 2],
      [5, 6, 8],
    ]);
  });

  it('joined: one x, the union; a run without a point there reads undefined', () => {
    expect(
      joined([
        [
          [0, 2],
          [1, 3],
        ],
        [
          [1, 2],
          [5, 6],
        ],
      ]),
    ).toEqual([
      [0, 1, 2],
      [1, undefined, 3],
      [undefined, 5, 6],
    ]);
  });

  it('the loss chart draws a stored run beside the live one, labelled by what changed, in its colour', () => {
    const m = new Metrics();
    m.addWindow({
      firstStep: 0,
      losses: Float32Array.from([4, 3, 2]),
      gradNorms: new Float32Array(3),
      skipped: new Uint8Array(3),
      msPerStep: 10,
      tokensPerSec: 1,
    });
    m.addValidation({ step: 2, loss: 2.5 });
    const other: Overlay = {
      id: 'b',
      label: 'Run 2: lr 0.003 → 0.01',
      colour: '#E69F00',
      loss: series([5, 4, 3, 2, 1]),
      gradNorm: series([]),
      msPerStep: series([20, 20, 20, 20, 20]),
      validation: [{ step: 4, loss: 1.5 }],
    };
    const spec = lossSpec(m, false, null, { overlays: [other], x: 'step', own: 'Run 1 (in use)' });
    const opts = spec.options(600, 200);
    expect(opts.series.map((s) => [s.label, s.stroke])).toEqual([
      ['step', undefined],
      ['Run 1 (in use)', '#2563eb'],
      ['Run 1 (in use), validation', '#ea580c'],
      ['Run 2: lr 0.003 → 0.01', '#E69F00'],
      ['Run 2: lr 0.003 → 0.01, validation', '#E69F00'],
    ]);
    expect(spec.data()).toEqual([
      [0, 1, 2, 3, 4],
      [4, 3, 2, undefined, undefined],
      [null, null, 2.5, undefined, undefined],
      [5, 4, 3, 2, 1],
      [null, null, null, null, 1.5],
    ]);
    // On a training-time axis the faster run's curve ends sooner: 10 ms a step against 20.
    const timed = lossSpec(m, false, null, { overlays: [other], x: 'time', own: 'Run 1 (in use)' });
    expect(timed.data()[0]).toEqual([0, 0.01, 0.02, 0.04, 0.06, 0.08]);
    expect(timed.options(600, 200).axes![0].label).toBe('training time (s)');
  });
});
