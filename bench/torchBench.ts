// The PyTorch yardstick in the bench (`--torch`): scripts/torch_bench.py timed on the same machine
// in the same sitting, its ms/step beside ours. Python is $PYTHON, else /usr/bin/python3 where it
// exists (Debian's python3-torch lives there, not in a pyenv first on PATH), else python3.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface TorchResult {
  config: string;
  device: string;
  tf32: boolean;
  ms_per_step: number;
  steps: number;
  loss_first: number;
  loss_last: number;
}

const SCRIPT = fileURLToPath(new URL('../scripts/torch_bench.py', import.meta.url));

export const python = () => process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** Runs the script; throws with its stderr when it fails (no torch, say). */
export function torchBench(configs: string[], opts: { minMs?: number; device?: string; list?: boolean } = {}): TorchResult[] {
  const args = [SCRIPT, '--configs', configs.join(','), '--min-ms', String(opts.minMs ?? 2000)];
  if (opts.device) args.push('--device', opts.device);
  if (opts.list) args.push('--list');
  const r = spawnSync(python(), args, { encoding: 'utf8', timeout: 30 * 60_000 });
  if (r.status !== 0) throw new Error(`scripts/torch_bench.py failed (${python()}): ${(r.stderr || r.error?.message || '').trim().split('\n').at(-1)}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{') || l.startsWith('['))
    .flatMap((l) => JSON.parse(l));
}
