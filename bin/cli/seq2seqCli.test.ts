// The CLI's encoder–decoder mode as a user runs it: `grad --seq2seq` on a batch of id sequences
// against the float64 reference (on the GPU, with full teacher forcing and with a mask),
// `train --seq2seq` on a built-in task and on a file of pairs, saving and resuming, and one-line
// errors with exit status 2.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSeq2SeqConfig, type Seq2SeqConfig } from '../../gpu/seq2seq/config.ts';
import { initParams, paramLayout } from '../../gpu/seq2seq/params.ts';
import { Seq2SeqReference } from '../../gpu/seq2seq/reference.ts';
import { decodeSeq2SeqWeights, encodeSeq2SeqWeights } from '../../gpu/seq2seq/weights.ts';
import { createPairTask } from '../../gpu/seq2seq/tasks.ts';
import { encodeTreeWeights } from '../../gpu/tree/weights.ts';
import { initTreeParams, type TreeModelConfig } from '../../gpu/tree/config.ts';
import { parseSeq2SeqBatchFile } from './seq2seqFiles.ts';
import { relativeError } from '../../gpu/testing/compare.ts';
import { expectDone, expectRefused, jsonLines, runCli, type CliRun } from './runCli.ts';

let dir: string;

const rnnlab = (...args: string[]) => runCli(dir, args);

const model = { cell: 'lstm', hidden: 4, bidirectional: true, vocab: 9, attention: 'general' } as const;
const cfg: Seq2SeqConfig = parseSeq2SeqConfig(model);
const batchJson = {
  ...model,
  source: [[3, 4, 5, 6, 7], [8], [5, 3, 4]],
  target: [[7, 6, 5, 4, 3], [8, 8], []],
};
const masked = { ...batchJson, mask: [[1, 0, 1, 0, 1], [0, 1], []] };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rnnlab-seq2seq-cli-'));
  writeFileSync(join(dir, 'w.safetensors'), encodeSeq2SeqWeights(cfg, initParams(cfg, 3)));
  writeFileSync(join(dir, 'batch.json'), JSON.stringify(batchJson));
  writeFileSync(join(dir, 'masked.json'), JSON.stringify(masked));
});

/** The printed loss and the written gradients against Seq2SeqReference.lossAndGrad (with the file's mask). */
function expectReference(stdout: string, json: unknown, grads: string) {
  const { cfg: c, batch, mask } = parseSeq2SeqBatchFile(json);
  const w = decodeSeq2SeqWeights(readFileSync(join(dir, 'w.safetensors')), c);
  const ref = new Seq2SeqReference(c).lossAndGrad(Float64Array.from(w.params), batch, mask ?? undefined);
  const out = JSON.parse(stdout.trim());
  expect(Math.abs(out.loss - ref.loss) / Math.max(1, ref.loss)).toBeLessThan(1e-5);
  const g = decodeSeq2SeqWeights(readFileSync(join(dir, grads)), c);
  expect(g.metadata['rnnlab.kind']).toBe('gradients');
  for (const s of paramLayout(c).specs) {
    const { error, where } = relativeError(g.params.subarray(s.offset, s.offset + s.size), ref.grads.subarray(s.offset, s.offset + s.size));
    expect(error, `${s.name} ${where}`).toBeLessThan(1e-4);
  }
}

