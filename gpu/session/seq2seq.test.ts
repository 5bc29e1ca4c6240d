// The encoder-decoder session in Node (Dawn), driven directly as the worker does: configure the
// reverse task, train, validation with token accuracy and exact match, the alignment of validation
// pair 0, decoding by beam search; refusals, weights files of other families, checkpoints, a file of
// pairs, keepWeights and the snapshot of the device-loss recovery.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { charConfig, openSession, type Of, type RecordedSession } from '../testing/sessions.ts';
import { optimizer } from '../optimizer/config.ts';
import { decodeSeq2SeqWeights } from '../seq2seq/weights.ts';
import { encodeTreeWeights } from '../tree/weights.ts';
import { initTreeParams, type TreeModelConfig } from '../tree/config.ts';
import { encodeWeights } from '../recurrent/weights.ts';
import { initParams as initRecurrentParams } from '../recurrent/params.ts';
import type { ModelConfig } from '../recurrent/config.ts';
import type { FromWorker, Seq2SeqSessionConfig } from './protocol.ts';
import type { Seq2SeqTrainer } from '../seq2seq/trainer.ts';
import { parseSeq2SeqConfig } from '../seq2seq/config.ts';
import { createPairTask } from '../seq2seq/tasks.ts';
import { pairFileTask } from '../seq2seq/pairFile.ts';
import { VALIDATION_PAIRS, validationPairs } from './seq2seq.ts';

const gpu = useGpu();

const config = (over: Partial<Seq2SeqSessionConfig> = {}): Seq2SeqSessionConfig => ({
  kind: 'seq2seq',
  task: 'reverse',
  maxLength: 6,
  cell: 'gru',
  nonlinearity: 'tanh',
  layers: 1,
  hidden: 16,
  attention: 'dot',
  batchSize: 16,
  optimizer: optimizer({ kind: 'adam', lr: 0.02, clip: 1 }),
  seed: 0,
  ...over,
});

const open = (ctx = gpu()) => openSession({ gpu: ctx });
const trainerOf = (s: RecordedSession) => s.session.trainer as Seq2SeqTrainer;

/** A session of `c`, trained `steps` steps (validated every 20 and at the end), or only configured. */
async function trained(c: Seq2SeqSessionConfig, steps: number): Promise<RecordedSession> {
  const s = open();
  await s.session.handle({ type: 'configure', config: c, keepWeights: false });
  if (steps > 0) await s.session.runSteps(steps);
  return s;
}

async function decode(s: RecordedSession, source: string, beam: number): Promise<Of<'decoded'>> {
  await s.session.handle({ type: 'decode', source, beam });
  return s.last('decoded')!;
}

const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
const LETTERS = 'abcdefghij';

