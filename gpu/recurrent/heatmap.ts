// The heatmap's readback: for the top layer (both directions), sequence 0's rows at steps 1..T of the hidden states,
// the gates (GRU r, z; LSTM i, f, o) and the LSTM cell state, left in the model's buffers by the
// last forward pass. Only those rows are copied (one small copy per step into one staging buffer,
// one map), so the readback stays small however large the batch.

import type { GpuContext } from '../core/context.ts';
import { directions, GATES } from './config.ts';
import type { RecurrentGpu } from './model.ts';

/** One channel of the heatmap: a [T, units] block of values for the chosen validation sequence. */
export interface HeatmapChannel {
  /** 'h' (hidden state), 'c' (LSTM cell state), or a gate: 'r', 'z' (GRU), 'i', 'f', 'o' (LSTM). */
  name: string;
  units: number;
  /** Row-major [T, units]. */
  values: Float32Array;
}

/** The gates shown per cell, by their index in PyTorch's gate order (GRU r, z, n; LSTM i, f, g, o), on the GPU and the CPU. */
export const SHOWN_GATES: Record<string, [string, number][]> = {
  rnn: [],
  gru: [
    ['r', 0],
    ['z', 1],
  ],
  lstm: [
    ['i', 0],
    ['f', 1],
    ['o', 3],
  ],
};

/**
 * `length0`: sequence 0's real steps in the last batch (the reverse direction of a bidirectional model
 * keeps them mirrored, and has no state past them: 0 there). A bidirectional layer's channels hold the
 * forward units, then the reverse ones (2H), as its output does.
 */
export async function readHeatmap(ctx: GpuContext, model: RecurrentGpu, length0 = model.T): Promise<HeatmapChannel[]> {
  const { cfg, T, B } = model;
  const H = cfg.hidden;
  const D = directions(cfg);
  const GH = GATES[cfg.cell] * H;
  const steps = Array.from({ length: T }, (_, t) => t);
  // Row of step t of sequence 0 in direction d's order (mirrored for the reverse one); -1: none.
  const rowOf = (d: number, t: number) => (d === 0 ? t : t < length0 ? length0 - 1 - t : -1);
  // States are [(T+1)*B, H] with h_0 in block 0: the state after row r is block r+1. Gates are [T*B, G*H].
  const groups = Array.from({ length: D }, (_, d) => {
    const top = model.layers[(cfg.layers - 1) * D + d].buffers;
    const rows = (buffer: GPUBuffer | null, width: number, block: number) =>
      buffer ? steps.map((t) => ({ buffer, offset: (Math.max(rowOf(d, t), 0) + block) * B * width, length: width })) : [];
    return [rows(top.hs, H, 1), rows(top.gates, GH, 0), rows(top.cs, H, 1)];
  }).flat();
  const read = splitGroups(
    await readSlices(ctx, groups.flat()),
    groups.map((g) => g.length * (g[0]?.length ?? 0)),
  );
  // Channel values [T, D*H]: direction d's H units of step t at column d*H (0 where it has no row).
  const channel = (name: string, part: number, width: number, k = 0): HeatmapChannel => {
    const values = new Float32Array(T * D * H);
    for (let d = 0; d < D; d++)
      for (const t of steps) if (rowOf(d, t) >= 0) values.set(read[d * 3 + part].subarray(t * width + k * H, t * width + (k + 1) * H), (t * D + d) * H);
    return { name, units: D * H, values };
  };
  const channels = [channel('h', 0, H), ...SHOWN_GATES[cfg.cell].map(([name, k]) => channel(name, 1, GH, k))];
  if (cfg.cell === 'lstm') channels.push(channel('c', 2, H));
  return channels;
}

/** Copies slices (offsets and lengths in floats) of GPU buffers to the CPU, concatenated, in one map. */
export async function readSlices(ctx: GpuContext, slices: { buffer: GPUBuffer; offset: number; length: number }[]): Promise<Float32Array> {
  const total = slices.reduce((n, s) => n + s.length, 0);
  const staging = ctx.device.createBuffer({ label: 'heatmap', size: Math.max(4, total * 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = ctx.device.createCommandEncoder({ label: 'heatmap readback' });
  let at = 0;
  for (const s of slices) {
    encoder.copyBufferToBuffer(s.buffer, s.offset * 4, staging, at * 4, s.length * 4);
    at += s.length;
  }
  ctx.device.queue.submit([encoder.finish()]);
  try {
    await staging.mapAsync(GPUMapMode.READ);
    return new Float32Array(staging.getMappedRange().slice(0, total * 4));
  } finally {
    staging.destroy();
  }
}

/** Fresh arrays of the given lengths, in order (each owns its buffer, so it can be transferred). */
function splitGroups(all: Float32Array, lengths: number[]): Float32Array[] {
  let at = 0;
  return lengths.map((n) => all.slice(at, (at += n)));
}
