// The built pages' Content-Security-Policy (scripts/csp.js, a <meta> put in by the build): training
// (workers, uPlot, the heatmap, samples, a blob: download of the weights) and a notebook (KaTeX
// maths and its fonts, a trainer cell) run without a single violation, while an inline script and a
// fetch from elsewhere are refused (and the policy allows no eval: zod runs jitless for it).
import type { Page } from '@playwright/test';
import { boot, expect, openNotebook, test, trainCellTo, waitForSteps } from './fixtures.ts';

declare global {
  interface Window {
    __csp?: string[];
    __inlineRan?: boolean;
  }
}

const TINY = { dataset: 'first-names', cell: 'rnn-tanh', hidden: 16, seqLen: 16, tbptt: 16, batchSize: 8 } as const;

/** Every violation the page or its workers report: the DOM event (page) and the console line (workers too). */
async function watchViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  const onConsole = (m: { text(): string }) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) seen.push(m.text());
  };
  page.on('console', onConsole);
  page.on('worker', (w) => w.on('console', onConsole));
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp!.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
  });
  return seen;
}

const domViolations = (page: Page) => page.evaluate(() => window.__csp ?? []);

test('the trainer page works within its Content-Security-Policy', async ({ page, pageErrors }) => {
  const console = await watchViolations(page);
  await boot(page);
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(policy).toContain("script-src 'self'");
  expect(policy).toContain("worker-src 'self'");
  expect(policy).toContain("object-src 'none'");
  expect(policy).not.toMatch(/unsafe-eval|wasm-unsafe-eval/);

  await page.evaluate((s) => window.__rnnlab!.configure(s), TINY);
  await page.getByRole('button', { name: 'Train' }).click();
  await waitForSteps(page, 40);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('status')).toHaveText('Paused', { timeout: 30_000 });
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export .safetensors' }).click();
  expect((await download).suggestedFilename()).toMatch(/\.safetensors$/);
  expect(await page.evaluate(() => window.__rnnlab!.saveNow())).toBeGreaterThan(0);

  expect(await domViolations(page), 'no violation while training').toEqual([]);
  expect(console, 'no violation reported on any console').toEqual([]);

  // What the policy is for: an injected inline script does not run, eval throws, a foreign fetch is refused.
  const attempt = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.body.append(s);
    let fetchError = '';
    await fetch('https://example.com/x').catch((e: Error) => (fetchError = e.name));
    await new Promise((r) => setTimeout(r, 200));
    return { ran: window.__inlineRan === true, fetchError, violations: window.__csp! };
  });
  expect(attempt.ran, 'the inline script did not run').toBe(false);
  expect(attempt.fetchError).toBe('TypeError');
  const directives = new Set(attempt.violations.map((v) => v.split(' ')[0]));
  expect([...directives].sort(), 'each refusal reported as a violation of its directive').toEqual(['connect-src', 'script-src-elem']);
  expect(pageErrors).toEqual([]);
});

test('a notebook works within the Content-Security-Policy', async ({ page }) => {
  const console = await watchViolations(page);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await openNotebook(page, 'notebook.html?g=long-memory');
  await expect(page.locator('.katex').first()).toBeVisible();
  // The fonts KaTeX asks for have loaded (or a violation would say why not).
  await page.evaluate(() => document.fonts.ready);
  expect(await page.evaluate(() => [...document.fonts].some((f) => f.family.includes('KaTeX') && f.status === 'loaded'))).toBe(true);
  await trainCellTo(page, 0, 20);
  expect(await domViolations(page)).toEqual([]);
  expect(console).toEqual([]);
  expect(pageErrors).toEqual([]);
});
