// The CLI as a user runs it: a child process, files in, JSON and files out, exit codes.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseModelConfig } from '../../gpu/recurrent/config.ts';
import { initParams, paramLayout } from '../../gpu/recurrent/params.ts';
import { encodeWeights, decodeWeights } from '../../gpu/recurrent/weights.ts';
import { RecurrentReference } from '../../gpu/recurrent/reference.ts';
import { tokensFromBatchFirst } from '../../gpu/data/batch.ts';
import { relativeError } from '../../gpu/testing/compare.ts';
import { expectDone, expectRefused, jsonLines, runCli, type CliRun } from './runCli.ts';

let dir: string;

const rnnlab = (...args: string[]) => runCli(dir, args);

const cfg = parseModelConfig({ hidden: 6, nonlinearity: 'tanh', input: { kind: 'tokens', vocab: 5 } });
const batchJson = {
  cell: 'rnn',
  nonlinearity: 'tanh',
  layers: 1,
  hidden: 6,
  input: { kind: 'tokens', vocab: 5 },
  loss: 'ce',
  x: [
    [0, 1, 2, 3],
    [4, 4, 0, 1],
    [2, 2, 2, 2],
  ],
  y: [
    [1, 2, 3, 4],
    [4, 0, 1, 2],
    [2, 2, 2, 3],
  ],
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rnnlab-cli-'));
  writeFileSync(join(dir, 'w.safetensors'), encodeWeights(cfg, initParams(cfg, 3)));
  writeFileSync(join(dir, 'batch.json'), JSON.stringify(batchJson));
});

