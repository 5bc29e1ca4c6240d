// Shared pieces of the page tests: the long-task recorder, booting the page on a real WebGPU
// adapter (no adapter is a failure, never a skip), small readers of the test API and canvas, the
// notebook page's openers and trainers, and crashing the training worker.
import { expect, test as base, type Page } from '@playwright/test';
import type {} from '../app/testApi.ts';
import type {} from '../app/notebook/testApi.ts';

declare global {
  interface Window {
    __longTasks?: { start: number; duration: number }[];
  }
}

/** Records every main-thread task over 50 ms in window.__longTasks; registered before the page's own scripts. */
export async function recordLongTasks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const tasks: { start: number; duration: number }[] = (window.__longTasks = []);
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) tasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
}

export interface MainThreadTask {
  wallMs: number;
  cpuMs: number;
}

/**
 * Starts a Chromium trace of the page's threads; `stop` returns the renderer main thread's tasks, with
 * wall time and the thread's own CPU time, and the CPU time of the dedicated workers' tasks. On a busy
 * machine (2 shared cores, one taken by the training worker) a task can wait for a core for tens of ms;
 * its CPU time says what the main thread itself did.
 */
export async function startThreadTrace(page: Page): Promise<{ stop(): Promise<{ main: MainThreadTask[]; workerCpuMs: number }> }> {
  type Event = { name: string; ph: string; pid: number; tid: number; dur?: number; tdur?: number; args?: { name?: string } };
  const cdp = await page.context().newCDPSession(page);
  const events: Event[] = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...(e.value as unknown as Event[])));
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] } });
  return {
    async stop() {
      const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
      await cdp.send('Tracing.end');
      await complete;
      const threads = (name: string) => new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === name).map((e) => `${e.pid}:${e.tid}`));
      const tasksOf = (ids: Set<string>) =>
        events
          .filter((e) => e.name === 'RunTask' && e.ph === 'X' && ids.has(`${e.pid}:${e.tid}`))
          .map((e) => ({ wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? 0) / 1000 }));
      const workerCpuMs = tasksOf(threads('DedicatedWorker thread')).reduce((sum, t) => sum + t.cpuMs, 0);
      return { main: tasksOf(threads('CrRendererMain')), workerCpuMs };
    },
  };
}

/** Runs `body` under startThreadTrace. */
export async function traceThreads(page: Page, body: () => Promise<void>): Promise<{ main: MainThreadTask[]; workerCpuMs: number }> {
  const trace = await startThreadTrace(page);
  await body();
  return trace.stop();
}

export const test = base.extend<{ pageErrors: string[] }>({
  pageErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await recordLongTasks(page);
    await use(errors);
  },
});

export { expect };

/** Opens the page (at `path`) and waits for a real adapter and the first configuration. Returns the adapter. */
export async function boot(page: Page, path = './'): Promise<string> {
  await page.goto(path);
  await page.waitForFunction(() => window.__rnnlab && (window.__rnnlab.adapter || window.__rnnlab.deviceError), null, { timeout: 60_000 });
  const { adapter, deviceError } = await page.evaluate(() => ({ adapter: window.__rnnlab!.adapter, deviceError: window.__rnnlab!.deviceError }));
  expect(deviceError, 'the page reported no WebGPU instead of an adapter').toBeNull();
  expect(typeof adapter === 'string' && adapter.length > 0, `a real WebGPU adapter (got ${adapter})`).toBe(true);
  await page.waitForFunction(() => window.__rnnlab!.status === 'idle', null, { timeout: 60_000 });
  await expect(page.getByTestId('adapter')).toHaveText(adapter!);
  return adapter!;
}

export const api = {
  steps: (page: Page) => page.evaluate(() => window.__rnnlab!.steps),
  losses: (page: Page) => page.evaluate(() => window.__rnnlab!.losses),
  error: (page: Page) => page.evaluate(() => window.__rnnlab!.error),
};

