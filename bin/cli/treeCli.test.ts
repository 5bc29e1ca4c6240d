// The CLI's tree mode as a user runs it: `grad --tree` on a batch of bracketed trees against the
// float64 reference, one-line errors with exit status 2, and `train --tree` on a built-in task.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initTreeParams, treeParamLayout, type TreeModelConfig } from '../../gpu/tree/config.ts';
import { encodeTreeWeights, decodeTreeWeights } from '../../gpu/tree/weights.ts';
import { TreeReference } from '../../gpu/tree/reference.ts';
import { parseTreeBatchFile } from './treeFiles.ts';
import { relativeError } from '../../gpu/testing/compare.ts';
import { expectDone, expectRefused, jsonLines, runCli, type CliRun } from './runCli.ts';

let dir: string;

const rnnlab = (...args: string[]) => runCli(dir, args);

const tokens = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '*'];
const cfg: TreeModelConfig = { cell: 'lstm', hidden: 6, vocab: tokens.length, classes: 10, heads: 'root' };
const sexprBatch = {
  cell: 'lstm',
  hidden: 6,
  classes: 10,
  heads: 'root',
  vocab: tokens,
  format: 'sexpr',
  trees: ['(+ 3 (* 2 4))', '(7)', '(* (+ 1 2) (+ 3 (* 4 5)))'],
  labels: [1, 7, 9],
};
const ptbBatch = {
  cell: 'rnn',
  hidden: 5,
  classes: 3,
  heads: 'all',
  vocab: 4,
  format: 'ptb',
  trees: ['(2 (1 0) (2 (0 1) 3))', '(0 2 (1 3))'],
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rnnlab-tree-cli-'));
  writeFileSync(join(dir, 'w.safetensors'), encodeTreeWeights(cfg, initTreeParams(cfg, 3), tokens));
  writeFileSync(join(dir, 'batch.json'), JSON.stringify(sexprBatch));
  const rnn: TreeModelConfig = { cell: 'rnn', hidden: 5, vocab: 4, classes: 3, heads: 'all' };
  writeFileSync(join(dir, 'rnn.safetensors'), encodeTreeWeights(rnn, initTreeParams(rnn, 4)));
  writeFileSync(join(dir, 'ptb.json'), JSON.stringify(ptbBatch));
});

function expectReference(stdout: string, batchJson: unknown, weights: string, grads: string) {
  const { cfg: c, batch } = parseTreeBatchFile(batchJson);
  const w = decodeTreeWeights(readFileSync(join(dir, weights)), c);
  const ref = new TreeReference(c).lossAndGrad(Float64Array.from(w.params), batch);
  const out = JSON.parse(stdout.trim());
  expect(Math.abs(out.loss - ref.loss)).toBeLessThan(1e-5);
  expect(out.nodes).toBe(batch.N);
  const g = decodeTreeWeights(readFileSync(join(dir, grads)), c).params;
  for (const s of treeParamLayout(c).specs) {
    const { error, where } = relativeError(g.subarray(s.offset, s.offset + s.size), ref.grads.subarray(s.offset, s.offset + s.size));
    expect(error, `${s.name} ${where}`).toBeLessThan(1e-4);
  }
}