describe('rnnlab grad', () => {
  let r: CliRun;
  let ref: { loss: number; grads: Float64Array };
  beforeAll(() => {
    r = rnnlab('grad', '--weights', 'w.safetensors', '--batch', 'batch.json', '--out', 'g.safetensors');
    const batch = { T: 4, B: 3, tokens: tokensFromBatchFirst(batchJson.x, 4, 3), targets: tokensFromBatchFirst(batchJson.y, 4, 3) };
    ref = new RecurrentReference(cfg).lossAndGrad(Float64Array.from(initParams(cfg, 3)), batch);
  });

  it('prints the loss of the float64 reference', () => {
    expectDone(r);
    expect(Math.abs(JSON.parse(r.stdout.trim()).loss - ref.loss)).toBeLessThan(1e-5);
  });

  it('writes every gradient under its PyTorch name, matching the reference', () => {
    const grads = decodeWeights(readFileSync(join(dir, 'g.safetensors')), cfg).params;
    for (const s of paramLayout(cfg).specs) {
      const { error, where } = relativeError(grads.subarray(s.offset, s.offset + s.size), ref.grads.subarray(s.offset, s.offset + s.size));
      expect(error, `${s.name} ${where}`).toBeLessThan(1e-4);
    }
  });

  const bad: [string, (d: string) => string[], RegExp][] = [
    [
      'a token outside the vocabulary',
      (d) => {
        writeFileSync(join(d, 'b1.json'), JSON.stringify({ ...batchJson, x: [[0, 1, 9, 3], ...batchJson.x.slice(1)] }));
        return ['--batch', 'b1.json'];
      },
      /b1\.json: x\[0\]\[2\]: must be an integer id in \[0, 5\), got 9/,
    ],
    [
      'sequences of unequal length without lengths',
      (d) => {
        writeFileSync(join(d, 'b2.json'), JSON.stringify({ ...batchJson, y: [[1, 2, 3], ...batchJson.y.slice(1)] }));
        return ['--batch', 'b2.json'];
      },
      /y\[0\]: must be an array of 4 steps \(as many as x\[0\]\)/,
    ],
    [
      'an unknown field',
      (d) => {
        writeFileSync(join(d, 'b3.json'), JSON.stringify({ ...batchJson, hiden: 6 }));
        return ['--batch', 'b3.json'];
      },
      /b3\.json: hiden: unknown field/,
    ],
    [
      'invalid JSON',
      (d) => {
        writeFileSync(join(d, 'b4.json'), '{"x": [[1,2]');
        return ['--batch', 'b4.json'];
      },
      /b4\.json: not valid JSON/,
    ],
    [
      'a bad nonlinearity',
      (d) => {
        writeFileSync(join(d, 'b5.json'), JSON.stringify({ ...batchJson, nonlinearity: 'sigmoid' }));
        return ['--batch', 'b5.json'];
      },
      /nonlinearity: must be one of "tanh", "relu", got "sigmoid"/,
    ],
    [
      'weights of another shape',
      (d) => {
        writeFileSync(join(d, 'b6.json'), JSON.stringify({ ...batchJson, hidden: 7 }));
        return ['--batch', 'b6.json'];
      },
      /w\.safetensors: tensor "rnn\.weight_ih_l0" has shape \[6,5\], the model needs \[7,5\]/,
    ],
  ];
  for (const [what, setup, message] of bad) {
    it(`exits 2 with a clear message and writes nothing for ${what}`, () => {
      const args = setup(dir);
      const r = rnnlab('grad', '--weights', 'w.safetensors', ...args, '--out', 'never.safetensors');
      expectRefused(r, message, dir, 'never.safetensors');
    });
  }

  it('names the byte offset of a malformed weight file', () => {
    const good = readFileSync(join(dir, 'w.safetensors'));
    writeFileSync(join(dir, 'trunc.safetensors'), good.subarray(0, good.length - 10));
    const r = rnnlab('grad', '--weights', 'trunc.safetensors', '--batch', 'batch.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/trunc\.safetensors: .*(offset|byte)/);
  });
});

describe('rnnlab train on text', () => {
  let r: CliRun;
  let resumed: CliRun;
  beforeAll(() => {
    writeFileSync(
      join(dir, 'cfg.json'),
      JSON.stringify({ hidden: 16, seqLen: 8, batchSize: 4, steps: 6, logEvery: 3, optimizer: { kind: 'adam', lr: 0.01 }, clip: 1, seed: 1 }),
    );
    r = rnnlab('train', '--config', 'cfg.json', '--save', 'trained.safetensors');
    resumed = rnnlab('train', '--config', 'cfg.json', '--init', 'trained.safetensors', '--steps', '3');
  });

  it('logs one JSON line per logged step with its loss, time per step and throughput, then the validation loss', () => {
    expect(r.code, r.stderr).toBe(0);
    const all = jsonLines(r);
    const lines = all.filter((l) => 'loss' in l);
    expect(lines.map((l) => l.step)).toEqual([3, 6]);
    expect(all.at(-1)).toEqual({ step: 6, val_loss: expect.any(Number) });
    for (const l of lines) {
      expect(Number.isFinite(l.loss)).toBe(true);
      expect(l.ms_per_step).toBeGreaterThan(0);
      expect(l.tokens_per_s).toBeGreaterThan(0);
    }
  });

  it('saves the weights with their config and the text’s vocabulary', () => {
    const saved = decodeWeights(readFileSync(join(dir, 'trained.safetensors')));
    expect(saved.cfg.hidden).toBe(16);
    expect(JSON.parse(saved.metadata['rnnlab.vocab']).length).toBe(saved.cfg.output);
  });

  it('a run from the saved weights (--init) starts at a lower loss than the fresh run did', () => {
    expect(resumed.code, resumed.stderr).toBe(0);
    const first = jsonLines(resumed).find((l) => 'loss' in l)!;
    // Trained weights start far below the ~ln(75) ≈ 4.3 of a fresh model.
    expect(first.loss).toBeLessThan(jsonLines(r).find((l) => 'loss' in l)!.loss);
  });

  it('refuses a bad config: exit status 2, the field named, no file left', () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ hidden: 0 }));
    const r = rnnlab('train', '--config', 'bad.json', '--save', 'none.safetensors');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.json: hidden: must be between 1 and 4096, got 0/);
    expect(readdirSync(dir).some((f) => f.startsWith('none'))).toBe(false);
  });
});

