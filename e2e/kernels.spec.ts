// The step-kernel tuner in a real browser. With ?kernels=tune the worker measures the candidates even
// on a CPU adapter (SwiftShader here; on a GPU it always does): the device panel names the kernels
// chosen, how long measuring took and by which clock, and each candidate's time; a reload on the same
// device takes the choice from IndexedDB instead of measuring again. A plain page on SwiftShader
// measures nothing (the train spec checks that).
import { boot, expect, test } from './fixtures.ts';

const CHOSEN = /^forward=\S+,backward=\S+ \(measured on this device in \d+\.\d s, by (timestamps|wall clock)\)$/;

test('the tuner measures in the worker, shows what it measured, and remembers it across a reload', async ({ page, pageErrors }) => {
  await boot(page, './?kernels=tune');
  const kernels = page.getByTestId('step-kernels');
  await expect(kernels).toHaveText(CHOSEN, { timeout: 30_000 });
  const chosen = (await kernels.textContent())!.split(' ')[0];
  await page.getByText('What each step kernel measured').click();
  const rows = page.locator('table.kernels tbody tr');
  // What fits the 2 s budget, the defaults first: on SwiftShader (where compiling a tile takes long) at
  // least the two defaults; on a GPU the tiles and sequence kernels too.
  expect(await rows.count()).toBeGreaterThanOrEqual(2);
  await expect(rows.first().locator('td').first()).toHaveText(/^(forward|backward):/);
  const [fwd, bwd] = chosen.split(',').map((s) => s.split('=')[1]);
  await expect(page.locator('table.kernels')).toContainText(`forward:${fwd}`);
  await expect(page.locator('table.kernels')).toContainText(`backward:${bwd}`);

  await page.reload();
  await page.waitForFunction(() => window.__rnnlab?.status === 'idle' || window.__rnnlab?.status === 'paused', null, { timeout: 60_000 });
  await expect(kernels).toHaveText(`${chosen} (measured on this device before)`, { timeout: 30_000 });
  expect(pageErrors).toEqual([]);
});
