// One notebook cell's session: its own small store (phase, steps, model, banners, samples, the last
// prediction and connectivity), its own metrics buffers (outside React, like the app's), and a
// channel to the page's shared training worker. The cell's spec configures it once; Train runs to
// the spec's step budget and pauses (Train again adds another budget).

import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Connectivity, FromWorker } from '../../gpu/session/protocol.ts';
import { Seq2SeqFeed } from '../seq2seq/seq2seqFeed.ts';
import type { DecodeResult } from '../store/sessionSlice.ts';
import { TreeFeed } from '../tree/treeFeed.ts';
import { toWorkerConfig } from '../config/sessionConfig.ts';
import { Metrics } from '../metrics/metrics.ts';
import { Signal } from '../metrics/signal.ts';
import type { SessionChannel, WorkerHub } from '../worker/hub.ts';
import type { CellSpec } from './cellConfig.ts';

export type CellPhase = 'starting' | 'idle' | 'training' | 'paused' | 'failed';

export interface CellState {
  phase: CellPhase;
  steps: number;
  /** Training pauses by itself at this step count. */
  target: number;
  adapter: string | null;
  paramCount: number | null;
  vocabulary: string[] | null;
  stepLabels: string[];
  baseline: number | null;
  error: { message: string; fatal: boolean } | null;
  notice: string | null;
  samples: { step: number; prompt: string; text: string }[];
  /** Encoder–decoder cells: the decode view's last answer, and whether one is on its way. */
  decoded: DecodeResult | null;
  decoding: boolean;
}

const SAMPLE_LENGTH = 240;
const SAMPLES_KEPT = 4;

export class CellLab {
  readonly store: StoreApi<CellState>;
  readonly metrics = new Metrics();
  /** The latest connectivity analysis (at validations, when the spec shows it). */
  connectivity: { step: number; connectivity: Connectivity } | null = null;
  readonly connectivityChanged = new Signal();
  /** Tree cells: the latest drawn validation trees, the root accuracy of each validation, the class names. */
  readonly trees = new TreeFeed();
  /** Encoder–decoder cells: the latest alignment, the validation scores, the vocabulary. */
  readonly seq2seq = new Seq2SeqFeed();
  private channel: SessionChannel;
  private nextSampleAt: number;
  private sampling = false;
  private exportWaiter: ((bytes: ArrayBuffer) => void) | null = null;

  /** The hub's worker generation this cell's session was configured on. */
  private configuredOn = 0;

  constructor(
    readonly spec: CellSpec,
    private hub: WorkerHub,
  ) {
    this.store = createStore<CellState>(() => ({
      phase: 'starting',
      steps: 0,
      target: spec.steps,
      adapter: null,
      paramCount: null,
      vocabulary: null,
      stepLabels: [],
      baseline: null,
      error: null,
      notice: null,
      samples: [],
      decoded: null,
      decoding: false,
    }));
    this.nextSampleAt = this.sampleEvery;
    this.channel = hub.open((m) => this.receive(m));
    this.configure();
  }

  /** Sets the cell's session up in the worker (again, after a crashed worker was replaced). */
  private configure(): void {
    const config = this.spec.tree ?? toWorkerConfig(this.spec.settings!, null);
    this.configuredOn = this.hub.generation;
    this.channel.send({ type: 'configure', config, keepWeights: false, connectivity: this.spec.views.includes('connectivity') });
  }

  get state(): CellState {
    return this.store.getState();
  }

  /** Trains up to the target (another `steps` when it was reached). */
  train(): void {
    const s = this.state;
    if (s.phase !== 'idle' && s.phase !== 'paused') return;
    const target = s.steps >= s.target ? s.steps + this.spec.steps : s.target;
    this.set({ target, error: null, notice: null });
    this.channel.send({ type: 'train', until: target });
  }

  /** Trains until exactly `steps` steps (tests and reproducible runs). */
  trainTo(steps: number): void {
    const s = this.state;
    if ((s.phase !== 'idle' && s.phase !== 'paused') || steps <= s.steps) return;
    this.set({ target: steps, error: null, notice: null });
    this.channel.send({ type: 'train', until: steps });
  }

  pause(): void {
    this.channel.send({ type: 'pause' });
  }

  step(): void {
    const s = this.state;
    if (s.phase === 'idle' || s.phase === 'paused') this.channel.send({ type: 'step' });
  }

