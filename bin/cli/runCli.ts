// The CLI as a user runs it, for the tests: a child process in a folder, its exit status and output.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const BIN = fileURLToPath(new URL('../rnnlab.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `rnnlab args…` run in `dir`, with `env` over this process's environment (a variable set to undefined: removed). */
export function runCli(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const merged = Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([, v]) => v !== undefined));
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: merged });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A run that did its work: exit status 0 and no `rnnlab: error:` line. What else stderr holds (a GPU
 * driver's messages under --verbose, say) is no failure.
 */
export function expectDone(r: CliRun): void {
  expect(
    r.stderr.split('\n').filter((l) => l.startsWith('rnnlab: error:')),
    r.stderr,
  ).toEqual([]);
  expect(r.code, r.stderr).toBe(0);
}

/** A run refused as a user error: exit status 2, one `rnnlab:` line that says `message`, and `unwritten` (in `dir`) not written. */
export function expectRefused(r: CliRun, message: RegExp, dir: string, unwritten: string): void {
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(
    r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('rnnlab:')),
  ).toHaveLength(1);
  expect(existsSync(join(dir, unwritten))).toBe(false);
}

/** The JSON lines a run printed on stdout, parsed. */
export function jsonLines(r: CliRun): Record<string, number>[] {
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}
