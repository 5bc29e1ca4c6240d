// A recurrent model training on the CPU for a session (family.ts's Run), for browsers without WebGPU:
// a CpuTrainer (the float64 reference) instead of the GPU's RecurrentTrainer, answering alike (the GPU
// run, recurrentGpuRun.ts, is the spec). Much slower: the worker entry's `device` message says so.
// Its metrics go out in windows of 10 steps, and at once after a step that diverged, so the session
// stops before the next one.

import { splitSteps } from '../data/split.ts';
import type { Batch } from '../data/batch.ts';
import type { OptimizerSnapshot } from '../optimizer/state.ts';
import { CpuTrainer, type CpuCheckpoint } from '../recurrent/cpuTrainer.ts';
import { initParams } from '../recurrent/params.ts';
import { connectivityMessage } from './connectivityMessage.ts';
import type { LastGood, Run, RunHooks } from './family.ts';
import { buildPrediction, predictionKind } from './prediction.ts';
import type { SessionConfig } from './protocol.ts';
import { streamAfter, type RecurrentData } from './recurrentData.ts';

/** The `device` message's adapter name when the worker falls back to the CPU. */
export const CPU_ADAPTER = 'CPU (JavaScript, float64) — slower than a GPU';

const METRICS_EVERY = 10;

export async function buildRecurrentCpuRun(config: SessionConfig, data: RecurrentData, params: Float32Array | null, hooks: RunHooks): Promise<Run> {
  return new RecurrentCpuRun(config, data, params, hooks);
}

/** The CPU's float64 state, as a GPU snapshot holds it (float32). */
const toSnapshot = (cp: CpuCheckpoint, optimizer: CpuTrainer['optimizer']): LastGood => ({
  step: cp.step,
  params: Float32Array.from(cp.params),
  optimizer: {
    step: cp.state.step,
    skippedTotal: cp.skipped,
    m: Float32Array.from(cp.state.m),
    v: optimizer.kind === 'sgd' ? new Float32Array(0) : Float32Array.from(cp.state.v),
  },
});

class RecurrentCpuRun implements Run {
  readonly trainer: CpuTrainer;
  private next: () => Batch;
  /** Truncated BPTT: the chunks of the current batch still to train (each carries the state on). */
  private pending: Batch[] = [];
  /** The float64 weights and optimizer state of the last finite validation (rolled back to exactly). */
  private good: CpuCheckpoint;
  private window: { firstStep: number; losses: number[]; gradNorms: number[]; skipped: number[] } | null = null;

  constructor(
    config: SessionConfig,
    private readonly data: RecurrentData,
    params: Float32Array | null,
    private readonly hooks: RunHooks,
  ) {
    this.trainer = new CpuTrainer(data.model, config.optimizer, params ?? initParams(data.model, config.seed));
    this.next = data.stream();
    this.good = this.trainer.checkpoint();
  }

  get steps(): number {
    return this.trainer.steps;
  }

  get optimizer() {
    return this.trainer.optimizer;
  }

  get lastGood(): LastGood {
    return toSnapshot(this.good, this.trainer.optimizer);
  }

  /** The next chunk of the current batch, or the first chunk of a new one. */
  trainStep(): void {
    const fresh = this.pending.length === 0;
    if (fresh) {
      const batch = this.next();
      this.pending = this.data.T < this.data.seqLen ? splitSteps(batch, this.data.T) : [batch];
    }
    const step = this.trainer.steps;
    const { loss, gradNorm, skipped } = this.trainer.step(this.pending.shift()!, !fresh);
    const w = (this.window ??= { firstStep: step, losses: [], gradNorms: [], skipped: [] });
    w.losses.push(loss);
    w.gradNorms.push(gradNorm);
    w.skipped.push(skipped ? 1 : 0);
    if ((step + 1) % METRICS_EVERY === 0 || !Number.isFinite(loss) || skipped) this.flushMetrics();
  }

  private flushMetrics(): void {
    const w = this.window;
    this.window = null;
    if (w)
      this.hooks.onMetrics({
        firstStep: w.firstStep,
        losses: Float32Array.from(w.losses),
        gradNorms: Float32Array.from(w.gradNorms),
        skipped: Uint8Array.from(w.skipped),
      });
  }

  async finish(): Promise<void> {
    this.flushMetrics();
  }

  takeThroughput(steps: number): number {
    return this.data.T * this.data.B * steps;
  }

  /** Validation loss, the heatmap of its last chunk, the prediction; the last good state when everything is finite. */
  async validate(showConnectivity: boolean): Promise<void> {
    const { trainer, data, hooks } = this;
    const chunks = data.T < data.seqLen ? splitSteps(data.validation, data.T) : [data.validation];
    const { loss, channels, outputs } = trainer.evaluate(chunks, predictionKind(data) !== null);
    const step = trainer.steps;
    hooks.post({ type: 'validation', step, loss });
    hooks.post(
      { type: 'heatmap', step, T: data.T, channels },
      channels.map((c) => c.values.buffer),
    );
    if (outputs) hooks.post({ type: 'prediction', step, prediction: buildPrediction(data, outputs) });
    const m = showConnectivity ? connectivityMessage(data, trainer.params, step) : null;
    if (m) hooks.post(m, [m.connectivity.norms.buffer]);
    if (Number.isFinite(loss) && trainer.params.every(Number.isFinite)) this.good = trainer.checkpoint();
  }

  async readParams(): Promise<Float32Array> {
    return Float32Array.from(this.trainer.params);
  }

  async readCheckpoint(): Promise<{ step: number; params: Float32Array; optimizer: OptimizerSnapshot }> {
    const { params, optimizer } = toSnapshot(this.trainer.checkpoint(), this.trainer.optimizer);
    return { step: this.trainer.steps, params, optimizer: optimizer! };
  }

  load(params: Float32Array, optimizer: OptimizerSnapshot | null): void {
    this.trainer.setParams(params); // with a fresh optimizer state
    if (optimizer) this.trainer.setOptimizerState(optimizer);
    this.pending = []; // the carried state belongs to the old weights
    this.good = this.trainer.checkpoint();
  }

  resumeAt(step: number): void {
    this.trainer.steps = step;
    this.next = streamAfter(this.data, step);
    this.pending = [];
  }

  rollBack(): number {
    this.trainer.restore(this.good);
    this.pending = []; // the carried state is not finite either
    return this.good.step;
  }

  destroy(): void {}
}