describe('Seq2SeqSession trains reverse (maxLength 6, GRU 16, dot attention) for 60 steps', () => {
  let s: RecordedSession;
  let losses: number[];
  beforeAll(async () => {
    s = await trained(config(), 60);
    losses = s.of('metrics').flatMap((m) => Array.from(m.losses));
    const v = s.last('validation')!;
    console.log(
      `seq2seq session: loss ${mean(losses.slice(0, 10)).toFixed(3)} -> ${mean(losses.slice(-10)).toFixed(3)}; ` +
        `validation loss ${v.loss.toFixed(3)}, accuracy ${v.accuracy?.toFixed(3)}, exact ${v.exactMatch?.toFixed(3)}`,
    );
  }, 180_000);
  afterAll(() => s.session.dispose());

  it('announces the model: seq2seqConfigured with the vocabulary and the longest sources, no `configured`', () => {
    expect(s.of('error')).toEqual([]);
    expect(s.of('configured')).toEqual([]);
    const cfg = s.of('seq2seqConfigured');
    expect(cfg).toHaveLength(1);
    expect(cfg[0].vocabulary).toEqual(['<pad>', '<bos>', '<eos>', ...LETTERS]);
    expect(cfg[0].maxSource).toEqual({ train: 6, validation: 11 });
    expect(cfg[0].paramCount).toBeGreaterThan(0);
    expect(cfg[0].kernels).toBeNull();
  });

  it('the loss falls: the last 10 steps’ mean below 0.8 × the first 10’s', () => {
    expect(losses).toHaveLength(60);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(mean(losses.slice(-10))).toBeLessThan(0.8 * mean(losses.slice(0, 10)));
  });

  it('validates every 20 steps: a finite loss, an accuracy and an exact match within [0, 1]', () => {
    const v = s.of('validation');
    expect(v.map((x) => x.step)).toEqual([20, 40, 60]);
    for (const x of v) {
      expect(Number.isFinite(x.loss)).toBe(true);
      expect(x.accuracy).toBeGreaterThanOrEqual(0);
      expect(x.accuracy).toBeLessThanOrEqual(1);
      expect(x.exactMatch).toBeGreaterThanOrEqual(0);
      expect(x.exactMatch).toBeLessThanOrEqual(1);
    }
  });

  it('after each validation, validation pair 0 decoded greedily, with attention rows summing to 1 over the source', () => {
    const alignments = s.of('alignment');
    expect(alignments.map((a) => a.step)).toEqual([20, 40, 60]);
    for (const a of alignments) {
      expect(a.source.length).toBeGreaterThan(6); // a validation source: longer than any training one
      expect(a.source.every((c) => LETTERS.includes(c))).toBe(true);
      expect(a.target).toEqual([...[...a.source].reverse(), '<eos>']);
      expect(a.output.length).toBeGreaterThan(0);
      expect(a.output.slice(0, -1)).not.toContain('<eos>');
      const [U, S] = [a.output.length, a.source.length];
      expect(a.weights).toHaveLength(U * S);
      for (let u = 0; u < U; u++) {
        const row = Array.from(a.weights!.subarray(u * S, (u + 1) * S));
        expect(row.every((w) => w >= 0)).toBe(true);
        expect(mean(row) * S).toBeCloseTo(1, 5);
      }
    }
  });

  it('decodes "abc" with a beam of 3: three hypotheses, best first, with finite log-probabilities', async () => {
    const d = await decode(s, 'abc', 3);
    expect(d).toMatchObject({ source: 'abc', beam: 3 });
    expect(d.error).toBeUndefined();
    expect(d.hypotheses).toHaveLength(3);
    const lp = d.hypotheses.map((h) => h.logProb);
    expect(lp.every((x) => Number.isFinite(x) && x <= 0)).toBe(true);
    expect(lp).toEqual([...lp].sort((x, y) => y - x));
    for (const h of d.hypotheses) expect(typeof h.finished).toBe('boolean');
    // The beam's best is at least as probable as greedy decoding's answer.
    const greedy = await decode(s, 'abc', 1);
    expect(greedy.hypotheses).toHaveLength(1);
    expect(lp[0]).toBeGreaterThanOrEqual(greedy.hypotheses[0].logProb - 1e-9);
  });

  it('refuses to decode a symbol outside the vocabulary, naming it, with no hypotheses', async () => {
    const d = await decode(s, 'abz', 2);
    expect(d.hypotheses).toEqual([]);
    expect(d.error).toMatch(/"z"/);
    expect(d.error).toMatch(/vocabulary/);
  });

  it('refuses a source longer than allowed, an empty one and a beam width out of 1–8', async () => {
    expect((await decode(s, 'a'.repeat(12), 1)).error).toMatch(/12 symbols.*at most 11/);
    expect((await decode(s, '', 1)).error).toMatch(/empty/);
    expect((await decode(s, 'abc', 9)).error).toMatch(/beam width .*1 to 8/);
    expect((await decode(s, 'abc', 0)).error).toMatch(/beam width/);
    expect(s.of('error')).toEqual([]);
  });

  it('refuses to sample, pointing to decode', async () => {
    await s.session.handle({ type: 'sample', prompt: 'a', temperature: 1, length: 5 });
    expect(s.last('error')!.message).toMatch(/“sample” is not available for encoder-decoder models: decode/);
  });

  it('exports its weights as an encoder-decoder weights file with the vocabulary', async () => {
    await s.session.handle({ type: 'exportWeights' });
    const file = decodeSeq2SeqWeights(new Uint8Array(s.last('weights')!.bytes));
    expect(file.cfg).toMatchObject({ cell: 'gru', hidden: 16, attention: 'dot', vocab: 13 });
    expect(file.vocabulary).toEqual(['<pad>', '<bos>', '<eos>', ...LETTERS]);
    expect(file.params).toEqual(await s.weights());
  });
});

