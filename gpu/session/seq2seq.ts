// The encoder-decoder family as a session trains it (family.ts): a sequence-to-sequence model
// (gpu/seq2seq/) on a generated pair task (trained on pairs up to `maxLength`, validated on longer
// ones) or on a user's file of tab-separated pairs. Training runs on the GPU (Seq2SeqTrainer, one
// submit per step); validation and decoding run on the float64 reference (Seq2SeqReference) from
// weights read back between steps, as the CLI's `train --seq2seq` does (gpu/seq2seq/evaluate.ts).
//
// Messages: `seq2seqConfigured` announces a model (its vocabulary and the longest training and
// validation sources). Each validation posts `validation` (the teacher-forced loss, greedy decoding's
// token accuracy and exact match on the task's first validation pairs: as many as the reference
// measures in about a third of a second, VALIDATION_PAIRS), then `alignment`: validation pair 0
// decoded greedily, with its attention weights. `decode` answers with `decoded` (a beam's
// hypotheses, best first), or with `decoded` carrying `error` when the request cannot be decoded (a
// symbol outside the vocabulary, a source too long, a beam width out of range).

import type { GpuContext } from '../core/context.ts';
import { ConfigError, intIn } from '../core/validate.ts';
import { Rng } from '../core/rng.ts';
import type { BufferLimits } from '../recurrent/memory.ts';
import { GATES } from '../recurrent/config.ts';
import { modelWidth, parseSeq2SeqConfig, type Seq2SeqConfig } from '../seq2seq/config.ts';
import { beamSearch } from '../seq2seq/decode.ts';
import { greedyAlignment, validatePairs, validationCost } from '../seq2seq/evaluate.ts';
import { PairFileError, pairFileTask } from '../seq2seq/pairFile.ts';
import { column, decodeTokens, SPECIALS, type PairBatch, type PairTask } from '../seq2seq/pairs.ts';
import { paramLayout } from '../seq2seq/params.ts';
import { Seq2SeqReference } from '../seq2seq/reference.ts';
import { createPairTask, PAIR_TASK_LENGTHS, PAIR_TASK_NAMES, type PairTaskName } from '../seq2seq/tasks.ts';
import { Seq2SeqTrainer } from '../seq2seq/trainer.ts';
import { parseTeacherForcing, type TeacherForcing } from '../seq2seq/teacherForcing.ts';
import { decodeSeq2SeqOptimizerState, decodeSeq2SeqWeights, encodeSeq2SeqOptimizerState, encodeSeq2SeqWeights } from '../seq2seq/weights.ts';
import type { RunHooks, SessionFamily } from './family.ts';
import { GpuRun } from './gpuRun.ts';
import { SEQ2SEQ_SESSION_LIMITS, type FromWorker, type Seq2SeqSessionConfig } from './protocol.ts';
import { refuseOtherFamily } from './weightsKind.ts';

export interface Seq2SeqFamilyOptions {
  /** The most validation pairs measured at each validation (default VALIDATION_PAIRS.max). */
  pairValidationSize?: number;
}

/**
 * Validation pairs: as many as the reference measures in VALIDATION_BUDGET multiply-adds
 * (validationCost), from `min` to `max`, and no more than a pair file holds. The budget is about a
 * third of a second at the ~200 M multiply-adds/s of the float64 reference in V8: 64 pairs for
 * small models, 13 for a GRU of 128 on reverse, the minimum for the largest (whose validations then
 * take seconds).
 */
export const VALIDATION_PAIRS = { min: 8, max: 64 } as const;
export const VALIDATION_BUDGET = 64e6;

/** How many validation pairs a model measures (see VALIDATION_PAIRS). */
export function validationPairs(model: Seq2SeqConfig, task: PairTask, max: number = VALIDATION_PAIRS.max): number {
  const cost = validationCost(model, task.maxSource.validation, task.maxTarget.validation);
  const fit = Math.max(VALIDATION_PAIRS.min, Math.floor(VALIDATION_BUDGET / cost));
  return Math.max(1, Math.min(fit, max, task.validationSize ?? Infinity));
}
/** Beam widths a `decode` may ask for. */
export const DECODE_BEAM = { min: 1, max: 8 } as const;
/** Output tokens a decoding may write beyond the task's longest target (<eos> included). */
export const DECODE_EXTRA = 5;

/** A seq2seq config's task, model and validation batch. */
export interface Seq2SeqData {
  task: PairTask;
  model: Seq2SeqConfig;
  /** The validation pairs measured at each validation (the task's first ones: fixed for a seed). */
  validation: PairBatch;
  ref: Seq2SeqReference;
  /** The longest source a `decode` takes, and the most tokens it writes. */
  decodeLimits: { source: number; output: number };
  /** The task's training stream has not been used yet: the first run takes it, later ones make their own. */
  unused: boolean;
  /** The teacher-forcing schedule (full teacher forcing when the config has none). */
  teacherForcing: TeacherForcing;
}

