// An encoder–decoder on the trainer page: the reverse task with dot attention chosen through the form
// (attention and training size instead of sequence lengths), trained on the GPU with a falling loss;
// the attention view draws the alignment of a validation pair and redraws it, changed, at the next
// validation; the scores of greedy decoding show; the decode box decodes a typed source with the
// beam's hypotheses best first and says in words why it cannot decode another. Without attention the
// view says so. An uploaded pairs file that is damaged is refused naming its line; a good one becomes
// the dataset.
import type { Page } from '@playwright/test';
import { api, boot, expect, heatmapChange, mean, test, waitForSteps } from './fixtures.ts';

/**
 * A GRU of 32 with dot attention, 16 pairs a step, Adam 0.01, reversing strings of up to 8 letters:
 * in Node (Dawn) its teacher-forced loss falls from about 2.4 to below 1 within 80 steps.
 */
const MIN_RELATIVE_DROP = 0.3;

/** Copies the alignment canvas's pixels to window[key]; returns the step and checksum it was drawn with. */
async function snapshotAlignment(page: Page, key: string): Promise<{ step: number; checksum: string }> {
  return page.evaluate(async (key) => {
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="alignment-canvas"]')!;
    (window as unknown as Record<string, Uint8ClampedArray>)[key] = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    return { step: Number(canvas.dataset.step), checksum: canvas.dataset.checksum! };
  }, key);
}

const alignments = (page: Page) => page.evaluate(() => window.__rnnlab!.seq2seq?.alignments ?? 0);

async function pauseAndWait(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.waitForFunction(() => window.__rnnlab!.status === 'paused', null, { timeout: 30_000 });
}

