// Resuming `rnnlab train` after a crash: the checkpoint records its run's config and step, a resume
// with another config is refused with every difference listed, an optimizer state of another step
// (a save cut short between the two files) is refused, and an init without the optimizer state
// starts a new run from the weights. Saves are written to a temporary name, synced, then renamed.
import { beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors } from '../../gpu/io/safetensors.ts';
import { runCli } from './runCli.ts';

let dir: string;

const rnnlab = (...args: string[]) => runCli(dir, args);

const base = {
  cell: 'rnn',
  hidden: 4,
  dataset: { task: 'sine' },
  seqLen: 8,
  batchSize: 2,
  steps: 3,
  logEvery: 3,
  optimizer: { kind: 'adam', lr: 0.01 },
  clip: 1,
  seed: 2,
};
const write = (name: string, cfg: object) => writeFileSync(join(dir, name), JSON.stringify(cfg));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rnnlab-resume-'));
  write('a.json', base);
  const r = rnnlab('train', '--config', 'a.json', '--save', 'run.safetensors');
  expect(r.code, r.stderr).toBe(0);
});

describe('rnnlab train --init: resuming a run', () => {
  it('the checkpoint records the run’s config and step', () => {
    const { metadata } = decodeSafetensors(readFileSync(join(dir, 'run.safetensors')));
    expect(metadata['rnnlab.step']).toBe('3');
    expect(JSON.parse(metadata['rnnlab.train'])).toMatchObject({
      model: { cell: 'rnn', hidden: 4 },
      seqLen: 8,
      tbptt: 8,
      batchSize: 2,
      optimizer: { kind: 'adam', lr: 0.01, clip: 1 },
    });
    expect(decodeSafetensors(readFileSync(join(dir, 'run.optim.safetensors'))).metadata['rnnlab.step']).toBe('3');
  });

  it('a save leaves no temporary file', () => {
    expect(
      readdirSync(dir)
        .filter((f) => f.startsWith('run'))
        .sort(),
    ).toEqual(['run.optim.safetensors', 'run.safetensors']);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('the same config resumes (the optimizer at the saved step)', () => {
    const r = rnnlab('train', '--config', 'a.json', '--init', 'run.safetensors', '--steps', '2');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.split('\n')[0])).toEqual({ resumed_optimizer_at_step: 3 });
  });

  // Saved after whole batches: 3 steps of full BPTT, or 4 chunks (2 batches) of TBPTT 4.
  for (const [tbptt, part] of [
    [8, 3],
    [4, 4],
  ])
    it(`a resumed run ends where the run that was not interrupted does, bit for bit (it trains on the batches that come next; TBPTT ${tbptt} of 8)`, () => {
      write(`w${tbptt}.json`, { ...base, tbptt, steps: part + 2 });
      expect(rnnlab('train', '--config', `w${tbptt}.json`, '--save', `whole${tbptt}.safetensors`).code).toBe(0);
      expect(rnnlab('train', '--config', `w${tbptt}.json`, '--steps', String(part), '--save', `part${tbptt}.safetensors`).code).toBe(0);
      const r = rnnlab('train', '--config', `w${tbptt}.json`, '--init', `part${tbptt}.safetensors`, '--steps', '2', '--save', `rest${tbptt}.safetensors`);
      expect(r.code, r.stderr).toBe(0);
      const tensors = (f: string) => decodeSafetensors(readFileSync(join(dir, f))).tensors;
      expect(tensors(`rest${tbptt}.safetensors`)).toEqual(tensors(`whole${tbptt}.safetensors`));
      expect(tensors(`rest${tbptt}.optim.safetensors`)).toEqual(tensors(`whole${tbptt}.optim.safetensors`));
    });

  it('a changed config is refused, every difference named with both values, nothing written', () => {
    write('b.json', { ...base, hidden: 8, batchSize: 4, optimizer: { kind: 'adam', lr: 0.002 } });
    const r = rnnlab('train', '--config', 'b.json', '--init', 'run.safetensors', '--save', 'never.safetensors');
    expect(r.code).toBe(2);
    const line = r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('rnnlab:'));
    expect(line).toHaveLength(1);
    expect(line[0]).toMatch(/^rnnlab: error: run\.safetensors: this config differs from the run it resumes: /);
    expect(line[0]).toContain('model.hidden: 4 (saved) → 8 (now)');
    expect(line[0]).toContain('batchSize: 2 (saved) → 4 (now)');
    expect(line[0]).toContain('optimizer.lr: 0.01 (saved) → 0.002 (now)');
    expect(line[0]).toContain('move run.optim.safetensors away');
    expect(existsSync(join(dir, 'never.safetensors'))).toBe(false);
  });

  it('an optimizer state of another step (a save cut short between the files) is refused', () => {
    write('c.json', { ...base, steps: 5 });
    expect(rnnlab('train', '--config', 'c.json', '--save', 'other.safetensors').code).toBe(0);
    copyFileSync(join(dir, 'run.safetensors'), join(dir, 'torn.safetensors'));
    copyFileSync(join(dir, 'other.optim.safetensors'), join(dir, 'torn.optim.safetensors'));
    const r = rnnlab('train', '--config', 'a.json', '--init', 'torn.safetensors');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/torn\.optim\.safetensors: the optimizer state is of step 5, the weights in torn\.safetensors of step 3: the save was cut short/);
  });

  it('without the optimizer state, the weights start a new run with other settings', () => {
    copyFileSync(join(dir, 'run.safetensors'), join(dir, 'init.safetensors'));
    write('d.json', { ...base, optimizer: { kind: 'sgd', lr: 0.1 }, steps: 2 });
    const r = rnnlab('train', '--config', 'd.json', '--init', 'init.safetensors');
    expect(r.code, r.stderr).toBe(0);
  });

  it('without the optimizer state, weights of another model are refused, every difference named', () => {
    copyFileSync(join(dir, 'run.safetensors'), join(dir, 'init2.safetensors'));
    write('e.json', { ...base, cell: 'lstm' });
    const bad = rnnlab('train', '--config', 'e.json', '--init', 'init2.safetensors');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/init2\.safetensors: the weights were saved for another model: cell: "rnn" \(saved\) → "lstm" \(now\)/);
  });
});