describe('rnnlab grad --seq2seq', () => {
  it('with full teacher forcing runs on the GPU: the loss and every gradient by name match the float64 reference', () => {
    const r = rnnlab('grad', '--seq2seq', '--weights', 'w.safetensors', '--batch', 'batch.json', '--out', 'g.safetensors');
    expectDone(r);
    // S: the longest source; U: the longest target and its <eos>.
    expect(JSON.parse(r.stdout)).toMatchObject({ pairs: 3, source_steps: 5, target_steps: 6, computed_on: 'gpu' });
    expectReference(r.stdout, batchJson, 'g.safetensors');
  });

  it('with a mask that feeds back the model’s own predictions runs on the GPU too, and matches the reference with that mask', () => {
    const r = rnnlab('grad', '--seq2seq', '--weights', 'w.safetensors', '--batch', 'masked.json', '--out', 'gm.safetensors');
    expectDone(r);
    expect(JSON.parse(r.stdout)).toMatchObject({ computed_on: 'gpu' });
    expectReference(r.stdout, masked, 'gm.safetensors');
    // Not the teacher-forced loss: the mask was applied.
    const forced = JSON.parse(rnnlab('grad', '--seq2seq', '--weights', 'w.safetensors', '--batch', 'batch.json').stdout);
    expect(JSON.parse(r.stdout).loss).not.toBeCloseTo(forced.loss, 6);
  });

  const tree: TreeModelConfig = { cell: 'rnn', hidden: 4, vocab: 9, classes: 2, heads: 'root' };
  const bad: [string, object, RegExp][] = [
    ['an unknown field', { ...batchJson, hiden: 4 }, /b\.json: hiden: unknown field/],
    ['attention "luong"', { ...batchJson, attention: 'luong' }, /b\.json: attention: must be one of "none", "dot", "general", "additive", got "luong"/],
    ['a token outside the vocabulary', { ...batchJson, source: [[3, 4, 9], [8], [5]] }, /b\.json: source\[0\]\[2\]: must be a symbol id in \[3, 9\) .*got 9/],
    [
      'an <eos> in a target (the CLI appends it)',
      { ...batchJson, target: [[7, 2], [8], []] },
      /b\.json: target\[0\]\[1\]: must be a symbol id in \[3, 9\) .*appends <eos>/,
    ],
    ['an empty source', { ...batchJson, source: [[3], [], [4]] }, /b\.json: source\[1\]: must be a list of 1–4096 symbol ids/],
    ['a target per source missing', { ...batchJson, target: [[3]] }, /b\.json: target: must hold one target per source \(3\)/],
    ['a mask of the wrong length', { ...masked, mask: [[1, 0, 1, 0], [0, 1], []] }, /b\.json: mask\[0\]: must hold one 0 or 1 per symbol of target\[0\] \(5\)/],
    ['a mask value other than 0 or 1', { ...masked, mask: [[1, 0, 1, 0, 2], [0, 1], []] }, /b\.json: mask\[0\]\[4\]: must be 0 or 1, got 2/],
    [
      'weights of another encoder–decoder',
      { ...batchJson, attention: 'dot' },
      /w\.safetensors: the weights were saved for another encoder–decoder: attention "general" \(saved\) → "dot" \(here\)/,
    ],
  ];
  for (const [what, json, message] of bad)
    it(`exits 2 with one clear line and writes nothing for ${what}`, () => {
      writeFileSync(join(dir, 'b.json'), JSON.stringify(json));
      expectRefused(
        rnnlab('grad', '--seq2seq', '--weights', 'w.safetensors', '--batch', 'b.json', '--out', 'never.safetensors'),
        message,
        dir,
        'never.safetensors',
      );
    });

  it('refuses a tree model’s weights, saying so', () => {
    writeFileSync(join(dir, 'tree.safetensors'), encodeTreeWeights(tree, initTreeParams(tree, 1)));
    const r = rnnlab('grad', '--seq2seq', '--weights', 'tree.safetensors', '--batch', 'batch.json', '--out', 'never.safetensors');
    expectRefused(r, /tree\.safetensors: these are a tree model's weights .*use them with --tree/, dir, 'never.safetensors');
  });
});

describe('rnnlab train --seq2seq on the reverse task with dot attention', () => {
  const config = {
    cell: 'rnn',
    hidden: 12,
    attention: 'dot',
    dataset: { task: 'reverse', maxLength: 4, validationSize: 32 },
    batchSize: 8,
    steps: 20,
    logEvery: 10,
    optimizer: { kind: 'adam', lr: 0.01 },
  };
  let r: CliRun;
  let again: CliRun;
  beforeAll(() => {
    writeFileSync(join(dir, 'cfg.json'), JSON.stringify(config));
    r = rnnlab('train', '--seq2seq', '--config', 'cfg.json', '--save', 'm.safetensors');
    again = rnnlab('train', '--seq2seq', '--config', 'cfg.json', '--init', 'm.safetensors', '--steps', '0');
  });

  it('logs JSON lines of the training steps, then the validation’s loss and accuracies', () => {
    expectDone(r);
    const lines = jsonLines(r);
    expect(lines.map((l) => l.step)).toEqual([10, 20, 20]);
    expect(Object.keys(lines[0])).toEqual(['step', 'loss', 'loss_mean', 'grad_norm', 'ms_per_step', 'tokens_per_s']);
    expect(lines[1].loss).toBeGreaterThan(0);
    expect(Number.isFinite(lines[1].loss)).toBe(true);
    expect(Object.keys(lines[2])).toEqual(['step', 'val_loss', 'val_token_accuracy', 'val_exact_match']);
    const v = lines[2];
    expect(v.val_loss).toBeGreaterThan(0);
    expect(Number.isFinite(v.val_loss)).toBe(true);
    for (const k of ['val_token_accuracy', 'val_exact_match']) {
      expect(v[k]).toBeGreaterThanOrEqual(0);
      expect(v[k]).toBeLessThanOrEqual(1);
    }
  });

  it('saves the weights with the model config, marked seq2seq, and the task’s vocabulary; the optimizer state beside them', () => {
    const saved = decodeSeq2SeqWeights(readFileSync(join(dir, 'm.safetensors')));
    expect(saved.cfg).toEqual(parseSeq2SeqConfig({ cell: 'rnn', hidden: 12, attention: 'dot', vocab: 13 }));
    expect(saved.vocabulary).toEqual(createPairTask('reverse', { seed: 0 }).vocabulary);
    expect(JSON.parse(saved.metadata['rnnlab.config']).kind).toBe('seq2seq');
    expect(JSON.parse(saved.metadata['rnnlab.train'])).toMatchObject({ dataset: { task: 'reverse', maxLength: 4 }, batchSize: 8 });
    expect(existsSync(join(dir, 'm.optim.safetensors'))).toBe(true);
  });

  it('--init starts from the saved weights and optimizer state: the same validation, the optimizer at step 20', () => {
    expectDone(again);
    const lines = jsonLines(again);
    expect(lines[0]).toEqual({ resumed_optimizer_at_step: 20 });
    const [before, after] = [jsonLines(r)[2], lines.at(-1)!];
    for (const k of ['val_loss', 'val_token_accuracy', 'val_exact_match']) expect(after[k]).toBe(before[k]);
  });
});

describe('rnnlab train --seq2seq, resumed', () => {
  const config = {
    cell: 'gru',
    hidden: 6,
    attention: 'additive',
    attentionSize: 4,
    dataset: { task: 'addition', maxLength: 2, validationSize: 8 },
    batchSize: 4,
    logEvery: 5,
    seed: 3,
  };
  let resumed: CliRun;
  beforeAll(() => {
    writeFileSync(join(dir, 'r.json'), JSON.stringify({ ...config, steps: 10 }));
    expectDone(rnnlab('train', '--seq2seq', '--config', 'r.json', '--save', 'whole.safetensors'));
    expectDone(rnnlab('train', '--seq2seq', '--config', 'r.json', '--steps', '6', '--save', 'half.safetensors'));
    resumed = rnnlab('train', '--seq2seq', '--config', 'r.json', '--init', 'half.safetensors', '--steps', '4', '--save', 'rest.safetensors');
  });

  it('goes on as the run that was not interrupted, bit for bit (weights and optimizer state)', () => {
    expectDone(resumed);
    expect(jsonLines(resumed)[0]).toEqual({ resumed_optimizer_at_step: 6 });
    const weights = (f: string) => decodeSeq2SeqWeights(readFileSync(join(dir, f))).params;
    expect(weights('rest.safetensors')).toEqual(weights('whole.safetensors'));
    expect(readFileSync(join(dir, 'rest.optim.safetensors'))).toEqual(readFileSync(join(dir, 'whole.optim.safetensors')));
  });

  it('with a changed config is refused, naming the difference and the optimizer file to move away', () => {
    writeFileSync(join(dir, 'r2.json'), JSON.stringify({ ...config, dataset: { ...config.dataset, maxLength: 3 }, steps: 4 }));
    const bad = rnnlab('train', '--seq2seq', '--config', 'r2.json', '--init', 'half.safetensors');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /rnnlab: error: half\.safetensors: this config differs from the run it resumes: .*dataset\.maxLength: 2 \(saved\) → 3 \(now\).*move half\.optim\.safetensors away/,
    );
  });
});

