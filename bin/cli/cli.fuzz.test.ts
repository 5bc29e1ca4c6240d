// Fuzzing the CLI's JSON inputs: `rnnlab train --config cfg.json` and `rnnlab grad --batch
// batch.json`. Valid files are mutated at the value level (wrong types, extremes, deep nesting,
// `__proto__`/`constructor` keys, duplicated keys) and at the text level; the parse runs as the CLI
// runs it (JSON.parse, then the parser). Also the resume check: a config compared with the record
// its own run saved has no differences, and a changed field is named. See gpu/testing/fuzz.ts.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { checkParse, fuzzParams, fuzzTimeout, mutatedJson, type ParserContract } from '../../gpu/testing/fuzz.ts';
import { ConfigError } from '../../gpu/core/validate.ts';
import { CliError } from './errors.ts';
import { parseTrainConfig, type TrainConfig } from './trainConfig.ts';
import { MAX_BATCH_VALUES, parseBatchFile } from './batchFile.ts';
import { checkResume, differences, runRecord, TRAIN_KEY } from './resume.ts';
import { parseModelConfig } from '../../gpu/recurrent/config.ts';

/** As the CLI reads a JSON file: a syntax error is a one-line CliError naming the file. */
function asCliReads<T>(parse: (raw: unknown) => T): (text: string) => T {
  return (text) => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new CliError(`cfg.json: not valid JSON: ${(e as Error).message}`);
    }
    return parse(raw);
  };
}

const optimizerJson = fc.oneof(
  fc.record(
    {
      kind: fc.constant('adam'),
      lr: fc.double({ min: 1e-5, max: 1, noNaN: true }),
      beta1: fc.constantFrom(0.9, 0.5),
      eps: fc.constant(1e-8),
      weightDecay: fc.constantFrom(0, 0.01),
    },
    { requiredKeys: ['kind'] },
  ),
  fc.record(
    { kind: fc.constant('sgd'), lr: fc.constantFrom(0.1, 0.01), momentum: fc.constantFrom(0, 0.9), nesterov: fc.boolean(), dampening: fc.constant(0) },
    { requiredKeys: ['kind'] },
  ),
  fc.record({ kind: fc.constant('adamw'), lr: fc.constant(0.001), weightDecay: fc.constantFrom(0, 0.1) }, { requiredKeys: ['kind'] }),
);

const trainJson = fc.record(
  {
    cell: fc.constantFrom('rnn', 'gru', 'lstm'),
    layers: fc.integer({ min: 1, max: 8 }),
    hidden: fc.integer({ min: 1, max: 4096 }),
    dataset: fc.oneof(
      fc.constant<unknown>('moby-dick'),
      fc.record({ task: fc.constantFrom('adding', 'copy', 'sine', 'mackey-glass', 'tagging') }),
      fc.record({ text: fc.constantFrom('a.txt', '../x', '') }),
    ),
    seqLen: fc.constantFrom(8, 16, 64),
    tbptt: fc.constantFrom(4, 8),
    batchSize: fc.integer({ min: 1, max: 64 }),
    steps: fc.nat(1000),
    optimizer: optimizerJson,
    clip: fc.constantFrom(0, 1, 5),
    seed: fc.nat(),
    logEvery: fc.integer({ min: 1, max: 100 }),
    evalEvery: fc.nat(100),
  },
  { requiredKeys: ['hidden'] },
);

const trainContract: ParserContract<string, TrainConfig> = {
  name: 'parseTrainConfig',
  parse: asCliReads(parseTrainConfig),
  throws: [ConfigError, CliError],
  maxMs: 500,
  maxAllocated: (t) => 64 * t.length + (1 << 20),
  checkOutput(tc) {
    expect(tc.seqLen % tc.tbptt).toBe(0);
    for (const k of Object.keys(tc.modelFields)) expect(['cell', 'nonlinearity', 'layers', 'hidden', 'input', 'output', 'loss']).toContain(k);
  },
};

const batchJson = fc
  .record({
    cell: fc.constantFrom('rnn', 'gru', 'lstm'),
    layers: fc.integer({ min: 1, max: 2 }),
    hidden: fc.integer({ min: 1, max: 4 }),
    B: fc.integer({ min: 1, max: 3 }),
    T: fc.integer({ min: 1, max: 4 }),
    tokens: fc.boolean(),
    size: fc.integer({ min: 1, max: 5 }),
    loss: fc.constantFrom('ce', 'mse', 'class', 'regress'),
    ragged: fc.boolean(),
    h0: fc.boolean(),
  })
  .map((r) => {
    const O = r.size;
    const ids = (n: number, b: number) => Array.from({ length: n }, (_, i) => (i * 7 + b) % O);
    const vec = (n: number) => Array.from({ length: n }, (_, i) => i / 10);
    const x = Array.from({ length: r.B }, (_, b) => (r.tokens ? ids(r.T, b) : Array.from({ length: r.T }, () => vec(r.size))));
    const y =
      r.loss === 'ce'
        ? x.map((_, b) => ids(r.T, b))
        : r.loss === 'mse'
          ? x.map(() => Array.from({ length: r.T }, () => vec(O)))
          : r.loss === 'class'
            ? ids(r.B, 0)
            : x.map(() => vec(O));
    return {
      cell: r.cell,
      layers: r.layers,
      hidden: r.hidden,
      loss: r.loss,
      output: O,
      input: r.tokens ? { kind: 'tokens', vocab: r.size } : { kind: 'real', features: r.size },
      x,
      y,
      ...(r.ragged ? { lengths: Array.from({ length: r.B }, (_, b) => 1 + ((b * 3) % r.T)) } : {}),
      ...(r.h0 ? { h0: Array.from({ length: r.layers }, () => Array.from({ length: r.B }, () => vec(r.hidden))) } : {}),
    };
  });

