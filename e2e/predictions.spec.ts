// What a task model predicts, on the page: the sine forecast (a uPlot chart of the target and the
// prediction for validation sequence 0, whose error falls with training) and the tagging task's
// sentence (each word with its predicted tag as a coloured chip, mistakes marked, a legend).
import { boot, expect, test } from './fixtures.ts';

const SINE = { dataset: 'sine', cell: 'gru', hidden: 16, seqLen: 24, tbptt: 24, batchSize: 16, lr: 0.01 } as const;
const TAGGING = { dataset: 'tagging', cell: 'gru', hidden: 32, seqLen: 16, tbptt: 16, batchSize: 16, lr: 0.01 } as const;
/** Validations come every 40 steps while training. */
const TRAINED_STEP = 120;

type Forecast = { step: number; kind: 'forecast'; targets: number[]; predicted: number[] };
type Labels = { step: number; kind: 'labels'; words: string[]; classes: string[]; targets: number[]; predicted: number[] };

const mse = (p: Forecast) => p.targets.reduce((s, y, t) => s + (p.predicted[t] - y) ** 2, 0) / p.targets.length;

test('sine: the forecast of validation sequence 0 improves with training', async ({ page, pageErrors }, testInfo) => {
  await boot(page);
  await page.evaluate((s) => window.__rnnlab!.configure(s), SINE);
  await expect(page.getByTestId('prediction-pending')).toBeVisible();

  // One step, then paused: the validation at step 1 gives the (nearly) untrained forecast.
  await page.evaluate(() => window.__rnnlab!.step());
  await page.waitForFunction(() => window.__rnnlab!.prediction?.step === 1, null, { timeout: 60_000 });
  const initial = (await page.evaluate(() => window.__rnnlab!.prediction)) as Forecast;
  expect(initial.kind).toBe('forecast');
  expect(initial.targets).toHaveLength(SINE.seqLen);
  expect(initial.predicted).toHaveLength(SINE.seqLen);
  expect(initial.predicted.every(Number.isFinite)).toBe(true);

  await page.evaluate(() => window.__rnnlab!.train());
  await page.waitForFunction((n) => window.__rnnlab!.error !== null || (window.__rnnlab!.prediction?.step ?? 0) >= n, TRAINED_STEP, { timeout: 180_000 });
  await page.evaluate(() => window.__rnnlab!.pause());
  await page.waitForFunction(() => window.__rnnlab!.status === 'paused');
  expect(await page.evaluate(() => window.__rnnlab!.error)).toBeNull();
  const trained = (await page.evaluate(() => window.__rnnlab!.prediction)) as Forecast;
  expect(trained.targets).toEqual(initial.targets); // the same validation sequence
  const [before, after] = [mse(initial), mse(trained)];
  expect(after, `MSE of sequence 0: step 1 ${before}, step ${trained.step} ${after}`).toBeLessThan(before * 0.5);

  // The panel: its MSE is the test API's, and the chart's canvas shows the prediction's orange line.
  await expect(page.getByTestId('forecast-mse')).not.toHaveText('–');
  const shown = Number(await page.getByTestId('forecast-mse').textContent());
  expect(Math.abs(shown - after) / after).toBeLessThan(0.01);
  const canvas = page.locator('.forecast canvas');
  await expect(canvas).toBeVisible();
  const orange = await canvas.evaluate((c: HTMLCanvasElement) => {
    const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] > 200 && data[i + 1] > 60 && data[i + 1] < 120 && data[i + 2] < 60 && data[i + 3] > 200) n++;
    return n;
  });
  expect(orange, 'pixels of the prediction line (#ea580c)').toBeGreaterThan(50);
  testInfo.annotations.push({
    type: 'measured',
    description: `sequence-0 MSE ${before.toFixed(4)} at step 1 → ${after.toFixed(4)} at step ${trained.step}; ${orange} orange pixels`,
  });
  expect(pageErrors).toEqual([]);
});

test('tagging: validation sentence 0 shows the tag predicted for each word', async ({ page, pageErrors }, testInfo) => {
  await boot(page);
  await page.evaluate((s) => window.__rnnlab!.configure(s), TAGGING);
  await page.evaluate(() => window.__rnnlab!.train());
  await page.waitForFunction(() => window.__rnnlab!.error !== null || (window.__rnnlab!.prediction?.step ?? 0) >= 40, null, { timeout: 180_000 });
  await page.evaluate(() => window.__rnnlab!.pause());
  await page.waitForFunction(() => window.__rnnlab!.status === 'paused');
  expect(await page.evaluate(() => window.__rnnlab!.error)).toBeNull();
  const p = (await page.evaluate(() => window.__rnnlab!.prediction)) as Labels;
  expect(p.kind).toBe('labels');
  expect(p.classes).toEqual(['O', 'B-TEAM', 'I-TEAM', 'B-CITY', 'I-CITY']);
  // Validation sentences are longer than the training ones (⌊16/2⌋ words at most), and at most seqLen.
  expect(p.words.length).toBeGreaterThan(8);
  expect(p.words.length).toBeLessThanOrEqual(16);

  const words = page.getByTestId('tagged-word');
  await expect(words).toHaveCount(p.words.length);
  await expect(page.locator('.tagged-word')).toHaveText(p.words);
  const chips = page.getByTestId('tag-chip');
  await expect(chips).toHaveCount(p.words.length);
  const tags = await chips.evaluateAll((els) => els.map((e) => e.getAttribute('data-tag')));
  expect(tags).toEqual(p.predicted.map((c) => p.classes[c]));
  const wrong = p.predicted.filter((c, t) => c !== p.targets[t]).length;
  await expect(page.locator('[data-testid="tagged-word"][data-correct="false"]')).toHaveCount(wrong);
  await expect(page.getByTestId('tagging-accuracy')).toHaveText(new RegExp(`^${p.words.length - wrong}/${p.words.length} correct`));

  // Colours: one per tag in the legend, all different; every chip in its tag's colour.
  const legend = await page
    .locator('.tag-legend .tag-chip:not(.tag-chip-wrong)')
    .evaluateAll((els) => els.map((e) => [e.textContent, getComputedStyle(e).backgroundColor]));
  expect(legend.map(([tag]) => tag)).toEqual(p.classes);
  expect(new Set(legend.map(([, colour]) => colour)).size).toBe(p.classes.length);
  const colourOf = Object.fromEntries(legend);
  const chipColours = await chips.evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
  expect(chipColours).toEqual(tags.map((t) => colourOf[t!]));
  testInfo.annotations.push({ type: 'measured', description: `step ${p.step}: ${p.words.length} words, ${wrong} wrong; tags ${tags.join(' ')}` });
  expect(pageErrors).toEqual([]);
});
