// The CLI as a user runs it: a child process, files in, JSON and files out, exit codes.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseModelConfig } from '../model/config.ts';
import { initParams, paramLayout } from '../model/params.ts';
import { encodeWeights, decodeWeights } from '../io/weights.ts';
import { ElmanReference } from '../reference/elman.ts';
import { tokensFromBatchFirst } from '../data/batch.ts';
import { relativeError } from '../testing/compare.ts';

const BIN = join(__dirname, '../../bin/rnnlab.js');
let dir: string;

function rnnlab(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const cfg = parseModelConfig({ hidden: 6, nonlinearity: 'tanh', input: { kind: 'tokens', vocab: 5 } });
const batchJson = {
  cell: 'rnn', nonlinearity: 'tanh', layers: 1, hidden: 6, input: { kind: 'tokens', vocab: 5 }, loss: 'ce',
  x: [[0, 1, 2, 3], [4, 4, 0, 1], [2, 2, 2, 2]],
  y: [[1, 2, 3, 4], [4, 0, 1, 2], [2, 2, 2, 3]],
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rnnlab-cli-'));
  writeFileSync(join(dir, 'w.safetensors'), encodeWeights(cfg, initParams(cfg, 3)));
  writeFileSync(join(dir, 'batch.json'), JSON.stringify(batchJson));
});

describe('rnnlab grad', () => {
  it('prints the loss and writes every gradient under its PyTorch name, matching the reference', () => {
    const r = rnnlab('grad', '--weights', 'w.safetensors', '--batch', 'batch.json', '--out', 'g.safetensors');
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const { loss } = JSON.parse(r.stdout.trim());
    const batch = { T: 4, B: 3, tokens: tokensFromBatchFirst(batchJson.x, 4, 3), targets: tokensFromBatchFirst(batchJson.y, 4, 3) };
    const ref = new ElmanReference(cfg).lossAndGrad(Float64Array.from(initParams(cfg, 3)), batch);
    expect(Math.abs(loss - ref.loss)).toBeLessThan(1e-5);
    const grads = decodeWeights(readFileSync(join(dir, 'g.safetensors')), cfg).params;
    for (const s of paramLayout(cfg).specs) {
      const { error, where } = relativeError(grads.subarray(s.offset, s.offset + s.size), ref.grads.subarray(s.offset, s.offset + s.size));
      expect(error, `${s.name} ${where}`).toBeLessThan(1e-4);
    }
  });

  const bad: [string, (d: string) => string[], RegExp][] = [
    ['a token outside the vocabulary', (d) => { writeFileSync(join(d, 'b1.json'), JSON.stringify({ ...batchJson, x: [[0, 1, 9, 3], ...batchJson.x.slice(1)] })); return ['--batch', 'b1.json']; }, /b1\.json: x\[0\]\[2\]: must be an integer id in \[0, 5\), got 9/],
    ['sequences of unequal length without lengths', (d) => { writeFileSync(join(d, 'b2.json'), JSON.stringify({ ...batchJson, y: [[1, 2, 3], ...batchJson.y.slice(1)] })); return ['--batch', 'b2.json']; }, /y\[0\]: must be an array of 4 steps \(as many as x\[0\]\)/],
    ['an unknown field', (d) => { writeFileSync(join(d, 'b3.json'), JSON.stringify({ ...batchJson, hiden: 6 })); return ['--batch', 'b3.json']; }, /b3\.json: hiden: unknown field/],
    ['invalid JSON', (d) => { writeFileSync(join(d, 'b4.json'), '{"x": [[1,2]'); return ['--batch', 'b4.json']; }, /b4\.json: not valid JSON/],
    ['a bad nonlinearity', (d) => { writeFileSync(join(d, 'b5.json'), JSON.stringify({ ...batchJson, nonlinearity: 'sigmoid' })); return ['--batch', 'b5.json']; }, /nonlinearity: must be one of "tanh", "relu", got "sigmoid"/],
    ['weights of another shape', (d) => { writeFileSync(join(d, 'b6.json'), JSON.stringify({ ...batchJson, hidden: 7 })); return ['--batch', 'b6.json']; }, /w\.safetensors: tensor "rnn\.weight_ih_l0" has shape \[6,5\], the model needs \[7,5\]/],
  ];
  for (const [what, setup, message] of bad) {
    it(`exits 2 with a clear message and writes nothing for ${what}`, () => {
      const args = setup(dir);
      const r = rnnlab('grad', '--weights', 'w.safetensors', ...args, '--out', 'never.safetensors');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('rnnlab:'))).toHaveLength(1);
      expect(existsSync(join(dir, 'never.safetensors'))).toBe(false);
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

describe('rnnlab train', () => {
  it('logs one JSON line per logged step, saves weights, and resumes from them', () => {
    writeFileSync(join(dir, 'cfg.json'), JSON.stringify({ hidden: 16, seqLen: 8, batchSize: 4, steps: 6, logEvery: 3, optimizer: { kind: 'adam', lr: 0.01 }, clip: 1, seed: 1 }));
    const r = rnnlab('train', '--config', 'cfg.json', '--save', 'trained.safetensors');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([3, 6]);
    for (const l of lines) {
      expect(Number.isFinite(l.loss)).toBe(true);
      expect(l.ms_per_step).toBeGreaterThan(0);
      expect(l.tokens_per_s).toBeGreaterThan(0);
    }
    const saved = decodeWeights(readFileSync(join(dir, 'trained.safetensors')));
    expect(saved.cfg.hidden).toBe(16);
    expect(JSON.parse(saved.metadata['rnnlab.vocab']).length).toBe(saved.cfg.output);

    const resumed = rnnlab('train', '--config', 'cfg.json', '--init', 'trained.safetensors', '--steps', '3');
    expect(resumed.code, resumed.stderr).toBe(0);
    const first = JSON.parse(resumed.stdout.trim().split('\n')[0]);
    // Trained weights start far below the ~ln(75) ≈ 4.3 of a fresh model.
    expect(first.loss).toBeLessThan(lines[0].loss);
  });

  it('refuses a bad config with exit 2 and leaves no file', () => {
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
      const { RecurrentReference } = await import('../reference/recurrent.ts');
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