const batchContract: ParserContract<string, ReturnType<typeof parseBatchFile>> = {
  name: 'parseBatchFile',
  parse: asCliReads(parseBatchFile),
  throws: [ConfigError, CliError],
  maxMs: 500,
  // Every value out stands for a number in the file, or for padding within MAX_BATCH_VALUES.
  maxAllocated: (t) => 64 * t.length + 4 * 8 * MAX_BATCH_VALUES,
  checkOutput({ batch, cfg }) {
    const F = cfg.input.kind === 'tokens' ? 1 : cfg.input.features;
    if (batch.tokens) expect(batch.tokens.length).toBe(batch.T * batch.B);
    if (batch.inputs) expect(batch.inputs.length).toBe(batch.T * batch.B * F);
    expect(batch.lengths!.every((n) => n >= 1 && n <= batch.T)).toBe(true);
  },
};

describe('fuzz: the CLI’s JSON files, mutated', () => {
  /** Each file: the test's title, valid files, and its parse held to its contract. */
  const files: [string, fc.Arbitrary<unknown>, (text: string) => unknown][] = [
    [
      'any mutated train config: a ConfigError naming the field, a CliError for bad JSON, or a consistent config',
      trainJson,
      (text) => checkParse(trainContract, text),
    ],
    ['any mutated grad batch: a ConfigError naming the entry, or a batch of consistent shapes', batchJson, (text) => checkParse(batchContract, text)],
  ];
  for (const [title, valid, check] of files)
    it(
      title,
      () => {
        fc.assert(
          fc.property(mutatedJson(valid), (text) => void check(text)),
          fuzzParams(),
        );
      },
      fuzzTimeout(3),
    );
});

/** The record a run of `tc` saves (on a token model, as the text datasets build it). */
const recordOf = (tc: TrainConfig) => runRecord(tc, parseModelConfig({ ...tc.modelFields, input: { kind: 'tokens', vocab: 7 }, loss: 'ce' }));

/** A generated config as the CLI reads it, and the metadata its run saved at step 5; undefined where the config is refused. */
function savedRun(raw: unknown) {
  const tc = checkParse(trainContract, JSON.stringify(raw));
  return tc && { tc, saved: { [TRAIN_KEY]: JSON.stringify(recordOf(tc)), 'rnnlab.step': '5' } };
}

describe('fuzz: resuming rnnlab train', () => {
  /** A test that `check` holds for half the usual number of generated cases. */
  const holds = <T>(title: string, cases: fc.Arbitrary<T>, check: (c: T) => void) =>
    it(
      title,
      () => {
        fc.assert(fc.property(cases, check), fuzzParams(0.5));
      },
      fuzzTimeout(3, 0.5),
    );

  holds('a run’s own record has no differences: it resumes', trainJson, (raw) => {
    const run = savedRun(raw);
    if (run) expect(() => checkResume('w.safetensors', 'w.optim.safetensors', run.saved, recordOf(run.tc), 5)).not.toThrow();
  });

  holds(
    'a changed setting is refused, naming the setting',
    fc.tuple(trainJson, fc.constantFrom('hidden', 'batchSize', 'seqLen', 'optimizer.lr', 'clip', 'cell')),
    ([raw, field]) => {
      const run = savedRun(raw);
      if (!run) return;
      const changed = structuredClone(raw) as Record<string, unknown>;
      if (field === 'optimizer.lr') changed.optimizer = { ...(raw.optimizer as object), lr: 0.123 };
      else changed[field] = field === 'cell' ? (raw.cell === 'gru' ? 'lstm' : 'gru') : field === 'seqLen' ? 24 : field === 'clip' ? 0.25 : 3;
      const tc2 = (() => {
        try {
          return parseTrainConfig(changed);
        } catch {
          return null;
        }
      })();
      if (!tc2) return;
      if (JSON.stringify(recordOf(run.tc)) === JSON.stringify(recordOf(tc2))) return;
      const diff = differences(JSON.parse(run.saved[TRAIN_KEY]), recordOf(tc2));
      const name = field === 'cell' ? 'model.cell' : field === 'hidden' ? 'model.hidden' : field === 'clip' ? 'optimizer.clip' : field;
      expect(diff.join('\n')).toContain(`${name}: `);
      expect(() => checkResume('w.safetensors', 'w.optim.safetensors', run.saved, recordOf(tc2), 5)).toThrow(/differs from the run it resumes/);
    },
  );

  holds('an optimizer state of another step than the weights is refused, both steps named', trainJson, (raw) => {
    const run = savedRun(raw);
    if (run)
      expect(() => checkResume('w.safetensors', 'w.optim.safetensors', run.saved, recordOf(run.tc), 4)).toThrow(
        /step 4, the weights in w\.safetensors of step 5/,
      );
  });
});

describe('fuzz: rnnlab grad batch file, huge', () => {
  it('a small file cannot make the reader allocate for huge padded inputs', () => {
    // One sequence of 40,000 steps, all padding but the first (lengths [1]), with 65536 features:
    // 2.6e9 values to allocate, from a 210 kB file.
    const T = 40_000;
    const raw = {
      cell: 'rnn',
      hidden: 1,
      input: { kind: 'real', features: 65536 },
      output: 1,
      loss: 'regress',
      x: [[new Array(65536).fill(0), ...new Array(T - 1).fill(0)]],
      y: [[0]],
      lengths: [1],
    };
    const text = JSON.stringify(raw);
    expect(() => parseBatchFile(JSON.parse(text))).toThrow(ConfigError);
    expect(checkParse({ ...batchContract, maxMs: 10_000 }, text)).toBeUndefined();
  });
});
