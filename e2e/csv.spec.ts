// Uploading a CSV to forecast one of its columns: each kind of bad file says why next to the control
// and leaves the dataset as it was; a good one (a date column and two numeric ones) offers its numeric
// columns, the second is picked, a small GRU trains on it and the loss falls. Picking another column
// after training asks before the weights are thrown away.
import { api, boot, expect, mean, test, waitForSteps } from './fixtures.ts';

const ROWS = 600;

/** Hourly rows: an ISO date, a noisy "load" and a smooth daily "temperature" wave. */
function goodCsv(): { text: string; temperature: number[] } {
  const lines = ['date,load,temperature'];
  const temperature: number[] = [];
  for (let i = 0; i < ROWS; i++) {
    const date = new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString();
    const temp = (15 + 8 * Math.sin((2 * Math.PI * i) / 48)).toFixed(3);
    temperature.push(Number(temp));
    lines.push(`${date},${(100 + 10 * Math.sin(i / 7) + (i % 5)).toFixed(2)},${temp}`);
  }
  return { text: lines.join('\n') + '\n', temperature };
}

/** Persistence MSE on the last 10%, standardised by the first 90%'s mean and population std. */
function persistenceBaseline(values: number[]): number {
  const split = Math.floor(values.length * 0.9);
  const train = values.slice(0, split);
  const m = mean(train);
  const variance = mean(train.map((x) => (x - m) ** 2));
  let sum = 0;
  for (let i = split + 1; i < values.length; i++) sum += (values[i] - values[i - 1]) ** 2;
  return sum / (values.length - split - 1) / variance;
}

test('a forecast trains on the chosen numeric column of an uploaded CSV', async ({ page, pageErrors }, testInfo) => {
  await boot(page);
  const input = page.getByTestId('upload-csv');
  const uploadError = page.getByTestId('upload-error');
  const dataset = page.locator('#field-dataset');
  const picker = page.getByTestId('csv-column');
  const csv = (name: string, buffer: Buffer) => input.setInputFiles({ name, mimeType: 'text/csv', buffer });

  const bad: [string, Buffer, RegExp][] = [
    ['empty.csv', Buffer.alloc(0), /^“empty\.csv” is empty\.$/],
    [
      'image.csv',
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]),
      /binary file \(it contains NUL bytes\)/,
    ],
    [
      'cities.csv',
      Buffer.from('date,city\n' + Array.from({ length: 50 }, (_, i) => `2024-02-${i},Lyon`).join('\n')),
      /has no numeric column: .*\(first row: date, city\)/,
    ],
    // The series' default sequence length is 32: 321 rows are needed, 10% of them held out.
    [
      'short.csv',
      Buffer.from('t,v\n' + Array.from({ length: 100 }, (_, i) => `${i},${i % 7}`).join('\n')),
      /has only 100 rows; sequences of 32 need at least 321 \(10% is kept for validation\)/,
    ],
  ];
  for (const [name, buffer, message] of bad) {
    await csv(name, buffer);
    await expect(uploadError, name).toHaveText(message);
    await expect(uploadError).toContainText(name);
    await expect(dataset, `${name} leaves the dataset as it was`).toHaveValue('moby-dick');
    await expect(picker).toHaveCount(0);
    expect(await page.evaluate(() => window.__rnnlab!.status)).toBe('idle');
  }

  // A good file: the first numeric column is chosen; the date column is not offered.
  const { text, temperature } = goodCsv();
  await csv('data.csv', Buffer.from(text));
  await expect(uploadError).toHaveCount(0);
  await expect(dataset).toHaveValue('series');
  await expect(picker).toHaveValue('load');
  await expect(picker.locator('option')).toHaveText(['load', 'temperature']);
  await expect(page.getByTestId('csv-column-note')).toHaveText(`${ROWS} values. Not numeric: date.`);
  await picker.selectOption('temperature');
  await expect(dataset.locator('option:checked')).toHaveText('data.csv: temperature (forecast)');
  await page.evaluate(() => window.__rnnlab!.configure({ hidden: 16, batchSize: 16, lr: 0.01 }));
  await expect(page.locator('.device')).toContainText('GRU 1×16', { timeout: 30_000 });
  await expect(page.locator('.task')).toContainText('standardised with the mean and standard deviation of the first 90%');
  const baseline = Number(await page.getByTestId('baseline').textContent());
  const expected = persistenceBaseline(temperature);
  expect(Math.abs(baseline - expected) / expected, `baseline ${baseline} vs persistence ${expected}`).toBeLessThan(1e-3);

  await page.getByRole('button', { name: 'Train' }).click();
  await waitForSteps(page, 60);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('status')).toHaveText('Paused', { timeout: 30_000 });
  const losses = await api.losses(page);
  const first = losses[0];
  const last = mean(losses.slice(50, 60));
  testInfo.annotations.push({ type: 'losses', description: `first ${first.toFixed(4)}, mean of steps 50–59 ${last.toFixed(4)}, baseline ${baseline}` });
  expect(first, 'an untrained model predicts about the mean: an MSE near 1 in standardised units').toBeGreaterThan(0.3);
  expect(last, `loss of steps 50–59 (${last}) vs the first (${first})`).toBeLessThan(first * 0.5);

  // A bad file now leaves the trained forecast as it was.
  await csv('empty.csv', Buffer.alloc(0));
  await expect(uploadError).toHaveText('“empty.csv” is empty.');
  await expect(picker).toHaveValue('temperature');

  // Another column needs a new model: asked inline; "keep" puts the column back.
  const trained = await api.steps(page);
  await picker.selectOption('load');
  await expect(page.getByTestId('confirm-discard')).toContainText(`Changing the dataset needs a new model. Discard the weights trained for ${trained} steps?`);
  await page.getByRole('button', { name: 'Keep the weights' }).click();
  await expect(picker).toHaveValue('temperature');
  await picker.selectOption('load');
  await page.getByRole('button', { name: 'Discard and apply' }).click();
  await expect(dataset.locator('option:checked')).toHaveText('data.csv: load (forecast)');
  await page.waitForFunction(() => window.__rnnlab!.status === 'idle' && window.__rnnlab!.steps === 0);
  await expect(page.getByTestId('confirm-discard')).toHaveCount(0);
  expect(pageErrors).toEqual([]);
});
