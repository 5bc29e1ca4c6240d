// The build is static files that work from any sub-path of a host (as on project pages): the
// built dist/ is served here under /rnnlab/deep/ by a plain file server, and the app and a gallery
// notebook load their scripts, worker, corpora and notebooks relative to that path, and train.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { expect, test } from '@playwright/test';
import type {} from '../app/testApi.ts';
import type {} from '../app/notebook/testApi.ts';

const PREFIX = '/rnnlab/deep/';
const DIST = process.env.RNNLAB_DIST ?? new URL('../dist/', import.meta.url).pathname;
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.md': 'text/markdown',
  '.txt': 'text/plain',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};

let server: Server;
let origin = '';
const served: string[] = [];

test.beforeAll(async () => {
  server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
    served.push(path);
    // Only the prefix exists: anything the page asks for at the host's root is a 404, as on a shared host.
    if (!path.startsWith(PREFIX)) return void res.writeHead(404).end();
    const rel = normalize(path.slice(PREFIX.length) || 'index.html').replace(/^(\.\.[/\\])+/, '');
    try {
      const body = await readFile(join(DIST, rel.endsWith('/') ? `${rel}index.html` : rel));
      res.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const address = server.address();
  origin = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`;
});

test.afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('the built app and notebooks work from a sub-path', async ({ page }) => {
  await page.goto(`${origin}${PREFIX}`);
  await page.waitForFunction(() => window.__rnnlab?.status === 'idle' || window.__rnnlab?.status === 'failed', null, { timeout: 90_000 });
  expect(await page.evaluate(() => window.__rnnlab!.error)).toBeNull();
  expect(await page.evaluate(() => window.__rnnlab!.adapter)).toBeTruthy();

  await page.goto(`${origin}${PREFIX}notebook.html?g=names`);
  await page.waitForFunction(() => window.__rnnlabNotebook?.cell(0)?.status === 'idle', null, { timeout: 90_000 });
  await page.evaluate(() => window.__rnnlabNotebook!.trainTo(0, 5));
  await page.waitForFunction(() => window.__rnnlabNotebook!.cell(0)!.losses.length >= 5, null, { timeout: 60_000 });
  expect(await page.evaluate(() => window.__rnnlabNotebook!.cell(0)!.error)).toBeNull();
  await expect(page.locator('.nb-text .katex').first()).toBeVisible();
  expect(
    served.filter((p) => !p.startsWith(PREFIX)),
    'nothing is fetched from the host root',
  ).toEqual([]);
});