describe('validation pairs', () => {
  const reverse = createPairTask('reverse', { seed: 0 });
  const model = (hidden: number, over: object = {}) => parseSeq2SeqConfig({ cell: 'gru', hidden, attention: 'dot', vocab: 13, ...over });

  it('64 for a small model; fewer, and at least 8, as the model grows', () => {
    expect(validationPairs(model(16), reverse)).toBe(VALIDATION_PAIRS.max);
    const big = validationPairs(model(128), reverse);
    expect(big).toBeLessThan(VALIDATION_PAIRS.max);
    expect(big).toBeGreaterThanOrEqual(VALIDATION_PAIRS.min);
    expect(validationPairs(model(128), reverse)).toBeGreaterThanOrEqual(validationPairs(model(128, { cell: 'lstm', bidirectional: true }), reverse));
    expect(validationPairs(model(256, { cell: 'lstm', layers: 4, bidirectional: true }), reverse)).toBe(VALIDATION_PAIRS.min);
  });

  it('no more than a pair file holds, nor than asked', () => {
    const text = Array.from({ length: 30 }, (_, i) => `${'ab'[i % 2]}c\tc${'ab'[i % 2]}`).join('\n');
    expect(validationPairs(model(16, { vocab: 6 }), pairFileTask(text, { seed: 0 }))).toBe(3);
    expect(validationPairs(model(16), reverse, 10)).toBe(10);
  });
});

describe('Seq2SeqSession refusals', () => {
  async function refusal(c: Seq2SeqSessionConfig): Promise<string> {
    const s = open();
    await s.session.handle({ type: 'configure', config: c, keepWeights: false });
    const message = s.last('error')?.message ?? '(no error)';
    expect(s.of('seq2seqConfigured')).toEqual([]);
    await s.session.dispose();
    return message;
  }

  it('an unknown attention, naming the field', async () => {
    expect(await refusal(config({ attention: 'cosine' as never }))).toMatch(/^Settings refused: attention: must be one of/);
  });

  it('maxLength out of the task’s range, naming the field and the range', async () => {
    expect(await refusal(config({ maxLength: 0 }))).toMatch(/^Settings refused: maxLength: must be between 1 and 100, got 0/);
    expect(await refusal(config({ task: 'addition', maxLength: 13 }))).toMatch(/^Settings refused: maxLength: must be between 1 and 12, got 13/);
  });

  it('an unknown task, hidden 0 or over the limit, a batch size over the limit, an additive attention size over the limit', async () => {
    expect(await refusal(config({ task: 'rot13' as never }))).toMatch(/^Settings refused: task: must be one of "reverse"/);
    expect(await refusal(config({ hidden: 0 }))).toMatch(/^Settings refused: hidden:/);
    expect(await refusal(config({ hidden: 257 }))).toMatch(/^Settings refused: hidden: must be between 1 and 256/);
    expect(await refusal(config({ batchSize: 100_000 }))).toMatch(/^Settings refused: batchSize:/);
    expect(await refusal(config({ attention: 'additive', attentionSize: 300 }))).toMatch(/^Settings refused: attentionSize:/);
  });

  it('a teacher-forcing ratio out of 0–1 or a schedule without steps, naming the field', async () => {
    expect(await refusal(config({ teacherForcing: 1.5 }))).toMatch(/^Settings refused: teacherForcing: must be a ratio from 0 to 1, got 1\.5/);
    expect(await refusal(config({ teacherForcing: { to: 0 } as never }))).toMatch(/^Settings refused: teacherForcing\.steps: must be an integer/);
  });

  it('a pairs file with a line without a tab, naming the file and the line', async () => {
    const text = 'ab\tba\nabc cba\n';
    expect(await refusal(config({ task: 'file', pairs: { name: 'bad.tsv', text } }))).toMatch(/^Settings refused: pairs: bad\.tsv: line 2: no tab/);
    expect(await refusal(config({ task: 'file' }))).toMatch(/^Settings refused: pairs: a pair file task needs the file/);
  });

  it('a model over the device’s buffer limits, naming the buffer and a batch size that fits', async () => {
    const s = openSession({ gpu: gpu(), limits: { maxStorageBufferBindingSize: 64 * 1024 } });
    await s.session.handle({ type: 'configure', config: config({ batchSize: 256 }), keepWeights: false });
    expect(s.last('error')!.message).toMatch(/^Settings refused: this model needs a GPU buffer of .* maxStorageBufferBindingSize .*batchSize ≤ \d+ fits/);
    await s.session.dispose();
  });

  it('without WebGPU: trains on the GPU only', async () => {
    const s = openSession({ gpu: null });
    await s.session.handle({ type: 'configure', config: config(), keepWeights: false });
    expect(s.last('error')!.message).toBe('Settings refused: encoder-decoder models train on the GPU only, and WebGPU is not available here.');
    await s.session.dispose();
  });

  it('decode on a recurrent session is refused, saying what it is for', async () => {
    const s = openSession({ gpu: null });
    await s.session.handle({ type: 'configure', config: charConfig(), keepWeights: false });
    await s.session.handle({ type: 'decode', source: 'abc', beam: 1 });
    expect(s.last('error')!.message).toMatch(/^“decode” is for encoder-decoder models; this session trains recurrent models/);
    expect(s.of('decoded')).toEqual([]);
    await s.session.dispose();
  });
});

