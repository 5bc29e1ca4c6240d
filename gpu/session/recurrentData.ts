// From a SessionConfig to what a session trains: the data (a training stream, the validation batch,
// the heatmap's step labels) and the model config. Every refusal is a ConfigError naming the field
// or the device limit, raised before anything is allocated on the GPU.

import { parseStepKernels } from '../recurrent/stepVariants.ts';
import { CharBatcher, CharVocab } from '../data/chars.ts';
import { createTask } from '../data/tasks/index.ts';
import type { Batch } from '../data/batch.ts';
import { parseModelConfig, perSequenceLoss, type ModelConfig } from '../recurrent/config.ts';
import { checkBufferLimits, type BufferLimits } from '../recurrent/memory.ts';
import { ConfigError, intIn } from '../core/validate.ts';
import { VOCAB_KEY } from '../recurrent/weights.ts';
import { Rng } from '../core/rng.ts';
import { evenStarts, seriesBatch, standardiseSeries } from '../data/series.ts';
import type { CorpusName, DatasetChoice, SessionConfig } from './protocol.ts';

export interface RecurrentData {
  model: ModelConfig;
  /** Steps per trainer step (the truncation length) and per full sequence; sequences per batch. */
  T: number;
  seqLen: number;
  B: number;
  /** A fresh training stream (the same config gives the same batches). */
  stream(): () => Batch;
  /** Full-length validation batch (B sequences of seqLen steps). */
  validation: Batch;
  vocab: CharVocab | null;
  /** For the weights file's __metadata__. */
  metadata: Record<string, string>;
  baseline: number | null;
  /** Labels of validation sequence 0 at the steps of its last chunk: the heatmap's rows. */
  stepLabels: string[];
  /** Token tasks: each token id's word; classification tasks: each output class's name (for the prediction view). */
  tokenNames?: readonly string[];
  classNames?: readonly string[];
}

/**
 * The training stream as it stands after `steps` trainer steps: rebuilt from its seed, the batches
 * those steps used are drawn and dropped, so a restored session trains on the batches that would
 * have come next, not on the first ones again. A batch that truncated BPTT had only partly trained
 * is dropped whole: the state it carried between chunks was not saved.
 */
export function streamAfter(data: Pick<RecurrentData, 'stream' | 'T' | 'seqLen'>, steps: number): () => Batch {
  const next = data.stream();
  for (let i = Math.ceil(steps / (data.seqLen / data.T)); i > 0; i--) next();
  return next;
}

const VISIBLE: Record<string, string> = { ' ': '␣', '\n': '⏎', '\t': '⇥', '\r': '␍' };

export async function prepareRecurrentData(
  config: SessionConfig,
  loadCorpus: (name: CorpusName) => Promise<string>,
  limits: BufferLimits,
  /** Whose limits these are: a GPU's, or the CPU fallback's (whose refusals must not name a GPU). */
  device: 'gpu' | 'cpu' = 'gpu',
): Promise<RecurrentData> {
  const seqLen = intIn(config.seqLen, 'seqLen', 1, 1 << 16);
  const T = intIn(config.tbptt, 'tbptt', 1, seqLen);
  const B = intIn(config.batchSize, 'batchSize', 1, 1 << 16);
  if (seqLen % T !== 0) throw new ConfigError('tbptt', `must divide seqLen (${seqLen}); ${T} does not`);
  if (!Number.isInteger(config.seed)) throw new ConfigError('seed', `must be an integer, got ${config.seed}`);
  if (config.stepKernels !== undefined) {
    try {
      if (typeof config.stepKernels !== 'string') throw new Error('must be a string of kernel names');
      parseStepKernels(config.stepKernels);
    } catch (e) {
      throw new ConfigError('stepKernels', (e as Error).message);
    }
  }
  const lr = config.optimizer.lr;
  if (!(Number.isFinite(lr) && lr >= 0)) throw new ConfigError('optimizer.lr', `must be a finite number ≥ 0, got ${lr}`);
  const d = config.dataset;
  const data =
    d.kind === 'task'
      ? taskData(d.name, seqLen, B, config.seed)
      : d.kind === 'series'
        ? seriesData(d, seqLen, B, config.seed)
        : charData(d.kind === 'text' ? d.text : await loadCorpus(d.name), seqLen, B, config.seed);
  const model = parseModelConfig({
    cell: config.cell,
    // GRU and LSTM have fixed activations: a leftover 'relu' from the Elman settings is not an error.
    nonlinearity: config.cell === 'rnn' ? config.nonlinearity : 'tanh',
    layers: config.layers,
    hidden: config.hidden,
    bidirectional: config.bidirectional ?? false,
    ...data.model,
  });
  if (T < seqLen && perSequenceLoss(model))
    throw new ConfigError('tbptt', `truncated BPTT (${T} < seqLen ${seqLen}) needs a loss at every step; this dataset's loss is on each sequence's end`);
  if (model.bidirectional && T < seqLen)
    throw new ConfigError(
      'tbptt',
      `a bidirectional model reads each sequence whole (its reverse direction starts at the end): set tbptt to seqLen (${seqLen})`,
    );
  if (model.bidirectional && data.predictsNextInput)
    throw new ConfigError(
      'bidirectional',
      "this dataset asks for the next step's input, which a bidirectional model has already read (its reverse direction starts at the end): use a unidirectional model here, and bidirectional for a task such as tagging",
    );
  checkBufferLimits(model, T, B, limits, device, seqLen);
  const labels = data.labels(data.validation);
  return { ...data, model, T, seqLen, B, stepLabels: labels.slice(seqLen - T) };
}