export type DecodedMessage = Extract<FromWorker, { type: 'decoded' }>;

const quote = (s: string) => JSON.stringify(s);

/** The task of a config, its errors naming the field ('task', 'maxLength', 'pairs'). */
function makeTask(c: Seq2SeqSessionConfig): PairTask {
  if (c.task === 'file') {
    const p = c.pairs;
    if (!p || typeof p.text !== 'string' || typeof p.name !== 'string') throw new ConfigError('pairs', 'a pair file task needs the file (pairs: {name, text})');
    try {
      return pairFileTask(p.text, { seed: c.seed });
    } catch (e) {
      if (e instanceof PairFileError) throw new ConfigError('pairs', `${p.name}: ${e.message}`);
      throw e;
    }
  }
  if (!(PAIR_TASK_NAMES as readonly string[]).includes(c.task))
    throw new ConfigError('task', `must be one of ${[...PAIR_TASK_NAMES, 'file'].map(quote).join(', ')}, got ${quote(String(c.task))}`);
  const range = PAIR_TASK_LENGTHS[c.task as PairTaskName];
  if (c.maxLength !== undefined) intIn(c.maxLength, 'maxLength', range.min, range.max);
  try {
    return createPairTask(c.task, { seed: c.seed, maxLength: c.maxLength });
  } catch (e) {
    throw new ConfigError('task', (e as Error).message);
  }
}

/** The model of a config over a vocabulary of `vocab` symbols (specials included), its errors naming the field. */
function makeModel(c: Seq2SeqSessionConfig, vocab: number): Seq2SeqConfig {
  const L = SEQ2SEQ_SESSION_LIMITS;
  intIn(c.hidden, 'hidden', 1, L.hidden);
  intIn(c.layers, 'layers', 1, L.layers);
  if (c.attentionSize !== undefined) intIn(c.attentionSize, 'attentionSize', 1, L.attentionSize);
  return parseSeq2SeqConfig({
    cell: c.cell,
    // GRU and LSTM have fixed activations: a leftover 'relu' from the Elman settings is not an error.
    nonlinearity: c.cell === 'rnn' ? c.nonlinearity : 'tanh',
    layers: c.layers,
    hidden: c.hidden,
    bidirectional: c.bidirectional ?? false,
    vocab,
    attention: c.attention,
    // The additive score's width only means something for additive attention.
    ...(c.attention === 'additive' && c.attentionSize !== undefined ? { attentionSize: c.attentionSize } : {}),
  });
}

/** Bytes of the largest GPU buffers a Seq2SeqTrainer for (cfg, S, U, B) allocates, with what they hold. */
export function seq2seqBuffers(cfg: Seq2SeqConfig, S: number, U: number, B: number): { what: string; bytes: number }[] {
  const [H, W, V, G] = [cfg.hidden, modelWidth(cfg), cfg.vocab, GATES[cfg.cell]];
  const A = cfg.attentionSize ?? W;
  const gates = G > 1 ? `${G} gates × ` : '';
  const list = [
    { what: `parameters (${paramLayout(cfg).total} floats)`, bytes: paramLayout(cfg).total * 4 },
    { what: `encoder gate activations (source ${S} × batchSize ${B} × ${gates}hidden ${H})`, bytes: S * B * G * H * 4 },
    { what: `decoder gate activations (target ${U} × batchSize ${B} × ${gates}width ${W})`, bytes: U * B * G * W * 4 },
    { what: `decoder states ((target ${U} + 1) × batchSize ${B} × width ${W})`, bytes: (U + 1) * B * W * 4 },
    { what: `logits (target ${U} × batchSize ${B} × vocabulary ${V})`, bytes: U * B * V * 4 },
  ];
  if (cfg.attention !== 'none')
    list.push(
      { what: `attention weights (target ${U} × batchSize ${B} × source ${S})`, bytes: U * B * S * 4 },
      { what: `attention inputs (target ${U} × batchSize ${B} × 2 × width ${W})`, bytes: U * B * 2 * W * 4 },
      { what: `attention keys (source ${S} × batchSize ${B} × ${A})`, bytes: S * B * A * 4 },
    );
  return list;
}