describe('rnnlab train --seq2seq with a teacher-forcing schedule', () => {
  const config = {
    cell: 'lstm',
    hidden: 6,
    layers: 2,
    attention: 'general',
    dataset: { task: 'reverse', maxLength: 4, validationSize: 8 },
    batchSize: 4,
    logEvery: 5,
    seed: 5,
    teacherForcing: { from: 1, to: 0, steps: 8 },
  };
  let whole: CliRun;
  let resumed: CliRun;
  beforeAll(() => {
    writeFileSync(join(dir, 'tf.json'), JSON.stringify({ ...config, steps: 10 }));
    whole = rnnlab('train', '--seq2seq', '--config', 'tf.json', '--save', 'tf-whole.safetensors');
    expectDone(rnnlab('train', '--seq2seq', '--config', 'tf.json', '--steps', '6', '--save', 'tf-half.safetensors'));
    resumed = rnnlab('train', '--seq2seq', '--config', 'tf.json', '--init', 'tf-half.safetensors', '--steps', '4', '--save', 'tf-rest.safetensors');
  });

  it('logs the ratio of each line’s last step: 1 − step/8, then 0 past the schedule’s end', () => {
    expectDone(whole);
    const lines = jsonLines(whole).filter((l) => 'loss' in l);
    expect(lines.map((l) => [l.step, l.teacher_forcing])).toEqual([
      [5, 0.5], // step 5's ratio: r(4) = 1 − 4/8
      [10, 0], // r(9), past steps: 8
    ]);
  });

  it('feeds back predictions: the loss differs from the same run with full teacher forcing', () => {
    writeFileSync(join(dir, 'tf1.json'), JSON.stringify({ ...config, teacherForcing: 1, steps: 10 }));
    const forced = rnnlab('train', '--seq2seq', '--config', 'tf1.json');
    expectDone(forced);
    const last = (r: CliRun) =>
      jsonLines(r)
        .filter((l) => 'loss' in l)
        .at(-1)!;
    expect(last(forced).teacher_forcing).toBe(1);
    expect(last(whole).loss).not.toBe(last(forced).loss);
  });

  it('resumed halfway, goes on as the run that was not interrupted, bit for bit: the same masks after the resume', () => {
    expectDone(resumed);
    const weights = (f: string) => decodeSeq2SeqWeights(readFileSync(join(dir, f))).params;
    expect(weights('tf-rest.safetensors')).toEqual(weights('tf-whole.safetensors'));
    expect(readFileSync(join(dir, 'tf-rest.optim.safetensors'))).toEqual(readFileSync(join(dir, 'tf-whole.optim.safetensors')));
  });

  it('a resume with another schedule is refused, naming it', () => {
    writeFileSync(join(dir, 'tf2.json'), JSON.stringify({ ...config, teacherForcing: 0.5, steps: 8 }));
    const bad = rnnlab('train', '--seq2seq', '--config', 'tf2.json', '--init', 'tf-half.safetensors');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/this config differs from the run it resumes: .*teacherForcing/);
  });
});