describe('Seq2SeqSession checkpoints: one saved at step 25 of a teacher-forcing schedule, loaded in a fresh session', () => {
  let a: RecordedSession;
  let b: RecordedSession;
  let saved: Of<'checkpoint'>['checkpoint'];
  let onLoad: FromWorker[];
  let decodedA: Of<'decoded'>;
  let decodedB: Of<'decoded'>;
  beforeAll(async () => {
    // Teacher forcing from 1 down to 0 by step 40: the steps after 25 feed back predictions, with the masks of their step.
    a = await trained(config({ attention: 'general', cell: 'lstm', teacherForcing: { from: 1, to: 0, steps: 40 } }), 25);
    await a.session.handle({ type: 'saveCheckpoint' });
    saved = a.of('checkpoint')[0].checkpoint;
    decodedA = await decode(a, 'hgfed', 3);
    b = open();
    await b.session.handle({ type: 'loadCheckpoint', checkpoint: saved });
    onLoad = b.msgs.slice();
    decodedB = await decode(b, 'hgfed', 3);
    // Both go on for 5 steps: the run that was saved, and the one restored from it.
    await a.session.runSteps(5);
    await b.session.runSteps(5);
  }, 180_000);
  afterAll(() => Promise.all([a.session.dispose(), b.session.dispose()]));

  it('holds the seq2seq config and the step', () => {
    expect(saved.step).toBe(25);
    expect(saved.config).toMatchObject({ kind: 'seq2seq', task: 'reverse', maxLength: 6, attention: 'general', teacherForcing: { from: 1, to: 0, steps: 40 } });
    expect(saved.config).not.toHaveProperty('stepKernels');
  });

  it('loaded: the model announced, paused at step 25, the restored weights validated with their alignment', () => {
    expect(onLoad.filter((m) => m.type === 'error')).toEqual([]);
    expect(onLoad.filter((m) => m.type === 'seq2seqConfigured')).toHaveLength(1);
    expect(onLoad.filter((m) => m.type === 'status').at(-1)).toMatchObject({ status: 'paused', steps: 25 });
    expect(onLoad.flatMap((m) => (m.type === 'validation' ? [m.step] : []))).toEqual([25]);
    expect(onLoad.flatMap((m) => (m.type === 'alignment' ? [m.step] : []))).toEqual([25]);
  });

  it('decodes the same as the session it was saved from', () => {
    expect(decodedA.hypotheses).toHaveLength(3);
    expect(decodedB).toEqual(decodedA);
  });

  it('the loaded session trains on the pairs that come next: the same losses as the run that went on', () => {
    const from25 = (msgs: Of<'metrics'>[]) => msgs.flatMap((m) => Array.from(m.losses).map((l, i) => [m.firstStep + i, l])).filter(([step]) => step >= 25);
    expect(from25(a.of('metrics'))).toHaveLength(5);
    expect(from25(b.of('metrics'))).toEqual(from25(a.of('metrics')));
    expect(b.of('status').at(-1)).toMatchObject({ status: 'paused', steps: 30 });
  });

  it('one whose weights do not fit its settings is refused, the session left as it was', async () => {
    await b.session.handle({ type: 'loadCheckpoint', checkpoint: { ...saved, config: { ...saved.config, hidden: 9 } } as typeof saved });
    expect(b.last('error')!.message).toMatch(/^Cannot restore the saved session: .*hidden 16 \(saved\) → 9 \(here\)/);
    expect(b.session.steps).toBe(30);
  });
});