test('the page trains an encoder–decoder with attention: the alignment draws and changes, the decode box decodes', async ({ page, pageErrors }, testInfo) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1280, height: 1000 });
  const adapter = await boot(page);

  // The form: the reverse task offers attention and a training size instead of sequence lengths.
  await page.locator('#field-dataset').selectOption('reverse');
  await expect(page.locator('#field-attention')).toHaveValue('dot');
  await expect(page.locator('#field-attention option')).toHaveText([
    'None (final state only)',
    'Dot product (Luong)',
    'General (Luong)',
    'Additive (Bahdanau)',
  ]);
  await expect(page.locator('#field-maxLength')).toHaveValue('8');
  await expect(page.locator('#field-seqLen')).toHaveCount(0);
  await expect(page.locator('#field-tbptt')).toHaveCount(0);
  await expect(page.getByRole('checkbox', { name: 'Bidirectional encoder' })).toBeEnabled();
  // A training size outside the task's range is refused next to its field.
  await page.locator('#field-maxLength').fill('101');
  await expect(page.getByTestId('error-field-maxLength')).toHaveText('At most 100.');
  await page.locator('#field-maxLength').fill('8');
  // Teacher forcing: full by default; here lowered from 1 to 0 by step 400 (scheduled sampling).
  await expect(page.locator('#field-teacherForcing')).toHaveValue('1');
  await expect(page.locator('#field-teacherForcingSteps')).toHaveValue('0');
  await page.locator('#field-teacherForcing').fill('1.5');
  await expect(page.getByTestId('error-field-teacherForcing')).toHaveText('At most 1 (a share of the steps).');
  await page.locator('#field-teacherForcing').fill('1');
  await page.locator('#field-teacherForcingSteps').fill('400');
  await page.locator('#field-hidden').fill('32');
  await page.locator('#field-batchSize').fill('16');
  await page.locator('#field-lr').fill('0.01');
  await expect(page.locator('.device')).toContainText('GRU encoder–decoder 1×32, dot attention', { timeout: 30_000 });
  await page.waitForFunction(() => window.__rnnlab!.status === 'idle' && window.__rnnlab!.seq2seq !== null);
  const model = (await page.evaluate(() => window.__rnnlab!.seq2seq))!;
  expect(model.vocabulary).toEqual(['<pad>', '<bos>', '<eos>', ...'abcdefghij']);
  await expect(page.locator('.device')).toContainText(`${model.paramCount.toLocaleString('en-US')} parameters, vocabulary 13`);
  const panel = page.getByTestId('seq2seq-panel');
  await expect(panel).toBeVisible();
  await expect(page.getByTestId('heatmap')).toHaveCount(0);
  await expect(panel).toContainText('Greedy decoding of strings of 9–13 letters (trained on 1–8)');
  await expect(page.getByTestId('alignment-view')).toContainText('appears at the first validation');

  // Train: the first validation draws the alignment; the next one draws a different one.
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Train' }).click();
  await page.waitForFunction(() => window.__rnnlab!.error !== null || (window.__rnnlab!.seq2seq?.alignments ?? 0) >= 1, null, { timeout: 120_000 });
  expect(await api.error(page)).toBeNull();
  const canvas = page.getByTestId('alignment-canvas');
  await expect(canvas).toBeVisible();
  const first = await snapshotAlignment(page, '__a1');
  const seen = await alignments(page);
  await page.waitForFunction((n) => window.__rnnlab!.error !== null || (window.__rnnlab!.seq2seq?.alignments ?? 0) > n, seen, { timeout: 120_000 });
  await expect.poll(async () => (await snapshotAlignment(page, '__a2')).step).toBeGreaterThan(first.step);
  const second = await snapshotAlignment(page, '__a2');
  expect(second.checksum, 'the weights changed between the validations').not.toBe(first.checksum);
  const changed = await heatmapChange(page, '__a1', '__a2');
  expect(changed, 'the fraction of the alignment’s pixels that changed').toBeGreaterThan(0.01);
  await waitForSteps(page, 80);
  await pauseAndWait(page);
  const seconds = (Date.now() - t0) / 1000;
  // The note gives the ratio at the step it paused at: 1 − step/400.
  const pausedAt = await page.evaluate(() => window.__rnnlab!.steps);
  await expect(page.getByTestId('teacher-forcing')).toHaveText(
    `Teacher forcing ${Math.round((1 - pausedAt / 400) * 1000) / 1000} at step ${pausedAt.toLocaleString('en-US')} (1 → 0 by step 400): at the other steps the decoder reads its own prediction.`,
  );

  // The alignment: one row per output symbol, one column per (longer) validation source symbol, each row summing to 1.
  const s = (await page.evaluate(() => window.__rnnlab!.seq2seq))!;
  const a = s.alignment!;
  expect(a.source.length).toBeGreaterThanOrEqual(9);
  expect(a.source.length).toBeLessThanOrEqual(13);
  expect(a.target).toEqual([...a.source].reverse().concat('<eos>'));
  expect(a.weights).toHaveLength(a.output.length * a.source.length);
  for (let r = 0; r < a.output.length; r++) {
    const row = a.weights!.slice(r * a.source.length, (r + 1) * a.source.length);
    expect(row.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 4);
  }
  await expect(canvas).toHaveAttribute('data-step', String(a.step));
  await expect(canvas).toHaveAccessibleName(
    `Attention weights of a validation pair at step ${a.step}: ${a.output.length} output symbols (rows) by ${a.source.length} source symbols (columns)`,
  );
  await expect(canvas).toHaveAccessibleDescription(
    new RegExp(`^Validation pair at step ${a.step}: source “${a.source.join('')}”.*Where each output symbol looks most: `),
  );
  await expect(page.getByTestId('alignment-output')).toHaveText(a.output.filter((x) => x !== '<eos>').join(''));
  // The scores of greedy decoding, at each validation.
  expect(s.scores.length).toBeGreaterThanOrEqual(2);
  for (const p of s.scores) expect(p.accuracy >= 0 && p.accuracy <= 1 && p.exactMatch >= 0 && p.exactMatch <= 1, JSON.stringify(p)).toBe(true);
  await expect(page.getByTestId('seq2seq-accuracy')).toHaveText(s.scores.at(-1)!.accuracy.toFixed(3));
  await expect(page.getByTestId('seq2seq-exact')).toHaveText(s.scores.at(-1)!.exactMatch.toFixed(3));
  await expect(page.getByTestId('seq2seq-scores-chart').locator('circle')).toHaveCount(s.scores.length);

  // The loss falls.
  const losses = (await api.losses(page)).slice(0, 80);
  expect(losses.every(Number.isFinite), 'every step has a finite loss').toBe(true);
  const [lossFirst, lossLast] = [mean(losses.slice(0, 10)), mean(losses.slice(-10))];
  expect(lossLast, `mean loss of steps 70–79 (${lossLast}) vs steps 0–9 (${lossFirst})`).toBeLessThan(lossFirst * (1 - MIN_RELATIVE_DROP));
  await panel.scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('seq2seq-panel.png'), fullPage: true });

  // The decode box: a typed source, the beam's hypotheses best first with their log-probabilities.
  const box = page.getByTestId('decode-box');
  await box.getByRole('textbox', { name: 'Source' }).fill('abcd');
  await box.getByLabel('Beam width').selectOption('3');
  await box.getByRole('button', { name: 'Decode' }).click();
  await expect(page.getByTestId('decode-hypothesis').first()).toBeVisible({ timeout: 30_000 });
  const decoded = (await page.evaluate(() => window.__rnnlab!.seq2seq!.decoded))!;
  expect(decoded).toMatchObject({ source: 'abcd', beam: 3, error: null });
  expect(decoded.hypotheses.length).toBeGreaterThanOrEqual(1);
  expect(decoded.hypotheses.length).toBeLessThanOrEqual(3);
  const scores = decoded.hypotheses.map((h) => h.logProb);
  expect(scores, 'best first').toEqual([...scores].sort((x, y) => y - x));
  for (const h of decoded.hypotheses) expect(h.text).toMatch(/^[a-j]*$/);
  await expect(page.getByTestId('decode-hypothesis')).toHaveCount(decoded.hypotheses.length);
  await expect(page.getByTestId('decode-hypothesis').first()).toContainText(`log p = ${decoded.hypotheses[0].logProb.toFixed(3)}`);
  await expect(page.getByTestId('decode-hypothesis').first().locator('code')).toHaveText(decoded.hypotheses[0].text || '(empty)');
  // Greedy: one hypothesis.
  await box.getByLabel('Beam width').selectOption('1');
  await box.getByRole('button', { name: 'Decode' }).click();
  await expect(page.getByTestId('decode-hypothesis')).toHaveCount(1);
  // A symbol outside the vocabulary: refused in words, nothing listed.
  await box.getByRole('textbox', { name: 'Source' }).fill('abz');
  await box.getByRole('button', { name: 'Decode' }).click();
  await expect(page.getByTestId('decode-error')).toContainText('The symbol "z" is not in this model');
  await expect(page.getByTestId('decode-results')).toHaveCount(0);

  // Without attention there is no alignment to draw: the view says so, and shows the output as text.
  await page.locator('#field-attention').selectOption('none');
  await page.getByRole('button', { name: 'Discard and apply' }).click();
  await expect(page.locator('.device')).toContainText('no attention', { timeout: 30_000 });
  await expect(page.getByTestId('alignment-none')).toContainText('No attention');
  await page.getByRole('button', { name: 'Step' }).click();
  await page.waitForFunction(() => window.__rnnlab!.error !== null || (window.__rnnlab!.seq2seq?.alignment?.step ?? 0) === 1, null, { timeout: 60_000 });
  expect(await api.error(page)).toBeNull();
  expect((await page.evaluate(() => window.__rnnlab!.seq2seq!.alignment))!.weights).toBeNull();
  await expect(page.getByTestId('alignment-canvas')).toHaveCount(0);
  await expect(page.getByTestId('alignment-strings')).toBeVisible();

  const report =
    `adapter ${adapter}; reverse ≤ 8, GRU 32 + dot attention: 80 steps in ${seconds.toFixed(1)} s, loss ${lossFirst.toFixed(3)} → ${lossLast.toFixed(3)}; ` +
    `scores ${s.scores.map((p) => `${p.step}: ${p.accuracy.toFixed(3)}/${p.exactMatch.toFixed(3)}`).join(', ')}; ` +
    `alignment at ${first.step} → ${second.step}: ${(changed * 100).toFixed(0)}% of pixels changed; “abcd” → ${decoded.hypotheses.map((h) => `${h.text} (${h.logProb.toFixed(2)})`).join(', ')}`;
  console.log(report);
  testInfo.annotations.push({ type: 'measured', description: report });
  expect(pageErrors).toEqual([]);
});

