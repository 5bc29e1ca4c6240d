// A bidirectional model on the trainer page: ticking Bidirectional on the tagging task (after a
// unidirectional step, so the weights are discarded first) trains a model whose heatmap has twice the
// units (forward, then reverse) and whose tagging view names it; a reload restores it ticked. A TBPTT
// shorter than the sequence is the TBPTT field's error; a text dataset leaves the box off and disabled
// with the reason, and a form that holds it ticked on a text dataset shows the field's error.
import type { Page } from '@playwright/test';
import { api, boot, expect, test } from './fixtures.ts';

const H = 16;
const TAGGING = { dataset: 'tagging', cell: 'gru', hidden: H, seqLen: 16, tbptt: 16, batchSize: 16, lr: 0.01 } as const;

/** One step, then paused: its validation brings a heatmap and a prediction of that step. */
async function stepOnce(page: Page): Promise<void> {
  const before = await api.steps(page);
  await page.evaluate(() => window.__rnnlab!.step());
  await page.waitForFunction(
    (n) => {
      const t = window.__rnnlab!;
      return t.error !== null || ((t.heatmap?.step ?? 0) > n && (t.prediction?.step ?? 0) > n);
    },
    before,
    { timeout: 120_000 },
  );
  expect(await api.error(page)).toBeNull();
}

test('bidirectional: the checkbox trains a model of twice the units, named in the tagging view, restored after a reload', async ({
  page,
  pageErrors,
}, testInfo) => {
  await boot(page);
  await page.evaluate((s) => window.__rnnlab!.configure(s), TAGGING);
  const box = page.getByRole('checkbox', { name: 'Bidirectional' });
  await expect(box).not.toBeChecked();
  await expect(box).toBeEnabled();
  await expect(box).toHaveAccessibleDescription(/reads the sequence backwards/);

  // Unidirectional: H units, and the view says which model tagged the sentence.
  await stepOnce(page);
  expect((await page.evaluate(() => window.__rnnlab!.heatmap))!.units).toBe(H);
  await expect(page.getByTestId('tagging-model')).toHaveAttribute('data-bidirectional', 'false');
  await expect(page.getByTestId('tagging-model')).toContainText('unidirectional GRU');
  await expect(page.getByTestId('tagging-ahead')).toBeVisible();

  // Ticked after a trained step: a new model, so the page asks first.
  await box.check();
  await expect(page.getByTestId('confirm-discard')).toContainText('Changing the bidirectional setting needs a new model.');
  await page.getByRole('button', { name: 'Discard and apply' }).click();
  await page.waitForFunction(() => {
    const t = window.__rnnlab!;
    return t.error !== null || (t.steps === 0 && t.heatmap === null && (t.status === 'idle' || t.status === 'paused'));
  });
  expect(await api.error(page)).toBeNull();

  // A few steps: 2H units, forward then reverse; the view and the device panel name a bidirectional GRU.
  await page.evaluate(() => window.__rnnlab!.train());
  await page.waitForFunction(() => window.__rnnlab!.error !== null || window.__rnnlab!.steps >= 5, null, { timeout: 120_000 });
  await page.evaluate(() => window.__rnnlab!.pause());
  await page.waitForFunction(() => window.__rnnlab!.status === 'paused' && window.__rnnlab!.prediction !== null && window.__rnnlab!.heatmap !== null, null, {
    timeout: 60_000,
  });
  expect(await api.error(page)).toBeNull();
  expect((await page.evaluate(() => window.__rnnlab!.heatmap))!.units).toBe(2 * H);
  await expect(page.locator('.heatmap-caption')).toContainText(`${2 * H} units (${H} forward, then ${H} reverse)`);
  await expect(page.getByTestId('heatmap')).toHaveAttribute('aria-label', /forward units above the line, reverse units below/);
  await expect(page.getByTestId('tagging-model')).toHaveAttribute('data-bidirectional', 'true');
  await expect(page.getByTestId('tagging-model')).toContainText('bidirectional GRU');
  await expect(page.getByText(/bidirectional GRU 1×16/)).toBeVisible();
  const marked = await page.locator('[data-testid="tagged-word"][data-ahead="true"]').count();
  await expect(page.getByTestId('tagging-ahead')).toHaveAttribute('data-marked', String(marked));

  // Saved and reloaded: still ticked, still 2H units.
  const saved = await page.evaluate(() => window.__rnnlab!.saveNow());
  await page.reload();
  await page.waitForFunction(() => window.__rnnlab?.status === 'paused' || window.__rnnlab?.error, null, { timeout: 60_000 });
  expect(await api.error(page)).toBeNull();
  expect(await api.steps(page)).toBe(saved);
  await expect(box).toBeChecked();
  await stepOnce(page);
  expect((await page.evaluate(() => window.__rnnlab!.heatmap))!.units).toBe(2 * H);

  // Truncated BPTT: the TBPTT field's error, in words; back to whole sequences, none.
  await page.locator('#field-tbptt').fill('8');
  await expect(page.getByTestId('error-field-tbptt')).toHaveText(
    'A bidirectional model reads each sequence whole (its reverse direction starts at the end): TBPTT must equal the sequence length (16).',
  );
  await page.locator('#field-tbptt').fill('16');
  await expect(page.getByTestId('error-field-tbptt')).toHaveCount(0);

  // A text dataset: its defaults leave the box off, disabled, with the reason as its description.
  await page.locator('#field-dataset').selectOption('moby-dick');
  await expect(box).not.toBeChecked();
  await expect(box).toBeDisabled();
  await expect(box).toHaveAccessibleDescription(/^Not for this dataset\. Each step’s target here is the next character/);
  await page.getByRole('button', { name: 'Keep the weights' }).click();
  await expect(box).toBeChecked();
  await expect(page.locator('#field-dataset')).toHaveValue('tagging');

  // A form holding it ticked on a text dataset: the field's error (an alert), the box left enabled to untick.
  const refused = await page.evaluate(() =>
    window.__rnnlab!.configure({ dataset: 'moby-dick', bidirectional: true }).then(
      () => null,
      (e: Error) => e.message,
    ),
  );
  expect(refused).toMatch(/invalid settings: .*"bidirectional"/);
  const error = page.getByTestId('error-field-bidirectional');
  await expect(error).toHaveText(/^Each step’s target here is the next character, which the reverse direction would already have read\./);
  await expect(error).toHaveAttribute('role', 'alert');
  await expect(box).toBeChecked();
  await expect(box).toBeEnabled();
  await expect(box).toHaveAttribute('aria-invalid', 'true');
  await expect(box).toHaveAccessibleDescription(/next character/);
  await box.uncheck();
  await expect(error).toHaveCount(0);
  await expect(page.getByTestId('confirm-discard')).toContainText(/^Changing the dataset, .*bidirectional setting.* needs a new model\./);
  testInfo.annotations.push({ type: 'measured', description: `heatmap ${H} → ${2 * H} units; ${marked} word(s) marked as decided by the next word` });
  expect(pageErrors).toEqual([]);
});
