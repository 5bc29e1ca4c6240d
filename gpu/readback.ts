// Reading the step metrics without stalling the GPU. Each step copies its [loss, gradient norm,
// skipped, step] into a ring of N slots on the GPU; every N steps the ring is copied to a staging
// buffer and mapped asynchronously. Nothing awaits inside a step: if every staging buffer is still
// mapped, that window is dropped (and counted) rather than blocking.

import type { GpuContext } from './context.ts';
import { METRICS } from './models/recurrent.ts';

export interface MetricsWindow {
  /** Step index of losses[0]. */
  firstStep: number;
  losses: Float32Array;
  /** Global gradient norm before clipping (0 when only gradients were computed). */
  gradNorms: Float32Array;
  /** 1 where a non-finite gradient norm made the optimizer skip the step. */
  skipped: Uint8Array;
}

const SLOT = METRICS * 4;

export class MetricsHistory {
  private ring: GPUBuffer;
  private free: GPUBuffer[] = [];
  private pending = new Set<Promise<void>>();
  private scheduled: { staging: GPUBuffer; firstStep: number; count: number }[] = [];
  dropped = 0;

  constructor(
    private ctx: GpuContext,
    readonly every: number,
    private onWindow: (w: MetricsWindow) => void,
    stagingCount = 3,
  ) {
    this.ring = ctx.storage('metricsHistory', every * SLOT);
    for (let i = 0; i < stagingCount; i++)
      this.free.push(ctx.createBuffer('metricsStaging', every * SLOT, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST));
  }

  /** Copies this step's metrics into its slot; on the last slot of a window, schedules the readback. */
  encodeRecord(encoder: GPUCommandEncoder, metrics: GPUBuffer, step: number): void {
    const slot = step % this.every;
    encoder.copyBufferToBuffer(metrics, 0, this.ring, slot * SLOT, SLOT);
    if (slot === this.every - 1) this.encodeWindow(encoder, step - slot, this.every);
  }

  /** Reads back the partial window that ends at `lastStep` (e.g. when training pauses). */
  flush(lastStep: number): void {
    const count = (lastStep % this.every) + 1;
    if (count === this.every) return; // already scheduled by encodeRecord
    const encoder = this.ctx.device.createCommandEncoder({ label: 'metrics flush' });
    this.encodeWindow(encoder, lastStep - count + 1, count);
    this.ctx.device.queue.submit([encoder.finish()]);
    this.mapPending();
  }

  private encodeWindow(encoder: GPUCommandEncoder, firstStep: number, count: number): void {
    const staging = this.free.pop();
    if (!staging) {
      this.dropped += count;
      return;
    }
    encoder.copyBufferToBuffer(this.ring, 0, staging, 0, count * SLOT);
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