describe('rnnlab grad for stacked GRU and LSTM', () => {
  for (const cell of ['gru', 'lstm'] as const)
    it(`${cell}, 2 layers: loss and gradients match the float64 reference`, async () => {
      const c = parseModelConfig({ cell, layers: 2, hidden: 5, input: { kind: 'tokens', vocab: 5 } });
      const params = initParams(c, 4);
      writeFileSync(join(dir, `${cell}.safetensors`), encodeWeights(c, params));
      writeFileSync(join(dir, `${cell}.json`), JSON.stringify({ ...batchJson, cell, layers: 2, hidden: 5, nonlinearity: undefined }));
      const r = rnnlab('grad', '--weights', `${cell}.safetensors`, '--batch', `${cell}.json`, '--out', `${cell}-g.safetensors`);
      expect(r.code, r.stderr).toBe(0);
      const batch = { T: 4, B: 3, tokens: tokensFromBatchFirst(batchJson.x, 4, 3), targets: tokensFromBatchFirst(batchJson.y, 4, 3) };
      const ref = new RecurrentReference(c).lossAndGrad(Float64Array.from(params), batch);
      expect(Math.abs(JSON.parse(r.stdout).loss - ref.loss)).toBeLessThan(1e-5);
      const grads = decodeWeights(readFileSync(join(dir, `${cell}-g.safetensors`)), c).params;
      expect(paramLayout(c).specs.map((s) => s.name)).toContain('rnn.weight_hh_l1');
      for (const s of paramLayout(c).specs) {
        const { error, where } = relativeError(grads.subarray(s.offset, s.offset + s.size), ref.grads.subarray(s.offset, s.offset + s.size));
        expect(error, `${s.name} ${where}`).toBeLessThan(1e-4);
      }
    });

  it('refuses a nonlinearity for a GRU, naming the field', () => {
    writeFileSync(join(dir, 'gru-relu.json'), JSON.stringify({ ...batchJson, cell: 'gru', nonlinearity: 'relu' }));
    const r = rnnlab('grad', '--weights', 'w.safetensors', '--batch', 'gru-relu.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/gru-relu\.json: nonlinearity: applies to cell "rnn" only/);
  });
});

describe('rnnlab grad: every loss, ragged lengths and initial states', () => {
  it('lstm, class loss, lengths, h0 and c0 match the float64 reference', async () => {
    const c = parseModelConfig({ cell: 'lstm', layers: 1, hidden: 3, input: { kind: 'real', features: 2 }, output: 4, loss: 'class' });
    const params = initParams(c, 8);
    writeFileSync(join(dir, 'cls.safetensors'), encodeWeights(c, params));
    const x = [
      [
        [0.1, 0.2],
        [0.3, -0.4],
        [9, 9],
      ],
      [
        [-0.5, 0.6],
        [0.7, 0.8],
        [-0.9, 0.1],
      ],
    ]; // x[0][2] is padding
    const h0 = [
      [
        [0.1, 0, -0.1],
        [0.2, 0.3, 0],
      ],
    ];
    const c0 = [
      [
        [0, 0.5, 0],
        [-0.2, 0, 0.1],
      ],
    ];
    writeFileSync(
      join(dir, 'cls.json'),
      JSON.stringify({
        cell: 'lstm',
        layers: 1,
        hidden: 3,
        input: { kind: 'real', features: 2 },
        output: 4,
        loss: 'class',
        x,
        y: [3, 1],
        lengths: [2, 3],
        h0,
        c0,
      }),
    );
    const r = rnnlab('grad', '--weights', 'cls.safetensors', '--batch', 'cls.json', '--out', 'cls-g.safetensors');
    expect(r.code, r.stderr).toBe(0);
    const inputs = new Float32Array(3 * 2 * 2);
    for (let b = 0; b < 2; b++) for (let t = 0; t < 3; t++) inputs.set(x[b][t], (t * 2 + b) * 2);
    const batch = { T: 3, B: 2, inputs, targets: Uint32Array.from([3, 1]), lengths: Uint32Array.from([2, 3]) };
    const ref = new RecurrentReference(c).lossAndGrad(Float64Array.from(params), batch, {
      h0: Float64Array.from(h0.flat(2)),
      c0: Float64Array.from(c0.flat(2)),
    });
    expect(Math.abs(JSON.parse(r.stdout).loss - ref.loss)).toBeLessThan(1e-5);
    const grads = decodeWeights(readFileSync(join(dir, 'cls-g.safetensors')), c).params;
    const { error, where } = relativeError(grads, ref.grads);
    expect(error, where).toBeLessThan(1e-4);
  });

  it('refuses a length past the sequence, naming it', () => {
    writeFileSync(join(dir, 'len.json'), JSON.stringify({ ...batchJson, lengths: [4, 5, 1] }));
    const r = rnnlab('grad', '--weights', 'w.safetensors', '--batch', 'len.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/len\.json: lengths\[1\]: must be an integer in \[1, 4\], got 5/);
  });
});

describe('rnnlab train on a synthetic task with truncated BPTT', () => {
  let r: CliRun;
  let resumed: CliRun;
  beforeAll(() => {
    writeFileSync(
      join(dir, 'copy.json'),
      JSON.stringify({
        cell: 'gru',
        hidden: 8,
        dataset: { task: 'copy' },
        seqLen: 12,
        tbptt: 4,
        batchSize: 4,
        steps: 6,
        logEvery: 3,
        optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9 },
        clip: 1,
        seed: 2,
      }),
    );
    r = rnnlab('train', '--config', 'copy.json', '--save', 'copy.safetensors');
    resumed = rnnlab('train', '--config', 'copy.json', '--init', 'copy.safetensors', '--steps', '3');
  });

  it('logs the steps with their gradient norms, then the validation loss', () => {
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r);
    expect(lines.filter((l) => 'loss' in l).map((l) => l.step)).toEqual([3, 6]);
    expect(lines.every((l) => !('loss' in l) || l.grad_norm > 0)).toBe(true);
    expect(lines.at(-1)).toEqual({ step: 6, val_loss: expect.any(Number) });
  });

  it('saves the optimizer state beside the weights', () => {
    expect(existsSync(join(dir, 'copy.optim.safetensors'))).toBe(true);
  });

  it('--init resumes the optimizer state of the saved step', () => {
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(jsonLines(resumed)[0]).toEqual({ resumed_optimizer_at_step: 6 });
  });

  it('refuses truncated BPTT with a loss on each sequence end', () => {
    writeFileSync(join(dir, 'add.json'), JSON.stringify({ cell: 'lstm', hidden: 4, dataset: { task: 'adding' }, seqLen: 12, tbptt: 4, steps: 1 }));
    const refused = rnnlab('train', '--config', 'add.json');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/add\.json: tbptt: truncated BPTT needs a loss at every step/);
  });

  it('refuses a tbptt that does not divide seqLen', () => {
    writeFileSync(join(dir, 'div.json'), JSON.stringify({ hidden: 4, seqLen: 12, tbptt: 5, steps: 1 }));
    const refused = rnnlab('train', '--config', 'div.json');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/div\.json: tbptt: must divide seqLen \(12\), got 5/);
  });
});

