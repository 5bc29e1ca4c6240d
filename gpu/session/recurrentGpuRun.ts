// A recurrent model training on the GPU for a session (family.ts's Run): a RecurrentTrainer, its data
// stream cut into truncated-BPTT chunks, and a validation that posts the loss, the heatmap, the
// prediction of a task model and, when asked, the connectivity, then keeps the weights and optimizer
// state as the last good state when they are finite.

import type { GpuContext } from '../core/context.ts';
import { splitSteps } from '../data/split.ts';
import { realSteps, type Batch } from '../data/batch.ts';
import type { OptimizerSnapshot } from '../optimizer/state.ts';
import { readHeatmap } from '../recurrent/heatmap.ts';
import { RecurrentTrainer } from '../recurrent/trainer.ts';
import { connectivityMessage } from './connectivityMessage.ts';
import type { Run, RunHooks } from './family.ts';
import { GpuRun } from './gpuRun.ts';
import { buildPrediction } from './prediction.ts';
import { PredictionReadback } from './predictionReadback.ts';
import type { KernelReport, KernelTuning, SessionConfig } from './protocol.ts';
import { chooseStepKernels, unmeasured } from '../recurrent/tuner.ts';
import { indexedDbKernelCache } from '../recurrent/kernelCache.ts';
import { parseStepKernels, runnableOn, type StepKernels } from '../recurrent/stepVariants.ts';
import { streamAfter, type RecurrentData } from './recurrentData.ts';

const METRICS_EVERY = 10;

export async function buildRecurrentGpuRun(
  ctx: GpuContext,
  config: SessionConfig,
  data: RecurrentData,
  params: Float32Array | null,
  hooks: RunHooks,
  tune: KernelTuning = 'auto',
): Promise<Run> {
  const kernels = await runKernels(ctx, config, data, tune);
  return new RecurrentGpuRun(ctx, config, data, params, hooks, kernels).start(params);
}

/** The run's own step kernels when its config records them (a restored run), else the device's tuned choice (cached in IndexedDB). */
async function runKernels(
  ctx: GpuContext,
  config: SessionConfig,
  data: RecurrentData,
  tune: KernelTuning,
): Promise<{ kernels: StepKernels; report: KernelReport }> {
  const { kernels, ...report } = config.stepKernels
    ? unmeasured(runnableOn(ctx.device, parseStepKernels(config.stepKernels)), 'recorded')
    : await chooseStepKernels(ctx, data.model, data.T, data.B, { cache: indexedDbKernelCache(), tune });
  return { kernels, report };
}

class RecurrentGpuRun extends GpuRun<RecurrentTrainer> {
  /** Scratch for the carried state (block T of each layer's hs, cs) across a mid-batch validation. */
  private readonly carry: GPUBuffer;
  private next: () => Batch;
  /** Truncated BPTT: the chunks of the current batch still to train (each carries the state on). */
  private pending: Batch[] = [];
  readonly kernels: KernelReport;

  constructor(
    private readonly ctx: GpuContext,
    config: SessionConfig,
    private readonly data: RecurrentData,
    params: Float32Array | null,
    private readonly hooks: RunHooks,
    { kernels, report }: { kernels: StepKernels; report: KernelReport },
  ) {
    super(
      new RecurrentTrainer(ctx, {
        kernels,
        model: data.model,
        T: data.T,
        B: data.B,
        optimizer: config.optimizer,
        seed: config.seed,
        params: params ?? undefined,
        metricsEvery: METRICS_EVERY,
        onMetrics: (w) => hooks.onMetrics(w),
      }),
    );
    this.kernels = report;
    const states = data.model.layers * (data.model.cell === 'lstm' ? 2 : 1);
    this.carry = ctx.createBuffer('carry save', states * data.B * data.model.hidden * 4, GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST);
    this.next = data.stream();
  }

  /** The next chunk of the current batch, or the first chunk of a new one. */
  trainStep(): void {
    const fresh = this.pending.length === 0;
    if (fresh) {
      const batch = this.next();
      this.pending = this.data.T < this.data.seqLen ? splitSteps(batch, this.data.T) : [batch];
    }
    this.trainer.step(this.pending.shift()!, { carryState: !fresh });
  }

  takeThroughput(steps: number): number {
    return this.data.T * this.data.B * steps;
  }

  /**
   * Validation loss (chunk by chunk with the state carried, weighted by real steps, as the CLI), the
   * heatmap of the last chunk, the prediction. Mid-batch, the carried training state is saved around
   * it (evaluate overwrites the states).
   */
  async validate(showConnectivity: boolean): Promise<void> {
    const { trainer, data, hooks } = this;
    const mid = this.pending.length > 0;
    if (mid) this.copyCarry(true);
    let total = 0;
    let weight = 0;
    const prediction = PredictionReadback.for(this.ctx, trainer.model, data);
    const chunks = data.T < data.seqLen ? splitSteps(data.validation, data.T) : [data.validation];
    for (const [i, chunk] of chunks.entries()) {
      const w = realSteps(chunk);
      total += (await trainer.evaluate(chunk, { carryState: i > 0 })) * w;
      weight += w;
      prediction?.copyChunk(chunk);
    }
    const channels = await readHeatmap(this.ctx, trainer.model, chunks.at(-1)!.lengths?.[0]);
    const outputs = await prediction?.read();
    if (mid) this.copyCarry(false);
    const { step, params, optimizer } = await trainer.readCheckpoint();
    const loss = total / Math.max(weight, 1);
    hooks.post({ type: 'validation', step, loss });
    hooks.post(
      { type: 'heatmap', step, T: data.T, channels },
      channels.map((c) => c.values.buffer),
    );
    if (outputs) hooks.post({ type: 'prediction', step, prediction: buildPrediction(data, outputs) });
    const m = showConnectivity ? connectivityMessage(data, params, step) : null;
    if (m) hooks.post(m, [m.connectivity.norms.buffer]);
    if (Number.isFinite(loss) && params.every(Number.isFinite)) this.lastGood = { step, params, optimizer };
  }

  /** Saves (or restores) each layer's final states, block T of hs and cs, to (from) the scratch buffer. */
  private copyCarry(save: boolean): void {
    const { model } = this.trainer;
    const bytes = model.B * model.cfg.hidden * 4;
    const encoder = this.ctx.device.createCommandEncoder({ label: save ? 'save carry' : 'restore carry' });
    let at = 0;
    for (const { buffers } of model.layers)
      for (const state of [buffers.hs, buffers.cs]) {
        if (!state) continue;
        if (save) encoder.copyBufferToBuffer(state, model.T * bytes, this.carry, at, bytes);
        else encoder.copyBufferToBuffer(this.carry, at, state, model.T * bytes, bytes);
        at += bytes;
      }
    this.ctx.device.queue.submit([encoder.finish()]);
  }

  override load(params: Float32Array, optimizer: OptimizerSnapshot | null): void {
    super.load(params, optimizer);
    this.pending = []; // the carried state belongs to the old weights
  }

  resumeAt(step: number): void {
    this.trainer.steps = step;
    this.next = streamAfter(this.data, step);
    this.pending = [];
  }

  override rollBack(): number {
    this.pending = []; // the carried state is not finite either
    return super.rollBack();
  }

  override destroy(): void {
    super.destroy();
    this.ctx.destroyBuffer(this.carry);
  }
}
