// Reading the step metrics without stalling the GPU. Each step copies its [loss, gradient norm,
// skipped, step] into a ring of N slots on the GPU; every N steps the ring is copied to a staging
// buffer and mapped asynchronously. Nothing awaits inside a step: if every staging buffer is still
// mapped, that window is dropped (and counted) rather than blocking.

import type { GpuContext } from '../core/context.ts';

export interface MetricsWindow {
  /** Step index of losses[0]. */
  firstStep: number;
  losses: Float32Array;
  /** Global gradient norm before clipping (0 when only gradients were computed). */
  gradNorms: Float32Array;
  /** 1 where a non-finite gradient norm made the optimizer skip the step. */
  skipped: Uint8Array;
}

/** Floats in a model's metrics buffer: [loss, gradient norm, skipped, step]. */
export const METRICS = 4;
const SLOT = METRICS * 4;

export class MetricsHistory {
  private ring: GPUBuffer;
  private free: GPUBuffer[] = [];
  private pending = new Set<Promise<void>>();
  private scheduled: { staging: GPUBuffer; firstStep: number; count: number }[] = [];
  dropped = 0;
  /** The last step whose metrics a readback carries (or has carried). */
  private readThrough = -1;

  constructor(
    private ctx: GpuContext,
    readonly every: number,
    private onWindow: (w: MetricsWindow) => void,
    stagingCount = 3,
  ) {
    this.ring = ctx.storage('metricsHistory', every * SLOT);
    for (let i = 0; i < stagingCount; i++) this.free.push(ctx.createBuffer('metricsStaging', every * SLOT, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST));
  }

  /** Copies this step's metrics into its slot; on the last slot of a window, schedules the readback. */
  encodeRecord(encoder: GPUCommandEncoder, metrics: GPUBuffer, step: number): void {
    const slot = step % this.every;
    // A step at or before one already read back: the step count went back (a restored run).
    if (step <= this.readThrough) this.readThrough = step - slot - 1;
    encoder.copyBufferToBuffer(metrics, 0, this.ring, slot * SLOT, SLOT);
    if (slot === this.every - 1) this.encodeUnread(encoder, step);
  }

  /**
   * Reads back the steps of the current window up to `lastStep` that no readback has carried yet (e.g.
   * when training pauses, or before a validation): a second flush at the same step reads nothing, and
   * the window's end then carries only the steps after the flush.
   */
  flush(lastStep: number): void {
    if (lastStep <= this.readThrough) return;
    const encoder = this.ctx.device.createCommandEncoder({ label: 'metrics flush' });
    this.encodeUnread(encoder, lastStep);
    this.ctx.device.queue.submit([encoder.finish()]);
    this.mapPending();
  }

  /** Schedules the readback of the unread steps of `lastStep`'s window, through lastStep. */
  private encodeUnread(encoder: GPUCommandEncoder, lastStep: number): void {
    const first = Math.max(lastStep - (lastStep % this.every), this.readThrough + 1);
    this.readThrough = lastStep;
    this.encodeWindow(encoder, first, lastStep - first + 1);
  }

  private encodeWindow(encoder: GPUCommandEncoder, firstStep: number, count: number): void {
    const staging = this.free.pop();
    if (!staging) {
      this.dropped += count;
      return;
    }
    encoder.copyBufferToBuffer(this.ring, (firstStep % this.every) * SLOT, staging, 0, count * SLOT);
    this.scheduled.push({ staging, firstStep, count });
  }

  /** Call after the submit that carried encodeRecord: starts the maps it scheduled. */
  mapPending(): void {
    for (const { staging, firstStep, count } of this.scheduled.splice(0)) {
      const p = staging
        .mapAsync(GPUMapMode.READ, 0, count * SLOT)
        .then(() => {
          const raw = new Float32Array(staging.getMappedRange(0, count * SLOT).slice(0));
          staging.unmap();
          this.free.push(staging);
          const column = (k: number) => Float32Array.from({ length: count }, (_, i) => raw[i * METRICS + k]);
          this.onWindow({ firstStep, losses: column(0), gradNorms: column(1), skipped: Uint8Array.from(column(2)) });
        })
        .catch(() => {
          // Device lost or destroyed: the window is gone; the trainer reports the loss of the device.
          this.dropped += count;
        })
        .finally(() => this.pending.delete(p));
      this.pending.add(p);
    }
  }

  /** Resolves once every started readback has delivered. */
  async settle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }
}
