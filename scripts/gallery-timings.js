// How long each gallery notebook takes here to reach its result: every cell trained to its step
// budget (cells of one notebook together, as a reader pressing Train on each), in headless Chromium
// with WebGPU, on the built page. Prints, per cell, the time, the final validation loss and the
// dataset's baseline. Not part of `npm test` (it takes minutes on SwiftShader).
//
//   npx vite build && node scripts/gallery-timings.js [--dist dist] [--only id,id] [--budget 0.25]
// --budget scales every cell's step budget (0.25: a quarter of the steps), for a quick look.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from './find-chromium.js';
import { serveStatic } from './static-server.js';

const { values: args } = parseArgs({
  options: { dist: { type: 'string', default: 'dist' }, only: { type: 'string' }, budget: { type: 'string', default: '1' } },
});
const server = await serveStatic({ root: args.dist });
const base = `${server.origin}/`;
const gallery = JSON.parse(await readFile(join(args.dist, 'gallery/index.json'), 'utf8'));
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS, headless: false });
const rows = [];
try {
  for (const { id } of gallery.filter((g) => !args.only || args.only.split(',').includes(g.id))) {
    const page = await browser.newPage();
    await page.goto(`${base}notebook.html?g=${id}`);
    await page.waitForFunction(
      () => {
        const nb = window.__rnnlabNotebook;
        return nb && nb.cellCount > 0 && Array.from({ length: nb.cellCount }, (_, i) => nb.cell(i)?.status).every((s) => s === 'idle');
      },
      null,
      { timeout: 120_000 },
    );
    const markdown = await page.evaluate(() => window.__rnnlabNotebook.markdown);
    const budgets = [...markdown.matchAll(/^steps:\s*(\d+)/gm)].map((m) => Math.max(1, Math.round(Number(m[1]) * Number(args.budget))));
    const t0 = Date.now();
    await page.evaluate((b) => b.forEach((n, i) => window.__rnnlabNotebook.trainTo(i, n)), budgets);
    const done = [];
    await page.waitForFunction(
      (b) =>
        b.every((n, i) => {
          const c = window.__rnnlabNotebook.cell(i);
          return c.error || (c.status === 'paused' && c.steps >= n);
        }),
      budgets,
      { timeout: 3_600_000, polling: 1000 },
    );
    const seconds = (Date.now() - t0) / 1000;
    for (let i = 0; i < budgets.length; i++) {
      const c = await page.evaluate((i) => window.__rnnlabNotebook.cell(i), i);
      done.push({ id, cell: i + 1, steps: c.steps, seconds, validation: c.validation.at(-1)?.loss ?? null, baseline: c.baseline, error: c.error });
    }
    rows.push(...done);
    for (const r of done) console.log(JSON.stringify(r));
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
console.log('\n| notebook | cell | steps | time (s) | validation loss | baseline |\n|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.id} | ${r.cell} | ${r.steps} | ${r.seconds.toFixed(0)} | ${r.validation?.toFixed(4) ?? '–'} | ${r.baseline?.toFixed(4) ?? '–'} |${r.error ? ` error: ${r.error}` : ''}`,
  );
