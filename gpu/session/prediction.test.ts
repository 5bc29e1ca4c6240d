// The `prediction` message: at each validation, what a task model predicts for validation sequence 0,
// held to the float64 reference run on the session's exported weights, on the GPU (Node, Dawn) and
// on the CPU fallback alike.
import { beforeAll, describe, expect, it } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { openSession, taskConfig } from '../testing/sessions.ts';
import { splitSteps } from '../data/split.ts';
import { COPY_VOCABULARY } from '../data/tasks/copy.ts';
import { TAGGING_TAGS } from '../data/tasks/tagging.ts';
import { optimizer } from '../optimizer/config.ts';
import { RecurrentReference, type RecurrentInit } from '../recurrent/reference.ts';
import { CpuTrainer } from '../recurrent/cpuTrainer.ts';
import { decodeWeights } from '../recurrent/weights.ts';
import { prepareRecurrentData, type RecurrentData } from './recurrentData.ts';
import { buildPrediction } from './prediction.ts';
import type { Prediction, SessionConfig } from './protocol.ts';

const gpu = useGpu();
const LIMITS = { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 };
type Labels = Extract<Prediction, { kind: 'labels' }>;

/** Trains `steps` steps (then validates, as a pause does); the predictions posted, the data and the exported weights. */
async function trainAndPredict(backend: 'gpu' | 'cpu', config: SessionConfig, steps: number) {
  const { session, msgs, of, last } = openSession({ gpu: backend === 'gpu' ? gpu() : null, loadCorpus: async () => 'ab'.repeat(200), validateEvery: 1000 });
  expect(await session.configure(config, false)).toBe(true);
  await session.runSteps(steps);
  await session.exportWeights();
  await session.dispose();
  expect(msgs.filter((m) => m.type === 'error')).toEqual([]);
  const data = await prepareRecurrentData(config, async () => '', LIMITS);
  const params = Float64Array.from(decodeWeights(new Uint8Array(last('weights')!.bytes), data.model).params);
  return { predictions: of('prediction'), data, params };
}

/** The reference's head outputs for validation sequence 0, chunk by chunk with the state carried: [seqLen, O] or [O]. */
function referenceOutputs(data: RecurrentData, params: Float64Array): Float64Array {
  const ref = new RecurrentReference(data.model);
  const { B } = data.validation;
  const O = data.model.output;
  if (data.model.loss === 'regress') return ref.forward(params, data.validation).logits.slice(0, O);
  const out = new Float64Array(data.seqLen * O);
  let init: RecurrentInit | undefined;
  splitSteps(data.validation, data.T).forEach((chunk, i) => {
    const f = ref.forward(params, chunk, init);
    for (let t = 0; t < data.T; t++) out.set(f.logits.subarray(t * B * O, t * B * O + O), (i * data.T + t) * O);
    init = { h0: f.hT, c0: f.cT ?? undefined };
  });
  return out;
}

const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])));
const argmaxRows = (values: ArrayLike<number>, O: number, n: number) =>
  Array.from({ length: n }, (_, t) => Array.from({ length: O }, (_, o) => values[t * O + o]).reduce((best, v, o, row) => (v > row[best] ? o : best), 0));

