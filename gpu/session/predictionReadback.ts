// The prediction's readback on the GPU: after each validation chunk's evaluate, the head outputs of
// sequence 0 at that chunk's real steps (rows t*B of the logits, O floats each) are copied into one
// staging buffer; after the last chunk it is mapped once. The copies are queued behind each chunk's
// pass and before the next one overwrites the logits, so no chunk waits for its own readback.

import type { GpuContext } from '../core/context.ts';
import { sequenceLength, type Batch } from '../data/batch.ts';
import { perSequenceLoss } from '../recurrent/config.ts';
import type { RecurrentGpu } from '../recurrent/model.ts';
import type { RecurrentData } from './recurrentData.ts';
import { predictionKind, predictionOutputs } from './prediction.ts';

export class PredictionReadback {
  private readonly staging: GPUBuffer;
  private readonly count: number;
  /** Steps of the sequence covered by the chunks copied so far. */
  private stepsDone = 0;

  /** A readback for a session with a prediction view; null for the others (character models). */
  static for(ctx: GpuContext, model: RecurrentGpu, data: RecurrentData): PredictionReadback | null {
    return predictionKind(data) ? new PredictionReadback(ctx, model, predictionOutputs(data)) : null;
  }

  private constructor(
    private readonly ctx: GpuContext,
    private readonly model: RecurrentGpu,
    count: number,
  ) {
    this.count = count;
    this.staging = ctx.device.createBuffer({ label: 'prediction', size: count * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  /** Queues the copy of sequence 0's outputs of the chunk just evaluated (chunks in order). */
  copyChunk(chunk: Batch): void {
    const { B, cfg } = this.model;
    const O = cfg.output;
    const encoder = this.ctx.device.createCommandEncoder({ label: 'prediction readback' });
    const logits = this.model.buffers.logits;
    if (perSequenceLoss(cfg))
      encoder.copyBufferToBuffer(logits, 0, this.staging, 0, O * 4); // row 0 of [B, O]
    else
      for (let t = 0; t < sequenceLength(chunk, 0); t++) encoder.copyBufferToBuffer(logits, t * B * O * 4, this.staging, (this.stepsDone + t) * O * 4, O * 4);
    this.stepsDone += chunk.T;
    this.ctx.device.queue.submit([encoder.finish()]);
  }

  /** The copied outputs (zeros past sequence 0's end); frees the staging buffer. */
  async read(): Promise<Float32Array> {
    try {
      await this.staging.mapAsync(GPUMapMode.READ);
      return new Float32Array(this.staging.getMappedRange().slice(0, this.count * 4));
    } finally {
      this.staging.destroy();
    }
  }
}