test('an uploaded pairs file: a damaged one is refused naming its line, a good one becomes the dataset', async ({ page, pageErrors }) => {
  await boot(page);
  const upload = (name: string, text: string) =>
    page.getByTestId('upload-pairs').setInputFiles({ name, mimeType: 'text/tab-separated-values', buffer: Buffer.from(text) });

  await upload('broken.tsv', '3 Dec 2026\t2026-12-03\n1 May 1900 1900-05-01\n');
  await expect(page.getByTestId('upload-pairs-error')).toHaveText('“broken.tsv”: line 2: no tab; write each pair as source<TAB>target.');
  await expect(page.locator('#field-dataset')).toHaveValue('moby-dick');

  const lines = Array.from({ length: 40 }, (_, i) => {
    const s = 'abcdefghij'.slice(0, 1 + (i % 6)) + 'xyz'[i % 3];
    return `${s}\t${[...s].reverse().join('')}`;
  });
  await upload('mine.tsv', lines.join('\n'));
  await expect(page.getByTestId('upload-pairs-error')).toHaveCount(0);
  await expect(page.locator('#field-dataset')).toHaveValue('pairs-upload');
  await expect(page.locator('#field-dataset option:checked')).toHaveText('mine.tsv (your pairs)');
  await expect(page.locator('#field-maxLength')).toHaveCount(0);
  await expect(page.locator('.device')).toContainText('encoder–decoder', { timeout: 30_000 });
  await page.waitForFunction(() => window.__rnnlab!.status === 'idle' && window.__rnnlab!.seq2seq !== null);
  expect((await page.evaluate(() => window.__rnnlab!.seq2seq))!.vocabulary).toEqual(['<pad>', '<bos>', '<eos>', ...'abcdefxyz']);
  await expect(page.getByTestId('seq2seq-panel')).toContainText('your held-out pairs (the last 10% of the file)');
  await page.getByRole('button', { name: 'Step' }).click();
  await page.waitForFunction(() => window.__rnnlab!.error !== null || (window.__rnnlab!.seq2seq?.alignments ?? 0) >= 1, null, { timeout: 60_000 });
  expect(await api.error(page)).toBeNull();
  await expect(page.getByTestId('alignment-canvas')).toBeVisible();
  expect(pageErrors).toEqual([]);
});
