// The page's controller: acquires the GPU, loads the corpus, owns the current TrainLoop and keeps
// the store, the loss series and the e2e test API in step with it. React only calls its methods.

import type { GpuContext } from '../gpu/context.ts';
import { requestBrowserDevice, WebGpuUnavailableError } from '../gpu/device.ts';
import { loadCorpus } from './corpus.ts';
import { LossSeries } from './lossSeries.ts';
import { initialLabState, useLab, type LabState } from './store.ts';
import { installTestApi } from './testApi.ts';
import { TrainLoop } from './trainLoop.ts';
import { DEFAULT_SETTINGS, type TrainSettings } from './trainSettings.ts';

/** The store gets progress at most this often: steps can run at hundreds per second. */
const PROGRESS_INTERVAL_MS = 100;

export class Lab {
  readonly series = new LossSeries();
  private ctx: GpuContext | null = null;
  private text = '';
  private loop: TrainLoop | null = null;
  private lastProgress = 0;

  constructor(readonly settings: TrainSettings = DEFAULT_SETTINGS) {}

  async boot(): Promise<void> {
    const lab = this;
    installTestApi({
      get adapter() {
        return useLab.getState().adapter;
      },
      get losses() {
        return lab.series.values;
      },
      get steps() {
        return lab.loop?.steps ?? 0;
      },
      get error() {
        return useLab.getState().error;
      },
      start: () => this.train(),
      pause: () => void this.pause(),
    });
    try {
      const [ctx, text] = await Promise.all([requestBrowserDevice(), loadCorpus()]);
      this.ctx = ctx;
      this.text = text;
      this.loop = this.newLoop(ctx);
      set({ status: 'ready', adapter: ctx.adapter.name, corpus: { chars: text.length, vocab: this.loop.vocab.size } });
    } catch (e) {
      this.fail(e);
    }
  }

  train(): void {
    const { status } = useLab.getState();
    if (!this.loop || status === 'error' || status === 'starting') return;
    set({ status: 'training' });
    this.loop.start();
  }

  async pause(): Promise<void> {
    const loop = this.loop;
    if (!loop?.running) return;
    set({ status: 'pausing' });
    await loop.pause();
    // Progress reaches the store throttled; the paused page shows the exact count.
    if (useLab.getState().status === 'pausing') set({ status: 'paused', steps: loop.steps });
  }

  /** Fresh weights and an empty curve; after a GPU error, a fresh device too. */
  async reset(): Promise<void> {
    const { adapter, corpus } = useLab.getState();
    set({ ...initialLabState, status: 'starting', adapter, corpus });
    await this.loop?.dispose();
    this.loop = null;
    this.series.clear();
    try {
      if (!this.ctx || this.ctx.lostReason || this.ctx.errors.length) this.ctx = await requestBrowserDevice();
      if (!this.text) this.text = await loadCorpus();
      this.loop = this.newLoop(this.ctx);
      set({ status: 'ready', adapter: this.ctx.adapter.name });
    } catch (e) {
      this.fail(e);
    }
  }

  private newLoop(ctx: GpuContext): TrainLoop {
    const { T, B } = this.settings;
    return new TrainLoop(ctx, this.text, this.settings, {
      onLoss: (firstStep, losses) => {
        this.series.put(firstStep, losses);
        set({ loss: this.series.last });
      },
      onProgress: ({ steps, stepsPerSec }) => {
        const now = performance.now();
        if (now - this.lastProgress < PROGRESS_INTERVAL_MS) return;
        this.lastProgress = now;
        set({
          steps,
          tokensPerSec: stepsPerSec === null ? null : stepsPerSec * T * B,
          msPerStep: stepsPerSec ? 1000 / stepsPerSec : null,
        });
      },
      onSample: (sample) => set({ sample }),
      onError: (message) => set({ status: 'error', error: message, errorTitle: 'Training stopped.' }),
    });
  }

  private fail(e: unknown): void {
    const errorTitle = e instanceof WebGpuUnavailableError ? 'WebGPU is not available.' : 'Something went wrong.';
    set({ status: 'error', error: e instanceof Error ? e.message : String(e), errorTitle });
  }
}

function set(partial: Partial<LabState>): void {
  useLab.setState(partial);
}