/** Refuses a model whose largest GPU buffer passes a device limit, naming it and the largest batchSize that fits. */
function checkLimits(cfg: Seq2SeqConfig, task: PairTask, B: number, limits: BufferLimits): void {
  const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const name = limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
  const [S, U] = [task.maxSource.train, task.maxTarget.train];
  const largest = (b: number) => seq2seqBuffers(cfg, S, U, b).reduce((x, y) => (y.bytes > x.bytes ? y : x));
  const worst = largest(B);
  if (worst.bytes <= cap) return;
  let fits = 0;
  for (let lo = 1, hi = B - 1; lo <= hi;) {
    const mid = Math.floor((lo + hi) / 2);
    if (largest(mid).bytes <= cap) [fits, lo] = [mid, mid + 1];
    else hi = mid - 1;
  }
  const mib = (n: number) => `${(n / (1 << 20)).toFixed(1)} MiB`;
  throw new ConfigError(
    '',
    `this model needs a GPU buffer of ${mib(worst.bytes)} for its ${worst.what}, more than this GPU's ${name} of ${cap} bytes (${mib(cap)}). ` +
      (fits ? `With the other settings as they are, batchSize ≤ ${fits} fits.` : 'Reduce hidden, or the task’s maxLength.'),
  );
}

/** Checks a config and makes its task, model and validation batch (nothing is allocated on the GPU). */
export function prepareSeq2SeqData(c: Seq2SeqSessionConfig, limits: BufferLimits, pairValidationSize: number = VALIDATION_PAIRS.max): Seq2SeqData {
  if (!Number.isInteger(c.seed)) throw new ConfigError('seed', `must be an integer, got ${c.seed}`);
  const B = intIn(c.batchSize, 'batchSize', 1, SEQ2SEQ_SESSION_LIMITS.batchSize);
  const lr = c.optimizer?.lr;
  if (!(Number.isFinite(lr) && lr >= 0)) throw new ConfigError('optimizer.lr', `must be a finite number ≥ 0, got ${lr}`);
  const teacherForcing = parseTeacherForcing(c.teacherForcing);
  const task = makeTask(c);
  const model = makeModel(c, task.vocabulary.length);
  checkLimits(model, task, B, limits);
  const validation = task.validation(validationPairs(model, task, pairValidationSize));
  return {
    task,
    model,
    validation,
    ref: new Seq2SeqReference(model),
    decodeLimits: {
      source: Math.max(task.maxSource.train, task.maxSource.validation),
      output: Math.max(task.maxTarget.train, task.maxTarget.validation) + DECODE_EXTRA,
    },
    unused: true,
    teacherForcing,
  };
}

const sameModel = (a: Seq2SeqConfig, b: Seq2SeqConfig) => JSON.stringify(a) === JSON.stringify(b);
const sameVocabulary = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((s, i) => s === b[i]);

/** A decode request checked against the model's vocabulary and limits: the source's ids, or why not. */
export function decodeProblem(data: Seq2SeqData, source: string, beam: number): { ids: number[] } | { error: string } {
  if (!(Number.isInteger(beam) && beam >= DECODE_BEAM.min && beam <= DECODE_BEAM.max))
    return { error: `The beam width must be an integer from ${DECODE_BEAM.min} to ${DECODE_BEAM.max}, got ${beam}.` };
  const symbols = Array.from(typeof source === 'string' ? source : '');
  if (symbols.length === 0) return { error: 'The source is empty: type the symbols to decode.' };
  const max = data.decodeLimits.source;
  if (symbols.length > max)
    return { error: `The source has ${symbols.length} symbols; this model decodes sources of at most ${max} (the longest it trains or validates on).` };
  const vocabulary = data.task.vocabulary;
  const ids = new Map<string, number>();
  vocabulary.forEach((s, i) => i >= SPECIALS.length && ids.set(s, i));
  const unknown = [...new Set(symbols.filter((s) => !ids.has(s)))];
  if (unknown.length) {
    const known = vocabulary.slice(SPECIALS.length).join('');
    const listed = unknown.map(quote).join(', ');
    return {
      error: `${unknown.length === 1 ? `The symbol ${listed} is` : `The symbols ${listed} are`} not in this model's vocabulary (${quote(known)}).`,
    };
  }
  return { ids: symbols.map((s) => ids.get(s)!) };
}