describe('rnnlab with "bidirectional": true', () => {
  it('grad: a 2-layer bidirectional GRU on a ragged batch with h0 [2L][B][H] matches the float64 reference', () => {
    const c = parseModelConfig({ cell: 'gru', layers: 2, hidden: 3, input: { kind: 'tokens', vocab: 5 }, loss: 'ce', bidirectional: true });
    const params = initParams(c, 11);
    writeFileSync(join(dir, 'bi.safetensors'), encodeWeights(c, params));
    const h0 = Array.from({ length: 4 }, (_, ld) => Array.from({ length: 3 }, (_, b) => [0.1 * ld, -0.2 * b, 0.05]));
    writeFileSync(
      join(dir, 'bi.json'),
      JSON.stringify({ ...batchJson, cell: 'gru', nonlinearity: undefined, layers: 2, hidden: 3, bidirectional: true, lengths: [4, 2, 3], h0 }),
    );
    const r = rnnlab('grad', '--weights', 'bi.safetensors', '--batch', 'bi.json', '--out', 'bi-g.safetensors');
    expect(r.code, r.stderr).toBe(0);
    const batch = {
      T: 4,
      B: 3,
      tokens: tokensFromBatchFirst(batchJson.x, 4, 3),
      targets: tokensFromBatchFirst(batchJson.y, 4, 3),
      lengths: Uint32Array.from([4, 2, 3]),
    };
    const ref = new RecurrentReference(c).lossAndGrad(Float64Array.from(params), batch, { h0: Float64Array.from(h0.flat(2)) });
    expect(Math.abs(JSON.parse(r.stdout).loss - ref.loss)).toBeLessThan(1e-5);
    const grads = decodeWeights(readFileSync(join(dir, 'bi-g.safetensors')), c).params;
    expect(paramLayout(c).specs.map((s) => s.name)).toContain('rnn.weight_ih_l1_reverse');
    const { error, where } = relativeError(grads, ref.grads);
    expect(error, where).toBeLessThan(1e-4);
  });

  it('train: a bidirectional LSTM tagger trains and saves its config; text and truncated BPTT are refused with the reason', () => {
    const base = { cell: 'lstm', hidden: 8, bidirectional: true, dataset: { task: 'tagging' }, seqLen: 12, batchSize: 4, steps: 4, logEvery: 2, seed: 3 };
    writeFileSync(join(dir, 'tag.json'), JSON.stringify(base));
    const r = rnnlab('train', '--config', 'tag.json', '--save', 'tag.safetensors');
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLines(r).at(-1)).toEqual({ step: 4, val_loss: expect.any(Number) });
    expect(decodeWeights(readFileSync(join(dir, 'tag.safetensors'))).cfg.bidirectional).toBe(true);
    writeFileSync(join(dir, 'bitext.json'), JSON.stringify({ ...base, dataset: undefined }));
    const text = rnnlab('train', '--config', 'bitext.json');
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/bitext\.json: bidirectional: this dataset asks for the next step's input/);
    writeFileSync(join(dir, 'bitbptt.json'), JSON.stringify({ ...base, tbptt: 6 }));
    const chunks = rnnlab('train', '--config', 'bitbptt.json');
    expect(chunks.code).toBe(2);
    expect(chunks.stderr).toMatch(/bitbptt\.json: tbptt: a bidirectional model reads each sequence whole/);
  });
});
