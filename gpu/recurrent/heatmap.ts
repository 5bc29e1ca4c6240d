// The heatmap's readback: for the top layer, sequence 0's rows at steps 1..T of the hidden states,
// the gates (GRU r, z; LSTM i, f, o) and the LSTM cell state, left in the model's buffers by the
// last forward pass. Only those rows are copied (one small copy per step into one staging buffer,
// one map), so the readback stays small however large the batch.

import type { GpuContext } from '../core/context.ts';
import { GATES } from './config.ts';
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

export async function readHeatmap(ctx: GpuContext, model: RecurrentGpu): Promise<HeatmapChannel[]> {
  const { cfg, T, B } = model;
  const H = cfg.hidden;
  const GH = GATES[cfg.cell] * H;
  const top = model.layers[cfg.layers - 1].buffers;
  const steps = Array.from({ length: T }, (_, t) => t);
  // States are [(T+1)*B, H] with h_0 in block 0: step t+1 of sequence 0 is row (t+1)*B. Gates are [T*B, G*H].
  const stateRows = (buffer: GPUBuffer) => steps.map((t) => ({ buffer, offset: (t + 1) * B * H, length: H }));
  const groups = [
    stateRows(top.hs),
    top.gates ? steps.map((t) => ({ buffer: top.gates!, offset: t * B * GH, length: GH })) : [],
    top.cs ? stateRows(top.cs) : [],
  ];
  const [h, gates, c] = splitGroups(
    await readSlices(ctx, groups.flat()),
    groups.map((g) => g.length * (g[0]?.length ?? 0)),
  );
  const channels: HeatmapChannel[] = [{ name: 'h', units: H, values: h }];
  for (const [name, k] of SHOWN_GATES[cfg.cell]) {
    const values = new Float32Array(T * H);
    for (const t of steps) values.set(gates.subarray(t * GH + k * H, t * GH + (k + 1) * H), t * H);
    channels.push({ name, units: H, values });
  }
  if (top.cs) channels.push({ name: 'c', units: H, values: c });
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
