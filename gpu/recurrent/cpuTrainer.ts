// The CPU counterpart of trainer.ts, for browsers without WebGPU: the float64 weights and optimizer
// state of a model, trained with the reference (reference.ts, gpu/optimizer/reference.ts) one
// truncated-BPTT chunk at a time; validation with the heatmap; checkpoints.

import { realSteps, type Batch } from '../data/batch.ts';
import type { OptimizerSnapshot } from '../optimizer/state.ts';
import { perSequenceLoss, type ModelConfig } from './config.ts';
import { optimizer as withDefaults, type OptimizerConfig } from '../optimizer/config.ts';
import { clipScale, newOptimizerState, optimizerStep, type OptimizerState } from '../optimizer/reference.ts';
import { RecurrentReference, type RecurrentInit } from './reference.ts';
import { heatmapChannels, runChunk, sequence0Outputs, type ChunkPass } from './cpuModel.ts';
import type { HeatmapChannel } from './heatmap.ts';

/** A copy of the weights and optimizer state at a step. */
export interface CpuCheckpoint {
  step: number;
  params: Float64Array;
  state: OptimizerState;
  skipped: number;
}

const finalStates = (p: ChunkPass): RecurrentInit => ({ h0: p.hT, c0: p.cT ?? undefined });
const copyState = (s: OptimizerState): OptimizerState => ({ step: s.step, m: s.m.slice(), v: s.v.slice() });

export class CpuTrainer {
  readonly ref: RecurrentReference;
  readonly optimizer: OptimizerConfig;
  params: Float64Array;
  state: OptimizerState;
  /** Steps the optimizer skipped (non-finite gradient norm), for the optimizer file. */
  skipped = 0;
  /** Training steps so far, skipped ones included (as RecurrentTrainer.steps). */
  steps = 0;
  /** The final states of the last training step's chunk. */
  private carry: RecurrentInit | undefined;

  constructor(
    readonly model: ModelConfig,
    optimizer: Partial<OptimizerConfig>,
    params: ArrayLike<number>,
  ) {
    this.ref = new RecurrentReference(model);
    this.optimizer = withDefaults(optimizer);
    this.params = Float64Array.from(params);
    this.state = newOptimizerState(this.params.length);
  }

  /**
   * One training step: loss and gradients of `chunk`, clip_grad_norm_ and the optimizer. carryState:
   * start from the previous step's final states (truncated BPTT), else from zeros.
   */
  step(chunk: Batch, carryState: boolean): { loss: number; gradNorm: number; skipped: boolean } {
    const pass = runChunk(this.ref, this.params, chunk, carryState ? this.carry : undefined, true);
    const grads = pass.grads!;
    const gradNorm = clipScale(grads, 0).norm;
    const skipped = !optimizerStep(this.params, grads, this.state, this.optimizer);
    if (skipped) this.skipped++;
    this.carry = finalStates(pass);
    this.steps++;
    return { loss: pass.loss, gradNorm, skipped };
  }

  /**
   * The loss of a sequence's chunks (state carried from chunk to chunk; chunk losses weighted by
   * their real steps) and the heatmap of the last chunk. The training carry is left alone.
   * withOutputs: also sequence 0's head outputs over all chunks (row t = step t; zeros past its end),
   * or at its final state for per-sequence losses.
   */
  evaluate(chunks: Batch[], withOutputs = false): { loss: number; channels: HeatmapChannel[]; outputs: Float64Array | null } {
    let [total, weight] = [0, 0];
    let init: RecurrentInit | undefined;
    let pass: ChunkPass | undefined;
    const O = this.model.output;
    const outputs = withOutputs ? new Float64Array(perSequenceLoss(this.model) ? O : chunks.length * chunks[0].T * O) : null;
    for (const [i, chunk] of chunks.entries()) {
      pass = runChunk(this.ref, this.params, chunk, init, false);
      total += pass.loss * realSteps(chunk);
      weight += realSteps(chunk);
      init = finalStates(pass);
      outputs?.set(sequence0Outputs(this.ref, this.params, chunk, pass), perSequenceLoss(this.model) ? 0 : i * chunk.T * O);
    }
    return { loss: total / Math.max(weight, 1), channels: heatmapChannels(this.ref, this.params, chunks.at(-1)!, pass!), outputs };
  }

  checkpoint(): CpuCheckpoint {
    return { step: this.steps, params: this.params.slice(), state: copyState(this.state), skipped: this.skipped };
  }

  /** Back to a checkpoint's weights and optimizer state (the step count stays). */
  restore(cp: CpuCheckpoint): void {
    [this.params, this.state, this.skipped] = [cp.params.slice(), copyState(cp.state), cp.skipped];
  }

  /** New weights with a fresh optimizer state. */
  setParams(params: ArrayLike<number>): void {
    this.params = Float64Array.from(params);
    [this.state, this.skipped] = [newOptimizerState(this.params.length), 0];
  }

  /** Puts back an optimizer state (float32, as files and GPU snapshots hold it). */
  setOptimizerState(s: OptimizerSnapshot): void {
    this.state = { step: s.step, m: Float64Array.from(s.m), v: s.v.length ? Float64Array.from(s.v) : new Float64Array(this.params.length) };
    this.skipped = s.skippedTotal;
  }
}
