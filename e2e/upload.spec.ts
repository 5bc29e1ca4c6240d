// Uploading a text file: every kind of bad file gets its own message next to the control and the
// dataset in use stays; a good file trains. Then the inline confirm before trained weights are
// thrown away, and the weights' export and import.
import { readFile } from 'node:fs/promises';
import { api, boot, expect, test, waitForSteps } from './fixtures.ts';

const SMALL = { cell: 'gru', hidden: 32, seqLen: 32, tbptt: 32, batchSize: 8 } as const;

/** A few paragraphs of a small alphabet: enough characters for sequences of 32 (10% is held out). */
function goodText(): string {
  const lines = [
    'the quick brown fox jumps over the lazy dog.',
    'a lazy dog sleeps in the sun while the fox runs.',
    'over and over, the brown fox jumps and the dog sleeps.',
  ];
  return Array.from({ length: 60 }, (_, i) => lines[i % lines.length]).join('\n');
}

test('an uploaded text file becomes the dataset the model trains on', async ({ page, pageErrors }, testInfo) => {
  await boot(page);
  await page.evaluate((s) => window.__rnnlab!.configure(s), SMALL);
  const input = page.getByTestId('upload-text');
  const uploadError = page.getByTestId('upload-error');
  const dataset = page.locator('#field-dataset');

  const bad: [string, Buffer, RegExp][] = [
    ['empty.txt', Buffer.alloc(0), /is empty/],
    [
      'image.txt',
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]),
      /binary file \(it contains NUL bytes\)/,
    ],
    ['control.txt', Buffer.from('\x01\x02\x03\x04\x05abc\x06\x07\x08'.repeat(40)), /binary file \(\d+% control characters\)/],
    ['huge.txt', Buffer.alloc(5 * 1024 * 1024 + 1, 'a'), /the limit is 5 MB/],
    ['latin1.txt', Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from(' au lait, '.repeat(100))]), /not valid UTF-8/],
    ['short.txt', Buffer.from('too short for sequences of 32'), /has only \d+ characters; the sequence length needs at least 321/],
  ];
  for (const [name, buffer, message] of bad) {
    await input.setInputFiles({ name, mimeType: 'text/plain', buffer });
    await expect(uploadError, name).toHaveText(message);
    await expect(uploadError).toContainText(name);
    await expect(dataset, `${name} leaves the dataset as it was`).toHaveValue('moby-dick');
    expect(await page.evaluate(() => window.__rnnlab!.status)).toBe('idle');
  }

  // A good file replaces the dataset (the small model's settings stay) and trains.
  const text = goodText();
  const vocab = new Set(Array.from(text)).size;
  await input.setInputFiles({ name: 'fox.txt', mimeType: 'text/plain', buffer: Buffer.from(text) });
  await expect(uploadError).toHaveCount(0);
  await expect(dataset).toHaveValue('upload');
  await expect(page.locator('.device')).toContainText(`vocabulary ${vocab}`, { timeout: 30_000 });
  await expect(page.locator('.device')).toContainText('GRU 1×32');
  await page.waitForFunction(() => window.__rnnlab!.status === 'idle');
  await page.getByRole('button', { name: 'Train' }).click();
  await waitForSteps(page, 60);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('status')).toHaveText('Paused', { timeout: 30_000 });
  const losses = await api.losses(page);
  expect(Math.abs(losses[0] - Math.log(vocab)), `first loss ${losses[0]} vs ln(${vocab})`).toBeLessThan(0.3);
  expect(losses.slice(-10).reduce((a, b) => a + b) / 10).toBeLessThan(losses[0] - 0.5);

  // A sample on demand, from the prompt box.
  await page.getByLabel('Prompt').fill('the ');
  await page.getByRole('button', { name: 'Sample now' }).click();
  await expect(page.getByTestId('sample')).toHaveText(/^the [\s\S]{200}$/);

  // Export the weights, then load them back: the notice says so.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export .safetensors' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^rnnlab-upload-gru-h32x1-step\d+\.safetensors$/);
  const bytes = await readFile((await file.path())!);
  expect(bytes.length, 'a float32 safetensors file of ~7k parameters').toBeGreaterThan(7_000 * 4);
  await page
    .getByTestId('import-weights')
    .setInputFiles({ name: 'garbage.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('not a safetensors file') });
  await expect(page.getByTestId('import-error')).toContainText('Cannot load these weights');
  // The file records the steps its weights were trained for: imported, they count from there.
  const exportedStep = Number(/step(\d+)/.exec(file.suggestedFilename())![1]);
  await page.getByTestId('import-weights').setInputFiles({ name: 'mine.safetensors', mimeType: 'application/octet-stream', buffer: bytes });
  await expect(page.getByTestId('notice')).toContainText(`Loaded the weights of “mine.safetensors” (trained for ${exportedStep} steps)`);
  await expect(page.getByTestId('import-error')).toHaveCount(0);
  await expect(page.getByTestId('steps')).toHaveText('0');
  await expect(page.getByTestId('trained-steps')).toHaveText(`(weights trained ${exportedStep} steps)`);

  // The learning rate keeps the weights (no question); the hidden size needs new ones (asked inline).
  const trained = exportedStep;
  await page.locator('#field-lr').fill('0.002');
  await page.waitForFunction(() => window.__rnnlab!.status === 'idle' && window.__rnnlab!.steps === 0);
  await expect(page.getByTestId('confirm-discard')).toHaveCount(0);
  await page.locator('#field-hidden').fill('48');
  await expect(page.getByTestId('confirm-discard')).toContainText(
    `Changing the hidden size needs a new model. Discard the weights trained for ${trained} steps?`,
  );
  await page.getByRole('button', { name: 'Keep the weights' }).click();
  await expect(page.locator('#field-hidden')).toHaveValue('32');
  await page.locator('#field-hidden').fill('48');
  await page.getByRole('button', { name: 'Discard and apply' }).click();
  await expect(page.locator('.device')).toContainText('GRU 1×48', { timeout: 30_000 });
  await expect(page.getByTestId('confirm-discard')).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('upload-1000.png'), fullPage: true });
  expect(pageErrors).toEqual([]);
});
