// The `prediction` message of the CPU session (no GPU): what a task model predicts for validation
// sequence 0, held to the float64 reference run directly on the session's weights.
import { describe, expect, it } from 'vitest';
import { splitSteps } from '../data/split.ts';
import { TAGGING_TAGS } from '../data/tasks/tagging.ts';
import { decodeWeights } from '../recurrent/weights.ts';
import { initParams } from '../recurrent/params.ts';
import { optimizer } from '../optimizer/config.ts';
import { RecurrentReference, type RecurrentInit } from '../recurrent/reference.ts';
import { TrainingSession } from './session.ts';
import { prepareRecurrentData } from './recurrentData.ts';
import type { FromWorker, Prediction, SessionConfig, TaskName } from './protocol.ts';

const LIMITS = { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 };

const taskConfig = (name: TaskName, over: Partial<SessionConfig> = {}): SessionConfig => ({
  dataset: { kind: 'task', name },
  cell: 'gru',
  nonlinearity: 'tanh',
  hidden: 8,
  layers: 1,
  seqLen: 12,
  tbptt: 12,
  batchSize: 4,
  optimizer: optimizer({ lr: 0.01 }),
  seed: 3,
  ...over,
});

/** Trains `steps` steps (then validates); the predictions posted, the data and the weights (float32, as exported). */
async function trainAndPredict(config: SessionConfig, steps: number) {
  const msgs: FromWorker[] = [];
  const session = new TrainingSession((m) => msgs.push(m), { gpu: null, loadCorpus: async () => 'ab'.repeat(200), validateEvery: 1000 });
  await session.configure(config, false);
  await session.runSteps(steps);
  await session.exportWeights();
  await session.dispose();
  expect(msgs.filter((m) => m.type === 'error')).toEqual([]);
  const data = await prepareRecurrentData(config, async () => '', LIMITS);
  const bytes = msgs.filter((m): m is Extract<FromWorker, { type: 'weights' }> => m.type === 'weights').at(-1)!.bytes;
  const params = Float64Array.from(decodeWeights(new Uint8Array(bytes), data.model).params);
  const predictions = msgs.filter((m): m is Extract<FromWorker, { type: 'prediction' }> => m.type === 'prediction');
  return { predictions, data, params };
}

/** The reference's per-step head outputs for sequence 0, chunk by chunk with the state carried: [seqLen, O]. */
function referenceOutputs(config: SessionConfig, data: Awaited<ReturnType<typeof prepareRecurrentData>>, params: Float64Array): Float64Array {
  const ref = new RecurrentReference(data.model);
  const { B } = data.validation;
  const O = data.model.output;
  const out = new Float64Array(data.seqLen * O);
  let init: RecurrentInit | undefined;
  splitSteps(data.validation, config.tbptt).forEach((chunk, i) => {
    const f = ref.forward(params, chunk, init);
    for (let t = 0; t < chunk.T; t++) out.set(f.logits.subarray(t * B * O, t * B * O + O), (i * chunk.T + t) * O);
    init = { h0: f.hT, c0: f.cT ?? undefined };
  });
  return out;
}

const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])));

describe('CpuSession: prediction', () => {
  it('sine (truncated BPTT, 3 chunks), after training: the forecast = the reference on the exported weights', async () => {
    const config = taskConfig('sine', { tbptt: 4 });
    const { predictions, data, params } = await trainAndPredict(config, 3);
    expect(predictions.map((m) => m.step)).toEqual([3]);
    const p = predictions[0].prediction as Extract<Prediction, { kind: 'forecast' }>;
    expect(p.kind).toBe('forecast');
    expect(p.targets).toEqual(Array.from({ length: 12 }, (_, t) => data.validation.targetValues![t * data.validation.B]));
    const ref = referenceOutputs(config, data, params);
    expect(maxAbs(ref)).toBeGreaterThan(0.01);
    // The session's weights are float64, the exported ones float32: only that rounding differs.
    expect(maxDiff(p.predicted, ref)).toBeLessThanOrEqual(1e-4 * maxAbs(ref));
  });

  it('tagging (lr 0: the initial weights): the predicted tags = the reference’s argmax, the words of sentence 0', async () => {
    const config = taskConfig('tagging', { cell: 'rnn', hidden: 16, optimizer: optimizer({ lr: 0 }) });
    const { predictions, data } = await trainAndPredict(config, 1);
    const p = predictions.at(-1)!.prediction as Extract<Prediction, { kind: 'labels' }>;
    const n = data.validation.lengths![0];
    expect(p.words).toHaveLength(n);
    expect(p.classes).toEqual([...TAGGING_TAGS]);
    const ref = referenceOutputs(config, data, Float64Array.from(initParams(data.model, config.seed)));
    const O = TAGGING_TAGS.length;
    const argmax = Array.from({ length: n }, (_, t) => {
      const row = Array.from(ref.subarray(t * O, (t + 1) * O));
      return row.indexOf(Math.max(...row));
    });
    expect(new Set(p.predicted).size).toBeGreaterThan(1);
    expect(p.predicted).toEqual(argmax);
  });

  it('a character model gets no prediction', async () => {
    const config: SessionConfig = { ...taskConfig('sine'), dataset: { kind: 'text', name: 'ab.txt', text: 'ab'.repeat(200) } };
    const { predictions } = await trainAndPredict(config, 1);
    expect(predictions).toEqual([]);
  });
});