describe('rnnlab grad --tree', () => {
  describe('on S-expressions with root labels', () => {
    let r: CliRun;
    beforeAll(() => {
      r = rnnlab('grad', '--tree', '--weights', 'w.safetensors', '--batch', 'batch.json', '--out', 'g.safetensors');
    });

    it('reports the batch: 3 trees, 27 nodes in 5 levels', () => {
      expectDone(r);
      expect(JSON.parse(r.stdout)).toMatchObject({ trees: 3, nodes: 27, levels: 5 });
    });

    it('prints the loss and writes every gradient by name, matching the float64 reference', () => {
      expectReference(r.stdout, sexprBatch, 'w.safetensors', 'g.safetensors');
    });
  });

  it('on PTB-style trees with a label on every node and numeric tokens: the loss and gradients match the reference', () => {
    const r = rnnlab('grad', '--tree', '--weights', 'rnn.safetensors', '--batch', 'ptb.json', '--out', 'g2.safetensors');
    expect(r.code).toBe(0);
    expectReference(r.stdout, ptbBatch, 'rnn.safetensors', 'g2.safetensors');
  });

  const bad: [string, object, RegExp, string?][] = [
    [
      'an unbalanced tree',
      { ...sexprBatch, trees: ['(+ 3 (* 2 4)', '(7)', '(1 2)'] },
      /b\.json: trees\[0\]: line 1, column 1: unbalanced: this '\(' is never closed/,
    ],
    ['an unknown token', { ...sexprBatch, trees: ['(+ 3 (- 2 4))', '(7)', '(1 2)'] }, /b\.json: trees: tree 0: unknown token "-" at offset 6/],
    [
      'missing labels for S-expressions',
      { ...sexprBatch, labels: undefined },
      /b\.json: labels: must hold one root label per tree \(3\): S-expressions carry no labels/,
    ],
    ['a label out of range', { ...sexprBatch, labels: [1, 7, 10] }, /b\.json: labels\[2\]: must be an integer class in \[0, 10\), got 10/],
    [
      'a bad PTB label',
      { ...ptbBatch, trees: ['(2 (5 0) 1)', '(0 2 3)'] },
      /b\.json: trees\[0\]: line 1, column 5: bad label "5": labels are integers in \[0, 2\]/,
      'rnn.safetensors',
    ],
    ['an unknown field', { ...sexprBatch, hiden: 6 }, /b\.json: hiden: unknown field/],
    ['weights of another size', { ...sexprBatch, hidden: 7 }, /w\.safetensors: tensor "embedding\.weight" has shape \[12,18\], the model needs \[12,21\]/],
    ['another vocabulary', { ...sexprBatch, vocab: [...tokens.slice(0, 10), '*', '+'] }, /w\.safetensors: the weights were saved with another vocabulary/],
  ];
  for (const [what, json, message, weights] of bad)
    it(`exits 2 with one clear line and writes nothing for ${what}`, () => {
      writeFileSync(join(dir, 'b.json'), JSON.stringify(json));
      const r = rnnlab('grad', '--tree', '--weights', weights ?? 'w.safetensors', '--batch', 'b.json', '--out', 'never.safetensors');
      expectRefused(r, message, dir, 'never.safetensors');
    });
});

describe('rnnlab train --tree on a task', () => {
  let r: CliRun;
  let again: CliRun;
  beforeAll(() => {
    writeFileSync(
      join(dir, 'cfg.json'),
      JSON.stringify({
        cell: 'rnn',
        hidden: 8,
        dataset: { task: 'negation', trainHeight: 3, validationHeight: 5, validationSize: 50 },
        batchSize: 8,
        steps: 20,
        logEvery: 10,
        optimizer: { kind: 'adam', lr: 0.01 },
      }),
    );
    r = rnnlab('train', '--tree', '--config', 'cfg.json', '--save', 'm.safetensors');
    again = rnnlab('train', '--tree', '--config', 'cfg.json', '--init', 'm.safetensors', '--steps', '0');
  });

  it('logs JSON lines of the training steps, then the validation’s loss and accuracies', () => {
    expectDone(r);
    const lines = jsonLines(r);
    expect(lines.map((l) => l.step)).toEqual([10, 20, 20]);
    expect(Object.keys(lines[0])).toEqual(['step', 'loss', 'loss_mean', 'grad_norm', 'ms_per_step', 'nodes_per_s']);
    expect(Object.keys(lines[2])).toEqual(['step', 'val_loss', 'val_root_accuracy', 'val_node_accuracy', 'majority_root_accuracy']);
  });

  it('saves the weights with the model config and the task’s vocabulary', () => {
    const saved = decodeTreeWeights(readFileSync(join(dir, 'm.safetensors')));
    expect(saved.cfg).toEqual({ cell: 'rnn', hidden: 8, vocab: 19, classes: 3, heads: 'all' });
    expect(saved.tokens).toContain('not');
  });

  it('saves the optimizer state beside the weights', () => {
    expect(existsSync(join(dir, 'm.optim.safetensors'))).toBe(true);
  });

  it('--init starts from the saved weights and optimizer state: the same validation loss, the optimizer at step 20', () => {
    expect(again.code).toBe(0);
    const lines = jsonLines(again);
    expect(lines[0]).toEqual({ resumed_optimizer_at_step: 20 });
    expect(lines.at(-1)!.val_loss).toBeCloseTo(jsonLines(r)[2].val_loss, 5);
  });
});