type Data = Omit<RecurrentData, 'model' | 'T' | 'seqLen' | 'B' | 'stepLabels'> & {
  model: Pick<ModelConfig, 'input' | 'output' | 'loss'>;
  /** Each step's target is the next step's input (text, forecasting): no bidirectional model. */
  predictsNextInput: boolean;
  /** Labels of sequence 0 of a batch, for all its steps. */
  labels(batch: Batch): string[];
};

/** Character model: the vocabulary of the text, 90% of it to train on, the rest to validate. */
function charData(text: string, seqLen: number, B: number, seed: number): Data {
  const vocab = CharVocab.fromText(text);
  const ids = vocab.encode(text);
  const split = Math.floor(ids.length * 0.9);
  const [train, valid] = [ids.subarray(0, split), ids.subarray(split)];
  if (valid.length < seqLen + 1)
    throw new ConfigError(
      'seqLen',
      `the text has ${ids.length} characters, too short for sequences of ${seqLen} (10% is kept for validation, so it needs ${Math.ceil((seqLen + 1) / 0.1)})`,
    );
  return {
    model: { input: { kind: 'tokens', vocab: vocab.size }, output: vocab.size, loss: 'ce' },
    predictsNextInput: true,
    stream: () => {
      const batcher = new CharBatcher(train, seqLen, B, seed + 1);
      return () => batcher.next();
    },
    validation: new CharBatcher(valid, seqLen, B, seed + 2).next(),
    vocab,
    metadata: { [VOCAB_KEY]: JSON.stringify(vocab.chars) },
    baseline: null,
    labels: (b) =>
      Array.from({ length: b.T }, (_, t) => {
        const c = vocab.chars[b.tokens![t * b.B]];
        return VISIBLE[c] ?? c;
      }),
  };
}

function taskData(name: string, seqLen: number, B: number, seed: number): Data {
  let task;
  try {
    task = createTask(name, { T: seqLen, seed });
  } catch (e) {
    throw new ConfigError('dataset', (e as Error).message);
  }
  const words = task.vocabulary;
  return {
    model: task.model,
    predictsNextInput: !!task.predictsNextInput,
    stream: () => {
      const rng = new Rng(seed + 1);
      return () => task.batch(B, rng);
    },
    validation: task.validation(B),
    vocab: null,
    metadata: { 'rnnlab.task': name },
    baseline: task.baseline ?? null,
    tokenNames: words,
    classNames: task.outputNames,
    labels: (b) =>
      Array.from({ length: b.T }, (_, t) => {
        if (words) return words[b.tokens![t * b.B]];
        const F = b.inputs!.length / (b.T * b.B);
        const x = b.inputs!.subarray(t * b.B * F, t * b.B * F + F);
        // The adding task's second feature marks the two values to add.
        return x[0].toFixed(2) + (name === 'adding' && x[1] === 1 ? '*' : '');
      }),
  };
}

/**
 * A CSV column to forecast, with the sine task's model shape. Training windows start at random in the
 * first 90%; the validation windows are spread evenly over the last 10%. See gpu/data/series.ts.
 */
function seriesData(d: Extract<DatasetChoice, { kind: 'series' }>, seqLen: number, B: number, seed: number): Data {
  let series;
  try {
    series = standardiseSeries(d.values, seqLen);
  } catch (e) {
    throw new ConfigError('dataset', `“${d.name}”, column “${d.column}”: ${(e as Error).message}`);
  }
  const { train, valid, mean, std } = series;
  return {
    model: { input: { kind: 'real', features: 1 }, output: 1, loss: 'mse' },
    predictsNextInput: true,
    stream: () => {
      const rng = new Rng(seed + 1);
      const starts = train.length - seqLen; // windows of seqLen + 1 values
      return () =>
        seriesBatch(
          train,
          Array.from({ length: B }, () => rng.int(starts)),
          seqLen,
        );
    },
    validation: seriesBatch(valid, evenStarts(valid.length, seqLen, B), seqLen),
    vocab: null,
    // The standardisation travels with the weights: predictions × std + mean are in the data's units.
    metadata: { 'rnnlab.series': JSON.stringify({ file: d.name, column: d.column, mean, std }) },
    baseline: series.baseline,
    // The values in the data's units, to 4 significant digits.
    labels: (b) => Array.from({ length: b.T }, (_, t) => String(Number((b.inputs![t * b.B] * std + mean).toPrecision(4)))),
  };
}
