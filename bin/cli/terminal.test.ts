// What the CLI shows in a terminal: help that needs no GPU, and a stderr without Dawn's messages about
// the machine's Vulkan drivers unless --verbose asks for them; real GPU failures still said in one line.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectDone, runCli } from './runCli.ts';
import { DawnNoiseFilter } from '../dawnNoise.js';
import { COMMAND_NAMES, COMMANDS } from './commands.ts';
import { TRAIN_NUMBERS } from './trainConfig.ts';

let dir: string;
/** A machine where the Vulkan loader finds no driver (Chromium installed without mesa-vulkan-drivers): Dawn says so, then SwiftShader serves. */
let noDriver: NodeJS.ProcessEnv;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rnnlab-terminal-'));
  writeFileSync(join(dir, 'cfg.json'), JSON.stringify({ cell: 'rnn', hidden: 4, dataset: { task: 'sine' }, seqLen: 8, batchSize: 2, steps: 2, logEvery: 2 }));
  const empty = join(dir, 'no-drivers');
  mkdirSync(empty);
  noDriver = {
    XDG_DATA_DIRS: empty,
    XDG_CONFIG_DIRS: empty,
    XDG_DATA_HOME: empty,
    XDG_CONFIG_HOME: empty,
    VK_ICD_FILENAMES: undefined,
    VK_DRIVER_FILES: undefined,
  };
});

const dawnLines = (stderr: string) => {
  const f = new DawnNoiseFilter();
  const kept = f.write(stderr) + f.end();
  return stderr.length - kept.length;
};

describe('rnnlab help', () => {
  it('--help lists every command, on stdout alone', () => {
    const r = runCli(dir, ['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const c of COMMAND_NAMES) expect(r.stdout).toContain(c);
  });

  for (const [args, name] of [
    [['help', 'train'], 'train'],
    [['train', '--help'], 'train'],
    [['help', 'grad', '--tree'], 'grad --tree'],
    [['train', '--tree', '-h'], 'train --tree'],
  ] as const)
    it(`\`rnnlab ${args.join(' ')}\` explains ${name} on stdout alone: its usage, options, file fields and an example file`, () => {
      const h = runCli(dir, [...args]);
      expect(h.code, args.join(' ')).toBe(0);
      expect(h.stderr).toBe('');
      const command = COMMANDS[name];
      expect(h.stdout).toContain(`Usage: ${command.usage}`);
      for (const o of command.options) expect(h.stdout).toContain(`--${o.name}`);
      for (const f of command.file().fields) expect(h.stdout).toMatch(new RegExp(`^  ${f.name} `, 'm'));
      expect(h.stdout).toContain(`Example ${command.file().name}:\n  ${JSON.stringify(command.file().example)}\n`);
    });

  it('shows the real defaults: help train gives seqLen’s', () => {
    expect(runCli(dir, ['help', 'train']).stdout).toMatch(new RegExp(`seqLen +integer 1–4,096, default ${TRAIN_NUMBERS.seqLen.default} `));
  });

  it('an unknown command: exit status 2, pointed to the help', () => {
    const unknown = runCli(dir, ['trian']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^rnnlab: error: unknown command "trian"; .*`rnnlab help`/);
  });

  it('an unknown option: exit status 2, the command’s options listed, pointed to its help', () => {
    const option = runCli(dir, ['train', '--config', 'cfg.json', '--stpes', '3']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(
      /^rnnlab: error: train: unknown option --stpes; its options are --config, --init, --save, --steps, --kernels \(see `rnnlab help train`\)/,
    );
  });

  it('a required option left out: named, pointed to the command’s help', () => {
    expect(runCli(dir, ['grad', '--tree', '--weights', 'w']).stderr).toMatch(/grad --tree: --batch FILE is required \(see `rnnlab help grad --tree`\)/);
  });

  it('help for an unknown command: exit status 2', () => {
    expect(runCli(dir, ['help', 'fit']).code).toBe(2);
  });
});

describe("Dawn's driver messages", () => {
  it('stay out of a run on a machine without a Vulkan driver', () => {
    const quiet = runCli(dir, ['train', '--config', 'cfg.json'], noDriver);
    expectDone(quiet);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('come through with --verbose on a machine without a Vulkan driver, after the adapter’s name', () => {
    const verbose = runCli(dir, ['train', '--config', 'cfg.json', '--verbose'], noDriver);
    expectDone(verbose);
    expect(verbose.stdout.trim().split('\n')).toHaveLength(2);
    expect(verbose.stderr).toMatch(/^rnnlab: adapter: /m);
    // Everything else on stderr is what the filter drops: Dawn's probing, here the loader finding no driver.
    expect(dawnLines(verbose.stderr)).toBe(verbose.stderr.replace(/^rnnlab: (adapter|step kernels): .*\n/gm, '').length);
    const systemDrivers = ['/etc/vulkan/icd.d', '/etc/xdg/vulkan/icd.d'].some((d) => existsSync(d) && readdirSync(d).length > 0);
    if (!systemDrivers) expect(verbose.stderr).toContain('VK_ERROR_INCOMPATIBLE_DRIVER');
  });

  it('stay out of a run on this machine', () => {
    const r = runCli(dir, ['train', '--config', 'cfg.json']);
    expectDone(r);
    expect(r.stderr).toBe('');
  });

  it('go, but no adapter at all is still said in one line, exit status 1', () => {
    const r = runCli(dir, ['train', '--config', 'cfg.json'], {
      VK_ICD_FILENAMES: join(dir, 'missing_icd.json'),
      VK_DRIVER_FILES: join(dir, 'missing_icd.json'),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rnnlab: error: No WebGPU adapter in Node/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