  /**
   * Fresh weights. After the shared worker crashed, the first Reset starts a new worker, and each
   * cell's Reset sets its session up on it again (fresh weights either way).
   */
  reset(): void {
    this.hub.revive();
    const restarted = this.configuredOn !== this.hub.generation;
    if (restarted) this.configure();
    else this.channel.send({ type: 'reset' });
    this.metrics.clear();
    this.nextSampleAt = this.sampleEvery;
    this.connectivity = null;
    this.connectivityChanged.notify();
    this.trees.clear();
    this.seq2seq.clear();
    const phase = restarted ? 'starting' : this.state.phase === 'failed' ? 'idle' : this.state.phase;
    this.set({ steps: 0, target: this.spec.steps, samples: [], decoded: null, decoding: false, error: null, notice: null, phase });
  }

  sample(prompt = this.spec.prompt, temperature = 0.8): void {
    if (!this.state.vocabulary || this.sampling) return;
    this.sampling = true;
    this.channel.send({ type: 'sample', prompt: prompt || '\n', temperature, length: SAMPLE_LENGTH });
  }

  /** Encoder–decoder cells: decodes `source` by beam search of width `beam` on the current weights. */
  decode(source: string, beam: number): void {
    const s = this.state;
    if (!this.seq2seq.info || s.phase === 'starting' || s.phase === 'failed') return;
    this.set({ decoding: true });
    this.channel.send({ type: 'decode', source, beam });
  }

  /** The current weights as safetensors bytes. */
  exportWeights(): Promise<ArrayBuffer> {
    return new Promise((resolve) => {
      this.exportWaiter = resolve;
      this.channel.send({ type: 'exportWeights' });
    });
  }

  async importWeights(file: File): Promise<void> {
    const bytes = await file.arrayBuffer();
    this.set({ notice: null, error: null });
    this.pendingImport = file.name;
    this.channel.send({ type: 'importWeights', bytes }, [bytes]);
  }

  dispose(): void {
    this.channel.close();
  }

  private pendingImport: string | null = null;

  private get sampleEvery(): number {
    return Math.max(50, Math.round(this.spec.steps / 4));
  }

  private set(partial: Partial<CellState>): void {
    this.store.setState(partial);
  }

  private receive(m: FromWorker): void {
    this.metrics.receive(m);
    this.trees.receive(m);
    this.seq2seq.receive(m);
    switch (m.type) {
      case 'device':
        this.set({ adapter: m.adapter });
        break;
      case 'deviceError':
        break; // the page says it once, above the notebook
      case 'configured':
        this.set({ paramCount: m.paramCount, vocabulary: m.vocabulary, stepLabels: m.stepLabels, baseline: m.baseline });
        break;
      case 'status':
        if (this.pendingImport) {
          this.set({ notice: `Loaded the weights of “${this.pendingImport}”.` });
          this.pendingImport = null;
        }
        // After a fatal error the cell stays failed (Reset starts over): a 'paused' that follows is no "done".
        this.set(this.state.phase === 'failed' ? { steps: m.steps } : { phase: m.status, steps: m.steps });
        if (m.status === 'paused' && this.state.vocabulary && this.state.samples.length === 0 && m.steps > 0) this.sample();
        break;
      case 'metrics': {
        const end = m.firstStep + m.losses.length;
        if (end > this.state.steps) this.set({ steps: end });
        if (this.state.vocabulary && end >= this.nextSampleAt) {
          this.nextSampleAt = end + this.sampleEvery;
          this.sample();
        }
        break;
      }
      case 'treeConfigured':
      case 'seq2seqConfigured':
        this.set({ paramCount: m.paramCount });
        break;
      case 'decoded':
        this.set({
          decoded: { source: m.source, beam: m.beam, step: this.state.steps, hypotheses: m.hypotheses, error: m.error ?? null },
          decoding: false,
        });
        break;
      case 'connectivity':
        this.connectivity = { step: m.step, connectivity: m.connectivity };
        this.connectivityChanged.notify();
        break;
      case 'sample':
        this.sampling = false;
        this.set({ samples: [{ step: m.step, prompt: m.prompt, text: m.text }, ...this.state.samples].slice(0, SAMPLES_KEPT) });
        break;
      case 'weights':
        this.exportWaiter?.(m.bytes);
        this.exportWaiter = null;
        break;
      case 'recovered':
        this.set({ steps: m.step, notice: m.message });
        break;
      case 'checkpoint':
        break;
      case 'error':
        this.sampling = false;
        if (this.state.decoding) this.set({ decoding: false });
        if (this.pendingImport) this.pendingImport = null;
        this.set({ error: { message: m.message, fatal: m.fatal }, ...(m.fatal ? { phase: 'failed' as const } : {}) });
        break;
    }
  }
}
