#!/usr/bin/env node
// `npm run fuzz`: every property suite (the *.fuzz.test.ts files) with 10,000 cases per property and
// a fixed seed, printed first so a run can be repeated; `npm test` runs the same suites with 200.
//   npm run fuzz                      10,000 cases, the default seed
//   npm run fuzz -- --runs 50000      more cases
//   npm run fuzz -- --seed 12345      another seed (or --seed random)
//   npm run fuzz -- app/upload        only the suites under a path
// A failure prints the counterexample, its seed and path: RNNLAB_FUZZ_SEED=<seed> reproduces it.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
};
const runs = Number(option('runs', process.env.RNNLAB_FUZZ_RUNS ?? 10_000));
let seed = option('seed', process.env.RNNLAB_FUZZ_SEED ?? '20260707');
if (seed === 'random') seed = String(Math.floor(Math.random() * 2 ** 31));
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(Number(seed))) {
  console.error('usage: npm run fuzz [-- --runs N] [--seed S|random] [paths…]');
  process.exit(2);
}

function suites(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    if (statSync(path).isDirectory()) return suites(path);
    return name.endsWith('.fuzz.test.ts') ? [relative(root, path)] : [];
  });
}
const all = ['app', 'gpu', 'bin'].flatMap((d) => suites(join(root, d)));
const files = args.length ? all.filter((f) => args.some((a) => f.startsWith(a.replace(/^\.\//, '')))) : all;
// No suite under the paths given: say so (vitest with no files would run every test there is).
if (!files.length) {
  console.error(`fuzz: no *.fuzz.test.ts under ${args.join(', ')}; the suites are:\n  ${all.join('\n  ')}`);
  process.exit(2);
}

console.log(`fuzz: ${runs.toLocaleString('en-US')} cases per property, seed ${seed}, ${files.length} suites:\n  ${files.join('\n  ')}`);
const t0 = Date.now();
const r = spawnSync('npx', ['vitest', 'run', '--reporter=verbose', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, RNNLAB_FUZZ_RUNS: String(runs), RNNLAB_FUZZ_SEED: seed, RNNLAB_FUZZ_REPORT: '1' },
});
const seconds = ((Date.now() - t0) / 1000).toFixed(0);
console.log(
  `fuzz: ${r.status === 0 ? 'passed' : 'FAILED'} in ${seconds} s (${runs.toLocaleString('en-US')} cases per property, seed ${seed}; repeat with RNNLAB_FUZZ_SEED=${seed})`,
);
process.exit(r.status ?? 1);