describe('Seq2SeqSession weights files', () => {
  let file: ArrayBuffer;
  let want: Float32Array;
  beforeAll(async () => {
    const a = await trained(config(), 5);
    await a.session.handle({ type: 'exportWeights' });
    file = a.of('weights')[0].bytes;
    want = await a.weights();
    await a.session.dispose();
  }, 120_000);

  it('imported into a model of the same shape: the same weights, a fresh optimizer, validated at once', async () => {
    const b = await trained(config({ batchSize: 8 }), 0);
    await b.session.handle({ type: 'importWeights', bytes: file.slice(0) });
    expect(b.of('error')).toEqual([]);
    const got = await trainerOf(b).readCheckpoint();
    expect(got.params).toEqual(want);
    expect(got.optimizer.step).toBe(0);
    expect(b.of('validation')).toHaveLength(1);
    expect(b.of('alignment')).toHaveLength(1);
    await b.session.dispose();
  });

  it('refused by another encoder-decoder, naming the difference', async () => {
    const b = await trained(config({ attention: 'none' }), 0);
    await b.session.handle({ type: 'importWeights', bytes: file.slice(0) });
    expect(b.last('error')!.message).toMatch(/^Cannot load these weights: .*attention "dot" \(saved\) → "none" \(here\)/);
    await b.session.dispose();
  });

  it('refused by a model of the same shape over another vocabulary (sort’s digits), the weights kept', async () => {
    const b = await trained(config({ task: 'sort' }), 0);
    const before = await b.weights();
    await b.session.handle({ type: 'importWeights', bytes: file.slice(0) });
    expect(b.last('error')!.message).toMatch(/^Cannot load these weights: they were saved with another vocabulary/);
    expect(await b.weights()).toEqual(before);
    await b.session.dispose();
  });

  it('a tree model’s or a recurrent model’s weights are refused, saying what the file holds', async () => {
    const b = await trained(config(), 0);
    const tree: TreeModelConfig = { cell: 'lstm', hidden: 4, vocab: 5, classes: 3, heads: 'all' } as TreeModelConfig;
    await b.session.handle({ type: 'importWeights', bytes: encodeTreeWeights(tree, initTreeParams(tree, 1)).slice().buffer });
    expect(b.last('error')!.message).toBe("Cannot load these weights: the file holds a tree model's weights, not an encoder-decoder's");
    const rnn: ModelConfig = { cell: 'rnn', nonlinearity: 'tanh', layers: 1, hidden: 4, input: { kind: 'tokens', vocab: 5 }, output: 5, loss: 'ce' };
    await b.session.handle({ type: 'importWeights', bytes: encodeWeights(rnn, initRecurrentParams(rnn, 1)).slice().buffer });
    expect(b.last('error')!.message).toBe("Cannot load these weights: the file holds a recurrent sequence model's weights, not an encoder-decoder's");
    await b.session.dispose();
  });

  it('an encoder-decoder’s weights are refused by a tree session and a recurrent one, saying what the file holds', async () => {
    const t = openSession({ gpu: gpu() });
    const treeConfig = {
      kind: 'tree',
      task: 'negation',
      cell: 'rnn',
      hidden: 8,
      batchSize: 8,
      trainDepth: 3,
      validationDepth: 5,
      optimizer: optimizer(),
      seed: 0,
    } as const;
    await t.session.handle({ type: 'configure', config: treeConfig, keepWeights: false });
    await t.session.handle({ type: 'importWeights', bytes: file.slice(0) });
    expect(t.last('error')!.message).toBe("Cannot load these weights: the file holds an encoder-decoder's weights, not a tree model's");
    await t.session.dispose();
    const r = openSession({ gpu: null });
    await r.session.handle({ type: 'configure', config: charConfig(), keepWeights: false });
    await r.session.handle({ type: 'importWeights', bytes: file.slice(0) });
    expect(r.last('error')!.message).toBe("Cannot load these weights: the file holds an encoder-decoder's weights, not a recurrent sequence model's");
    await r.session.dispose();
  });
});