for (const backend of ['gpu', 'cpu'] as const)
  describe(`prediction (${backend})`, () => {
    it('sine, truncated BPTT in 3 chunks: the forecast at every step equals the float64 reference', async () => {
      const config = taskConfig('sine', { tbptt: 4 });
      const { predictions, data, params } = await trainAndPredict(backend, config, 3);
      expect(predictions.map((m) => m.step)).toEqual([3]);
      const p = predictions[0].prediction as Extract<Prediction, { kind: 'forecast' }>;
      expect(p.kind).toBe('forecast');
      const { B } = data.validation;
      expect(p.targets).toEqual(Array.from({ length: 12 }, (_, t) => data.validation.targetValues![t * B]));
      expect(p.inputs).toEqual(Array.from({ length: 12 }, (_, t) => data.validation.inputs![t * B]));
      const ref = referenceOutputs(data, params);
      expect(p.predicted).toHaveLength(12);
      expect(maxAbs(ref)).toBeGreaterThan(0.01);
      // The CPU session's weights are float64, the exported ones float32: only that rounding differs.
      expect(maxDiff(p.predicted, ref)).toBeLessThanOrEqual(1e-4 * maxAbs(ref));
    });

    describe('tagging, with the initial weights (lr 0)', () => {
      // lr 0: the initial weights, whose tags vary (a few steps of training predict O everywhere).
      const config = taskConfig('tagging', { cell: 'lstm', hidden: 12, optimizer: optimizer({ lr: 0 }) });
      let run: Awaited<ReturnType<typeof trainAndPredict>>;
      let p: Labels;
      let n: number;
      beforeAll(async () => {
        run = await trainAndPredict(backend, config, 2);
        p = run.predictions.at(-1)!.prediction as Labels;
        n = run.data.validation.lengths![0];
      });

      it('shows the words and true tags of sentence 0', () => {
        expect(p.kind).toBe('labels');
        expect(n).toBeGreaterThan(6); // validation sentences are longer than ⌊12/2⌋
        expect(p.words).toHaveLength(n);
        expect(p.words.join(' ')).not.toContain('<pad>');
        expect(p.classes).toEqual([...TAGGING_TAGS]);
        expect(p.targets).toEqual(Array.from({ length: n }, (_, t) => run.data.validation.targets![t * run.data.validation.B]));
      });

      it('predicts the reference’s argmax tags (more than one tag)', () => {
        expect(new Set(p.predicted).size).toBeGreaterThan(1);
        expect(p.predicted).toEqual(argmaxRows(referenceOutputs(run.data, run.params), TAGGING_TAGS.length, n));
      });
    });

    it('adding: the predicted sum of sequence 0 equals the reference’s, beside its target', async () => {
      const config = taskConfig('adding', { cell: 'rnn', seqLen: 10, tbptt: 10 });
      const { predictions, data, params } = await trainAndPredict(backend, config, 2);
      const p = predictions.at(-1)!.prediction;
      expect(p.kind).toBe('regression');
      expect(p.targets).toEqual([data.validation.targetValues![0]]);
      const ref = referenceOutputs(data, params);
      expect(Math.abs(p.predicted[0] - ref[0])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(ref[0])));
    });

    it('copy: every step is labelled with the copy symbols', async () => {
      const { predictions, data } = await trainAndPredict(backend, taskConfig('copy'), 1);
      const p = predictions.at(-1)!.prediction as Labels;
      expect(p.classes).toEqual(COPY_VOCABULARY);
      expect(p.words).toHaveLength(12);
      expect(p.words.slice(0, 5).every((w) => /^[0-7]$/.test(w))).toBe(true); // copyLength(12) = 5 symbols first
      expect(p.targets.slice(-5)).toEqual(Array.from({ length: 5 }, (_, s) => data.validation.tokens![s * data.validation.B]));
    });

    it('a character model gets no prediction', async () => {
      const config: SessionConfig = { ...taskConfig('sine'), dataset: { kind: 'text', name: 'ab.txt', text: 'ab'.repeat(200) } };
      const { predictions } = await trainAndPredict(backend, config, 1);
      expect(predictions).toEqual([]);
    });
  });

describe('prediction (GPU and CPU agree)', () => {
  it('tagging with truncated BPTT, in chunks where sentence 0 has ended: the GPU’s prediction equals the CPU trainer’s on the same weights', async () => {
    const config = taskConfig('tagging', { cell: 'rnn', hidden: 16, seqLen: 16, tbptt: 4, seed: 7, optimizer: optimizer({ lr: 0 }) });
    const { predictions, data, params } = await trainAndPredict('gpu', config, 4);
    expect(data.validation.lengths![0]).toBe(9); // chunk 3 has one real step of sentence 0, chunk 4 none
    const cpu = new CpuTrainer(data.model, config.optimizer, params).evaluate(splitSteps(data.validation, 4), true).outputs!;
    const expected = buildPrediction(data, cpu) as Labels;
    const p = predictions.at(-1)!.prediction as Labels;
    expect(p.words).toHaveLength(9);
    expect(p.words).toEqual(expected.words);
    expect(new Set(p.predicted).size).toBeGreaterThan(1);
    expect(p.predicted).toEqual(expected.predicted);
  });
});