describe('rnnlab train --tree, resumed', () => {
  const cfg = {
    cell: 'lstm',
    hidden: 6,
    dataset: { task: 'arithmetic', trainDepth: 2, validationDepth: 3, validationSize: 20 },
    batchSize: 4,
    logEvery: 5,
    optimizer: { kind: 'adam', lr: 0.01 },
    clip: 1,
    seed: 3,
  };
  let resumed: CliRun;
  beforeAll(() => {
    writeFileSync(join(dir, 'r.json'), JSON.stringify({ ...cfg, steps: 10 }));
    expect(rnnlab('train', '--tree', '--config', 'r.json', '--save', 'whole.safetensors').code).toBe(0);
    expect(rnnlab('train', '--tree', '--config', 'r.json', '--steps', '6', '--save', 'half.safetensors').code).toBe(0);
    resumed = rnnlab('train', '--tree', '--config', 'r.json', '--init', 'half.safetensors', '--steps', '4', '--save', 'rest.safetensors');
  });

  it('goes on as the run that was not interrupted, bit for bit (weights and optimizer state)', () => {
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(jsonLines(resumed)[0]).toEqual({ resumed_optimizer_at_step: 6 });
    const weights = (f: string) => decodeTreeWeights(readFileSync(join(dir, f))).params;
    expect(weights('rest.safetensors')).toEqual(weights('whole.safetensors'));
    expect(readFileSync(join(dir, 'rest.optim.safetensors'))).toEqual(readFileSync(join(dir, 'whole.optim.safetensors')));
  });

  it('with a changed config is refused, naming the difference and the optimizer file to move away', () => {
    writeFileSync(join(dir, 'r2.json'), JSON.stringify({ ...cfg, batchSize: 8, steps: 4 }));
    const bad = rnnlab('train', '--tree', '--config', 'r2.json', '--init', 'half.safetensors');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /rnnlab: error: half\.safetensors: this config differs from the run it resumes: batchSize: 4 \(saved\) → 8 \(now\)\. .*move half\.optim\.safetensors away/,
    );
  });
});

describe('rnnlab train --tree on files of PTB-style trees', () => {
  beforeAll(() => {
    writeFileSync(join(dir, 'train.ptb'), '(2 (1 not) (0 bad))\n(0 (2 good) (0 (1 not) (2 fun)))\n(1 the movie)\n');
    writeFileSync(join(dir, 'dev.ptb'), '(0 (1 not) (2 (1 very) (2 good)))\n(_ (0 bad) (2 good))\n');
  });

  it('trains on them: the vocabulary from the training file, the majority class measured on the validation file', () => {
    writeFileSync(
      join(dir, 'files.json'),
      JSON.stringify({ hidden: 4, dataset: { trees: 'train.ptb', validation: 'dev.ptb' }, batchSize: 2, steps: 3, logEvery: 3 }),
    );
    const r = rnnlab('train', '--tree', '--config', 'files.json', '--save', 'f.safetensors');
    expect(r.code).toBe(0);
    expect(jsonLines(r).at(-1)).toMatchObject({ step: 3, majority_root_accuracy: 1 });
    expect(decodeTreeWeights(readFileSync(join(dir, 'f.safetensors'))).tokens).toEqual(['not', 'bad', 'good', 'fun', 'the', 'movie', 'very']);
  });

  it('root heads need a label on every root: a tree without one is refused, named by file and tree', () => {
    writeFileSync(join(dir, 'root.json'), JSON.stringify({ hidden: 4, heads: 'root', dataset: { trees: 'train.ptb', validation: 'dev.ptb' } }));
    const bad = rnnlab('train', '--tree', '--config', 'root.json');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/rnnlab: error: dev\.ptb: tree 1 has no root label: heads "root" need one per tree/);
  });
});

describe('rnnlab train --tree refusals', () => {
  it('refuses a config with a bad task option', () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ hidden: 8, dataset: { task: 'arithmetic', trainDepth: 3, validationDepth: 2 } }));
    const r = rnnlab('train', '--tree', '--config', 'bad.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.json: dataset\.validationDepth: must be between 4 and 10, got 2/);
  });
});