/** Waits until `n` steps' losses arrived (or an error). */
export async function waitForSteps(page: Page, n: number, timeout = 120_000): Promise<void> {
  await page.waitForFunction((n) => window.__rnnlab!.error !== null || window.__rnnlab!.losses.length >= n, n, { timeout, polling: 100 });
  expect(await api.error(page)).toBeNull();
}

/** Trains from where the page is until at least `steps` steps, pauses, and returns the step count then. */
export async function trainTo(page: Page, steps: number): Promise<number> {
  await page.evaluate(() => window.__rnnlab!.train());
  await waitForSteps(page, steps);
  await page.evaluate(() => window.__rnnlab!.pause());
  await page.waitForFunction(() => window.__rnnlab!.status === 'paused', null, { timeout: 30_000 });
  return api.steps(page);
}

export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Copies the heatmap canvas's pixels to window[key]; returns its number of distinct colours and the
 * step of the frame drawn (from the caption the same draw wrote), read in one go so that a frame
 * arriving meanwhile cannot be mistaken for the one copied.
 */
export async function snapshotHeatmap(page: Page, key: string): Promise<{ colours: number; step: number }> {
  return page.evaluate(async (key) => {
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="heatmap"]')!;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    const caption = document.querySelector('.heatmap-caption span')!.textContent ?? '';
    (window as unknown as Record<string, Uint8ClampedArray>)[key] = data;
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] === 255) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return { colours: colours.size, step: Number(/^step ([\d,]+)/.exec(caption)![1].replace(/,/g, '')) };
  }, key);
}

/** The fraction of pixels that differ between two snapshots. */
export async function heatmapChange(page: Page, a: string, b: string): Promise<number> {
  return page.evaluate(
    ([a, b]) => {
      const w = window as unknown as Record<string, Uint8ClampedArray>;
      const [x, y] = [w[a], w[b]];
      if (x.length !== y.length) return 1;
      let changed = 0;
      for (let i = 0; i < x.length; i += 4) if (x[i] !== y[i] || x[i + 1] !== y[i + 1] || x[i + 2] !== y[i + 2]) changed++;
      return changed / (x.length / 4);
    },
    [a, b],
  );
}

/** Throws an uncaught error at the training worker's top level, as a bug or an out-of-memory in it would. */
export async function crashTrainingWorker(page: Page, message: string): Promise<void> {
  const worker = page.workers().find((w) => /trainWorker/.test(w.url()));
  expect(worker, 'the training worker').toBeDefined();
  await worker!.evaluate(
    (message) =>
      void setTimeout(() => {
        throw new Error(message);
      }),
    message,
  );
}

// ---------------------------------------------------------------- the notebook page

/** Opens a notebook and waits until its first cell is ready, or the page says what is wrong with it. */
export async function openNotebook(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(
    () => {
      const nb = window.__rnnlabNotebook;
      return nb && (nb.problem !== null || (nb.cellCount > 0 && nb.cell(0)?.status === 'idle'));
    },
    null,
    { timeout: 90_000 },
  );
}

export const notebookCell = (page: Page, i: number) => page.evaluate((i) => window.__rnnlabNotebook!.cell(i)!, i);

/** Trains cell `i` to `steps` steps (it pauses there) and returns its losses; an error in the cell fails the test. */
export async function trainCellTo(page: Page, i: number, steps: number): Promise<number[]> {
  await page.evaluate(([i, n]) => window.__rnnlabNotebook!.trainTo(i, n), [i, steps]);
  await page.waitForFunction(
    ([i, n]) => {
      const c = window.__rnnlabNotebook!.cell(i)!;
      return c.error !== null || (c.status === 'paused' && c.losses.length >= n);
    },
    [i, steps],
    { timeout: 180_000, polling: 200 },
  );
  const c = await notebookCell(page, i);
  expect(c.error).toBeNull();
  return c.losses;
}