describe('rnnlab train --seq2seq on a file of pairs', () => {
  it('trains on it, validating on its last pairs, and saves the file’s vocabulary', () => {
    const lines = Array.from({ length: 30 }, (_, i) => {
      const s = 'abcd'.slice(0, 1 + (i % 4)) + 'xy'[i % 2];
      return `${s}\t${[...s].reverse().join('')}`;
    });
    writeFileSync(join(dir, 'pairs.tsv'), lines.join('\n') + '\n');
    writeFileSync(
      join(dir, 'pairs.json'),
      JSON.stringify({ hidden: 6, attention: 'dot', dataset: { pairs: 'pairs.tsv' }, batchSize: 4, steps: 3, logEvery: 3 }),
    );
    const r = rnnlab('train', '--seq2seq', '--config', 'pairs.json', '--save', 'p.safetensors');
    expectDone(r);
    expect(Object.keys(jsonLines(r).at(-1)!)).toEqual(['step', 'val_loss', 'val_token_accuracy', 'val_exact_match']);
    expect(decodeSeq2SeqWeights(readFileSync(join(dir, 'p.safetensors'))).vocabulary).toEqual(['<pad>', '<bos>', '<eos>', 'a', 'b', 'c', 'd', 'x', 'y']);
  });
});

describe('rnnlab train --seq2seq refusals', () => {
  const base = { hidden: 8, dataset: { task: 'reverse' } };
  const bad: [string, object, RegExp][] = [
    ['an unknown field', { ...base, hiden: 8 }, /bad\.json: hiden: unknown field/],
    ['attention "luong"', { ...base, attention: 'luong' }, /bad\.json: attention: must be one of "none", "dot", "general", "additive", got "luong"/],
    ['a vocab (the data’s)', { ...base, vocab: 12 }, /bad\.json: vocab: is set by the dataset/],
    [
      'attentionSize without additive attention',
      { ...base, attention: 'dot', attentionSize: 4 },
      /bad\.json: attentionSize: applies to attention "additive" only/,
    ],
    ['an unknown task', { ...base, dataset: { task: 'copy' } }, /bad\.json: dataset\.task: must be one of "reverse", "sort", "addition", "dates", got "copy"/],
    ['a maxLength out of range', { ...base, dataset: { task: 'addition', maxLength: 13 } }, /bad\.json: dataset\.maxLength: must be between 1 and 12, got 13/],
    ['no dataset', { hidden: 8 }, /bad\.json: dataset: must be \{"task": one of reverse, sort, addition, dates/],
    ['a teacher-forcing ratio above 1', { ...base, teacherForcing: 2 }, /bad\.json: teacherForcing: must be a ratio from 0 to 1, got 2/],
    ['a schedule without steps', { ...base, teacherForcing: { to: 0 } }, /bad\.json: teacherForcing\.steps: must be an integer from 1 to 10000000/],
  ];
  for (const [what, json, message] of bad)
    it(`refuses ${what}`, () => {
      writeFileSync(join(dir, 'bad.json'), JSON.stringify(json));
      expectRefused(rnnlab('train', '--seq2seq', '--config', 'bad.json', '--save', 'never.safetensors'), message, dir, 'never.safetensors');
    });

  it('refuses a pairs file with a line without a tab, naming the file and the line', () => {
    writeFileSync(join(dir, 'notab.tsv'), 'ab\tba\nabc\tcba\nabcd dcba\nb\tb\n');
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ hidden: 8, dataset: { pairs: 'notab.tsv' } }));
    expectRefused(
      rnnlab('train', '--seq2seq', '--config', 'bad.json', '--save', 'never.safetensors'),
      /rnnlab: error: notab\.tsv: line 3: no tab/,
      dir,
      'never.safetensors',
    );
  });

  it('refuses a validationSize above the file’s validation pairs', () => {
    writeFileSync(join(dir, 'few.tsv'), 'ab\tba\nabc\tcba\nb\tb\n');
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ hidden: 8, dataset: { pairs: 'few.tsv', validationSize: 2 } }));
    expectRefused(
      rnnlab('train', '--seq2seq', '--config', 'bad.json', '--save', 'never.safetensors'),
      /bad\.json: dataset\.validationSize: is 2, but few\.tsv holds 1 validation pair/,
      dir,
      'never.safetensors',
    );
  });

  it('refuses --tree with --seq2seq', () => {
    const r = rnnlab('train', '--seq2seq', '--tree', '--config', 'cfg.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/train: --tree and --seq2seq pick different model families/);
  });
});

describe('rnnlab help seq2seq', () => {
  it('explains both commands, every field with its default', () => {
    const r = rnnlab('help', 'seq2seq');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: rnnlab train --seq2seq');
    expect(r.stdout).toContain('Usage: rnnlab grad --seq2seq');
    expect(r.stdout).toMatch(/attention +"none" \| "dot" \| "general" \| "additive", default "none"/);
    expect(r.stdout).toMatch(/mask +\[B\]\[len\(target\[b\]\)\] of 0 \| 1, default all 1/);
  });

  it('help train points to the family', () => {
    expect(rnnlab('help', 'train').stdout).toMatch(/--seq2seq +the encoder–decoder family/);
  });
});
