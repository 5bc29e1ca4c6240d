// From a SessionConfig to what a session trains: the data (a training stream, the validation batch,
// the heatmap's step labels) and the model config. Every refusal is a ConfigError naming the field
// or the device limit, raised before anything is allocated on the GPU.

import { CharBatcher, CharVocab } from '../data/chars.ts';
import { createTask } from '../data/tasks/index.ts';
import type { Batch } from '../data/batch.ts';
import { ConfigError, GATES, intIn, parseModelConfig, perSequenceLoss, type ModelConfig } from '../model/config.ts';
import { paramLayout } from '../model/params.ts';
import { VOCAB_KEY } from '../io/weights.ts';
import { Rng } from '../rng.ts';
import { evenStarts, seriesBatch, standardiseSeries } from '../data/series.ts';
import type { CorpusName, DatasetChoice, SessionConfig } from './protocol.ts';

/** The device limits a configuration is checked against. */
export interface BufferLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

export interface SessionData {
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
export function streamAfter(data: Pick<SessionData, 'stream' | 'T' | 'seqLen'>, steps: number): () => Batch {
  const next = data.stream();
  for (let i = Math.ceil(steps / (data.seqLen / data.T)); i > 0; i--) next();
  return next;
}

const VISIBLE: Record<string, string> = { ' ': '␣', '\n': '⏎', '\t': '⇥', '\r': '␍' };

export async function prepareSession(
  config: SessionConfig,
  loadCorpus: (name: CorpusName) => Promise<string>,
  limits: BufferLimits,
  /** Whose limits these are: a GPU's, or the CPU fallback's (whose refusals must not name a GPU). */
  device: 'gpu' | 'cpu' = 'gpu',
): Promise<SessionData> {
  const seqLen = intIn(config.seqLen, 'seqLen', 1, 1 << 16);
  const T = intIn(config.tbptt, 'tbptt', 1, seqLen);
  const B = intIn(config.batchSize, 'batchSize', 1, 1 << 16);
  if (seqLen % T !== 0) throw new ConfigError('tbptt', `must divide seqLen (${seqLen}); ${T} does not`);
  if (!Number.isInteger(config.seed)) throw new ConfigError('seed', `must be an integer, got ${config.seed}`);
  const lr = config.optimizer.lr;
  if (!(Number.isFinite(lr) && lr >= 0)) throw new ConfigError('optimizer.lr', `must be a finite number ≥ 0, got ${lr}`);
  const d = config.dataset;
  const data =
    d.kind === 'task' ? taskData(d.name, seqLen, B, config.seed)
    : d.kind === 'series' ? seriesData(d, seqLen, B, config.seed)
    : charData(d.kind === 'text' ? d.text : await loadCorpus(d.name), seqLen, B, config.seed);
  const model = parseModelConfig({
    cell: config.cell,
    // GRU and LSTM have fixed activations: a leftover 'relu' from the Elman settings is not an error.
    nonlinearity: config.cell === 'rnn' ? config.nonlinearity : 'tanh',
    layers: config.layers,
    hidden: config.hidden,
    ...data.model,
  });
  if (T < seqLen && perSequenceLoss(model))
    throw new ConfigError('tbptt', `truncated BPTT (${T} < seqLen ${seqLen}) needs a loss at every step; this dataset's loss is on each sequence's end`);
  checkBufferLimits(model, T, B, limits, device, seqLen);
  const labels = data.labels(data.validation);
  return { ...data, model, T, seqLen, B, stepLabels: labels.slice(seqLen - T) };
}

type Data = Omit<SessionData, 'model' | 'T' | 'seqLen' | 'B' | 'stepLabels'> & {
  model: Pick<ModelConfig, 'input' | 'output' | 'loss'>;
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
    throw new ConfigError('seqLen', `the text has ${ids.length} characters, too short for sequences of ${seqLen} (10% is kept for validation, so it needs ${Math.ceil((seqLen + 1) / 0.1)})`);
  return {
    model: { input: { kind: 'tokens', vocab: vocab.size }, output: vocab.size, loss: 'ce' },
    stream: () => {
      const batcher = new CharBatcher(train, seqLen, B, seed + 1);
      return () => batcher.next();
    },
    validation: new CharBatcher(valid, seqLen, B, seed + 2).next(),
    vocab,
    metadata: { [VOCAB_KEY]: JSON.stringify(vocab.chars) },
    baseline: null,
    labels: (b) => Array.from({ length: b.T }, (_, t) => {
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
    labels: (b) => Array.from({ length: b.T }, (_, t) => {
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
    stream: () => {
      const rng = new Rng(seed + 1);
      const starts = train.length - seqLen; // windows of seqLen + 1 values
      return () => seriesBatch(train, Array.from({ length: B }, () => rng.int(starts)), seqLen);
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

/** Bytes of the largest buffers a Trainer for (cfg, T, B) allocates, with what they hold. */
export function largestBuffers(cfg: ModelConfig, T: number, B: number): { what: string; bytes: number }[] {
  const H = cfg.hidden;
  const G = GATES[cfg.cell];
  const F = cfg.input.kind === 'tokens' ? 1 : cfg.input.features;
  const headRows = perSequenceLoss(cfg) ? B : T * B;
  return [
    { what: `parameters (${paramLayout(cfg).total} floats)`, bytes: paramLayout(cfg).total * 4 },
    { what: `gate activations (tbptt ${T} × batchSize ${B} × ${G > 1 ? `${G} gates × ` : ''}hidden ${H})`, bytes: T * B * G * H * 4 },
    { what: `hidden states ((tbptt ${T} + 1) × batchSize ${B} × hidden ${H})`, bytes: (T + 1) * B * H * 4 },
    { what: `outputs (${headRows === B ? '' : `tbptt ${T} × `}batchSize ${B} × output ${cfg.output})`, bytes: headRows * cfg.output * 4 },
    { what: `inputs (tbptt ${T} × batchSize ${B} × ${F})`, bytes: T * B * F * 4 },
  ];
}

/**
 * Refuses a model whose largest buffer passes a limit, naming the limit, the buffer and, for each of
 * hidden, batchSize and tbptt (a divisor of seqLen), the largest value that fits with the other
 * settings as they are: a config over a limit never reaches the GPU, where it would fail
 * asynchronously or compute nothing.
 */
export function checkBufferLimits(cfg: ModelConfig, T: number, B: number, limits: BufferLimits, device: 'gpu' | 'cpu' = 'gpu', seqLen = T): void {
  const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const name = limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
  const biggest = (c: ModelConfig, t: number, b: number) => largestBuffers(c, t, b).reduce((x, y) => (y.bytes > x.bytes ? y : x));
  const largest = biggest(cfg, T, B);
  if (largest.bytes <= cap) return;
  const fits: string[] = [];
  const hidden = largestFitting(cfg.hidden - 1, (h) => biggest({ ...cfg, hidden: h }, T, B).bytes <= cap);
  if (hidden) fits.push(`hidden ≤ ${hidden}`);
  const batch = largestFitting(B - 1, (b) => biggest(cfg, T, b).bytes <= cap);
  if (batch) fits.push(`batchSize ≤ ${batch}`);
  const tbptt = divisors(seqLen).filter((t) => t < T && biggest(cfg, t, B).bytes <= cap).pop();
  if (tbptt) fits.push(`tbptt ≤ ${tbptt}`);
  const hint = fits.length
    ? ` With the other settings as they are, ${fits.join(', or ')} fits.`
    : ' No smaller hidden, batchSize or tbptt alone makes it fit: reduce several of them.';
  throw new ConfigError(
    '',
    device === 'gpu'
      ? `this model needs a GPU buffer of ${mib(largest.bytes)} for its ${largest.what}, more than this GPU's ${name} of ${cap} bytes (${mib(cap)}).${hint}`
      : `this model needs an array of ${mib(largest.bytes)} for its ${largest.what}, more than the CPU fallback allows for one array (${cap} bytes, ${mib(cap)}).${hint}`,
  );
}

/** The largest n in [1, max] with fits(n) (fits is monotone: true up to some n), or 0. */
function largestFitting(max: number, fits: (n: number) => boolean): number {
  if (max < 1 || !fits(1)) return 0;
  let [lo, hi] = [1, max + 1];
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

const mib = (bytes: number) => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`);