export function seq2seqFamily(ctx: GpuContext, limits: BufferLimits, o: Seq2SeqFamilyOptions = {}): SessionFamily<Seq2SeqSessionConfig, Seq2SeqData> {
  return {
    async prepare(c) {
      return prepareSeq2SeqData(c, limits, o.pairValidationSize);
    },
    sameWeights: (a, b) => sameModel(a.model, b.model) && sameVocabulary(a.task.vocabulary, b.task.vocabulary),
    async build(config, data, params, hooks) {
      // A reset or a rebuild starts the training pairs over: a fresh task, as the config describes it
      // (a pair file's task walks its own seeded epochs).
      const task = data.unused ? data.task : makeTask(config);
      data.unused = false;
      return new Seq2SeqRun(ctx, config, data, task, params, hooks).start(params);
    },
    configured: (data): FromWorker => ({
      type: 'seq2seqConfigured',
      paramCount: paramLayout(data.model).total,
      vocabulary: data.task.vocabulary.slice(),
      maxSource: { ...data.task.maxSource },
      kernels: null,
    }),
    readWeights(bytes, data) {
      refuseOtherFamily(bytes, 'seq2seq');
      const w = decodeSeq2SeqWeights(bytes, data.model);
      if (w.vocabulary && !sameVocabulary(w.vocabulary, data.task.vocabulary))
        throw new Error(
          `they were saved with another vocabulary (${quote(w.vocabulary.slice(SPECIALS.length).join(''))}, here ${quote(data.task.vocabulary.slice(SPECIALS.length).join(''))}): another task or pair file`,
        );
      return w.params;
    },
    writeWeights: (data, params, extra) => encodeSeq2SeqWeights(data.model, params, data.task.vocabulary, extra),
    readOptimizer: (bytes, data, opt) => decodeSeq2SeqOptimizerState(bytes, data.model, opt),
    writeOptimizer: (data, opt, s) => encodeSeq2SeqOptimizerState(data.model, opt, s),
    async decode(_config, data, readParams, { source, beam }) {
      const checked = decodeProblem(data, source, beam);
      if ('error' in checked) return { type: 'decoded', source, beam, hypotheses: [], error: checked.error };
      const params = Float64Array.from(await readParams());
      const found = beamSearch(data.ref, params, checked.ids, { width: beam, maxLength: data.decodeLimits.output });
      const hypotheses = found.map((h) => ({ text: decodeTokens(h.tokens, data.task.vocabulary), logProb: h.logProb, finished: h.finished }));
      return { type: 'decoded', source, beam, hypotheses };
    },
  };
}

const METRICS_EVERY = 10;
const sum = (a: Uint32Array) => a.reduce((s, n) => s + n, 0);

class Seq2SeqRun extends GpuRun<Seq2SeqTrainer> {
  /** The training pairs' stream (a generated task's; a file task walks its own). The CLI's seed + 1, so both draw the same batches. */
  private readonly rng: Rng;
  /** Source and target tokens trained since the metrics last reported them (the throughput is in tokens/s). */
  private tokens = 0;

  constructor(
    ctx: GpuContext,
    private readonly config: Seq2SeqSessionConfig,
    private readonly data: Seq2SeqData,
    private readonly task: PairTask,
    params: Float32Array | null,
    private readonly hooks: RunHooks,
  ) {
    super(
      new Seq2SeqTrainer(ctx, {
        model: data.model,
        S: task.maxSource.train,
        U: task.maxTarget.train,
        B: config.batchSize,
        optimizer: config.optimizer,
        seed: config.seed,
        params: params ?? undefined,
        metricsEvery: METRICS_EVERY,
        onMetrics: (w) => hooks.onMetrics(w),
        teacherForcing: data.teacherForcing,
      }),
    );
    this.rng = new Rng(config.seed + 1);
  }

  trainStep(): void {
    const batch = this.task.batch(this.config.batchSize, this.rng);
    this.tokens += sum(batch.sourceLengths) + sum(batch.targetLengths);
    this.trainer.step(batch);
  }

  takeThroughput(): number {
    const n = this.tokens;
    this.tokens = 0;
    return n;
  }

  /** The validation pairs' loss, token accuracy and exact match (the reference, on the weights read back), then pair 0's alignment. */
  async validate(): Promise<void> {
    const { trainer, data } = this;
    const cp = await trainer.readCheckpoint();
    const params = Float64Array.from(cp.params);
    const v = validatePairs(data.ref, params, data.validation);
    this.hooks.post({ type: 'validation', step: cp.step, loss: v.loss, accuracy: v.accuracy, exactMatch: v.exactMatch });
    if (Number.isFinite(v.loss)) this.lastGood = { step: cp.step, params: cp.params, optimizer: cp.optimizer };
    const { B, source, sourceLengths, target, targetLengths } = data.validation;
    const vocabulary = data.task.vocabulary;
    const src = column(source, B, 0, sourceLengths[0]);
    const a = greedyAlignment(data.ref, params, src, data.decodeLimits.output);
    const weights = a.weights ? Float32Array.from(a.weights) : null;
    const names = (ids: number[]) => ids.map((id) => vocabulary[id]);
    this.hooks.post(
      {
        type: 'alignment',
        step: cp.step,
        source: names(src),
        output: names(a.tokens),
        target: names(column(target, B, 0, targetLengths[0])),
        weights,
      },
      weights ? [weights.buffer] : [],
    );
  }

  /** The batches of `step` steps drawn and dropped: a restored run trains on the pairs that come next. */
  resumeAt(step: number): void {
    this.trainer.steps = step;
    for (let i = 0; i < step; i++) this.task.batch(this.config.batchSize, this.rng);
  }
}
