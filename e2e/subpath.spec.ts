// The build is static files that work from any sub-path of a host (as on project pages): the
// built dist/ is served here under /rnnlab/deep/ by a plain file server, and the app and a gallery
// notebook load their scripts, worker, corpora and notebooks relative to that path, and train.
import { expect, test } from '@playwright/test';
import { serveStatic } from '../scripts/static-server.js';
import type {} from '../app/testApi.ts';
import type {} from '../app/notebook/testApi.ts';

const PREFIX = '/rnnlab/deep/';
const DIST = process.env.RNNLAB_DIST ?? new URL('../dist/', import.meta.url).pathname;

let server: Awaited<ReturnType<typeof serveStatic>>;
let origin = '';
const served: string[] = [];

// Only the prefix exists: anything the page asks for at the host's root is a 404, as on a shared host.
test.beforeAll(async () => {
  server = await serveStatic({ root: DIST, prefix: PREFIX, onRequest: (path) => served.push(path) });
  origin = server.origin;
});

test.afterAll(() => server.close());

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