describe('Seq2SeqSession on a file of pairs', () => {
  // 60 reversal pairs of 2–5 letters, the longest last (the last 10% validate).
  const words = Array.from({ length: 60 }, (_, i) => {
    const n = 2 + Math.floor((i * 4) / 60);
    return Array.from({ length: n }, (_, j) => 'abcdef'[(i * 7 + j * 3) % 6]).join('');
  });
  const text = words.map((w) => `${w}\t${[...w].reverse().join('')}`).join('\n') + '\n';
  const file = config({ task: 'file', maxLength: undefined, pairs: { name: 'pairs.tsv', text } });
  let s: RecordedSession;
  beforeAll(async () => {
    s = await trained(file, 20);
  }, 120_000);
  afterAll(() => s.session.dispose());

  it('announces the file’s symbols and its longest sources', () => {
    expect(s.of('error')).toEqual([]);
    const cfg = s.last('seq2seqConfigured')!;
    expect(cfg.vocabulary).toEqual(['<pad>', '<bos>', '<eos>', ...'abcdef']);
    expect(cfg.maxSource.validation).toBe(5);
  });

  it('trains, validates on its last 6 pairs and posts an alignment', () => {
    expect(s.last('validation')).toMatchObject({ step: 20 });
    const a = s.last('alignment')!;
    expect(a.source.join('')).toBe(words[54]);
  });

  it('saves the file’s name and pairs in its checkpoint', async () => {
    await s.session.handle({ type: 'saveCheckpoint' });
    expect(s.last('checkpoint')!.checkpoint.config).toMatchObject({ kind: 'seq2seq', task: 'file', pairs: { name: 'pairs.tsv', text } });
  });
});

describe('Seq2SeqSession keepWeights, reset and snapshots', () => {
  it('carries the weights into another batch size and learning rate; a new attention starts afresh', async () => {
    const s = await trained(config(), 3);
    const weights = await s.weights();
    await s.session.handle({ type: 'configure', config: config({ batchSize: 4, optimizer: optimizer({ lr: 0.001 }) }), keepWeights: true });
    expect(s.of('status').at(-1)).toMatchObject({ status: 'idle', steps: 0 });
    expect(await s.weights()).toEqual(weights);
    await s.session.handle({ type: 'configure', config: config({ attention: 'additive' }), keepWeights: true });
    expect(s.of('error')).toEqual([]);
    expect((await s.weights()).length).not.toBe(weights.length);
    await s.session.dispose();
  }, 120_000);

  it('reset starts over: idle at step 0, the first batches again', async () => {
    const s = await trained(config(), 3);
    const first = s.of('metrics').flatMap((m) => Array.from(m.losses));
    await s.session.handle({ type: 'reset' });
    expect(s.of('status').at(-1)).toMatchObject({ status: 'idle', steps: 0 });
    s.msgs.length = 0;
    await s.session.runSteps(3);
    expect(s.of('metrics').flatMap((m) => Array.from(m.losses))).toEqual(first);
    await s.session.dispose();
  }, 120_000);

  it("a snapshot restored in a new session goes on from the last validation's weights, optimizer state and step", async () => {
    const a = await trained(config(), 20);
    const want = await trainerOf(a).readCheckpoint();
    const snapshot = a.session.snapshot()!;
    expect(snapshot).toMatchObject({ step: 20, training: false, config: { kind: 'seq2seq', hidden: 16 } });
    expect(snapshot.params).toEqual(want.params);
    await a.session.dispose();
    const b = open();
    expect(await b.session.restore(snapshot)).toBe(true);
    expect(b.of('seq2seqConfigured'), 'a recovery does not announce a new model').toEqual([]);
    expect(b.of('status').at(-1)).toMatchObject({ status: 'paused', steps: 20 });
    expect((await trainerOf(b).readCheckpoint()).optimizer).toEqual(want.optimizer);
    await b.session.dispose();
  }, 120_000);
});
