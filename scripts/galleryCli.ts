// The gallery notebooks' cells trained headless in Node (Dawn) through the CLI, each to its step
// budget: the time it takes and the final validation loss. For a machine without Chromium (e.g. a
// GPU server); the page's own numbers come from scripts/gallery-timings.js.
//   npx vite build (for public/data) && npm run gallery:cli -- [--only id,id] [--budget 1]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isSeq2SeqDataset } from '../app/config/datasets.ts';
import { parseCell } from '../app/notebook/cellConfig.ts';

interface Row {
  id: string;
  cell: number;
  title?: string | null;
  steps: number;
  seconds: number;
  msPerStep: number | null;
  validation: number | null;
}

const RNNLAB = fileURLToPath(new URL('../bin/rnnlab.js', import.meta.url));

export function main(argv: string[]): number {
  const { values: args } = parseArgs({ args: argv, options: { only: { type: 'string' }, budget: { type: 'string', default: '1' } } });
  const dir = new URL('../public/gallery/', import.meta.url);
  const tmp = mkdtempSync(join(tmpdir(), 'gallery-'));
  const rows: Row[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()) {
    const id = file.replace(/\.md$/, '');
    if (args.only && !args.only.split(',').includes(id)) continue;
    const cells = [...readFileSync(new URL(file, dir), 'utf8').matchAll(/^```rnn\n([\s\S]*?)^```/gm)].map((m, i) => parseCell(m[1], i + 1));
    for (const [i, c] of cells.entries()) {
      if (!c.ok) throw new Error(`${id} cell ${i + 1}: ${JSON.stringify(c.problems)}`);
      const s = c.spec.settings;
      if (!s) continue; // a tree cell: see `rnnlab train --tree` and bench/treeBench.ts
      const steps = Math.max(1, Math.round(c.spec.steps * Number(args.budget)));
      // An encoder–decoder cell trains with `rnnlab train --seq2seq` (its dataset a generated pair task).
      const seq2seq = isSeq2SeqDataset(s.dataset);
      const dataset = seq2seq
        ? { task: s.dataset, maxLength: s.maxLength }
        : s.dataset === 'moby-dick' || s.dataset === 'first-names'
          ? { text: `public/data/${s.dataset}.txt` }
          : { task: s.dataset };
      const cell = s.cell.startsWith('rnn') ? 'rnn' : s.cell;
      const cfg = {
        cell,
        ...(cell === 'rnn' ? { nonlinearity: s.cell === 'rnn-relu' ? 'relu' : 'tanh' } : {}),
        layers: s.layers,
        ...(s.bidirectional ? { bidirectional: true } : {}),
        hidden: s.hidden,
        dataset,
        ...(seq2seq ? { attention: s.attention } : { seqLen: s.seqLen, tbptt: s.tbptt }),
        batchSize: s.batchSize,
        steps,
        optimizer: { kind: s.optimizer, lr: s.lr },
        clip: s.clip,
        seed: s.seed,
        logEvery: steps,
        evalEvery: steps,
      };
      const path = join(tmp, `${id}-${i}.json`);
      writeFileSync(path, JSON.stringify(cfg));
      const t0 = Date.now();
      const command = seq2seq ? ['train', '--seq2seq', '--config', path] : ['train', '--config', path];
      const out = execFileSync(process.execPath, [RNNLAB, ...command], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const seconds = (Date.now() - t0) / 1000;
      const lines = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, number>);
      const val = lines.filter((l) => 'val_loss' in l).at(-1)?.val_loss ?? null;
      const msPerStep = lines.filter((l) => 'ms_per_step' in l).at(-1)?.ms_per_step ?? null;
      const row: Row = { id, cell: i + 1, title: c.spec.title, steps, seconds, msPerStep, validation: val };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
  console.log('\n| notebook | cell | steps | time (s) | ms/step | validation loss |\n|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(`| ${r.id} | ${r.cell} ${r.title ?? ''} | ${r.steps} | ${r.seconds.toFixed(1)} | ${r.msPerStep ?? '–'} | ${r.validation?.toFixed(4) ?? '–'} |`);
  return 0;
}