describe('rnnlab train --kernels: the step kernels a run records and a resume replays', () => {
  const TILED = 'forward=tiled-b2-u4-m1-k8,backward=tiled-b2-u4-m1-k8';
  const tensors = (f: string) => decodeSafetensors(readFileSync(join(dir, f))).tensors;

  it('saves the kernels with the weights; a resume replays them and ends where an unbroken run of them does, bit for bit', () => {
    expect(rnnlab('train', '--config', 'a.json', '--kernels', 'tiled-b2-u4-m1-k8', '--save', 'k3.safetensors').code).toBe(0);
    expect(decodeSafetensors(readFileSync(join(dir, 'k3.safetensors'))).metadata['rnnlab.step_kernels']).toBe(TILED);
    const resumed = rnnlab('train', '--config', 'a.json', '--init', 'k3.safetensors', '--steps', '2', '--save', 'k5.safetensors', '--verbose');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`rnnlab: step kernels: ${TILED} (recorded)`);
    expect(rnnlab('train', '--config', 'a.json', '--kernels', TILED, '--steps', '5', '--save', 'u5.safetensors').code).toBe(0);
    expect(tensors('k5.safetensors')).toEqual(tensors('u5.safetensors'));
    expect(tensors('k5.optim.safetensors')).toEqual(tensors('u5.optim.safetensors'));
    expect(tensors('k5.safetensors')).not.toEqual(tensors('k3.safetensors'));
  });

  it('"tune" measures on any adapter and keeps the choice in $RNNLAB_CACHE_DIR; a name that is no kernel is refused', () => {
    const cacheDir = join(dir, 'cache');
    const tuned = runCli(dir, ['train', '--config', 'a.json', '--kernels', 'tune', '--steps', '1', '--verbose'], { RNNLAB_CACHE_DIR: cacheDir });
    expect(tuned.code, tuned.stderr).toBe(0);
    expect(tuned.stderr).toMatch(/rnnlab: step kernels: forward=\S+,backward=\S+ \(measured, measured in \d+ ms\)/);
    const cache = JSON.parse(readFileSync(join(cacheDir, 'step-kernels.json'), 'utf8'));
    expect(Object.keys(cache)).toHaveLength(1);
    expect(Object.keys(cache)[0]).toMatch(/\|rnn\|H4\|B2\|T8\|real$/);
    const bad = rnnlab('train', '--config', 'a.json', '--kernels', 'fast');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--kernels: "fast" is not a step kernel/);
  });
});
