// What a device-loss recovery keeps of a GPU session (recurrent or tree) and puts back on the new
// device: its config and the weights and optimizer state of its last good validation.

import type { FlatModel, Trainer } from '../training/trainer.ts';
import type { OptimizerSnapshot } from '../optimizer/state.ts';

/** Weights and optimizer state that validated finite, at `step`. */
export interface LastGood {
  step: number;
  params: Float32Array;
  /** null: a fresh optimizer. */
  optimizer: OptimizerSnapshot | null;
}

/** What the worker entry needs to rebuild a session on a new device. */
export interface GpuSnapshot<C> {
  config: C;
  /** The last good weights (CPU copy), null before the first checkpoint. */
  params: Float32Array | null;
  /** The optimizer state of the same step; null: a fresh optimizer (e.g. at step 0, or after an import). */
  optimizer: OptimizerSnapshot | null;
  step: number;
  training: boolean;
}

export function snapshotOf<C>(config: C, lastGood: LastGood | null, training: boolean): GpuSnapshot<C> {
  return { config, params: lastGood?.params ?? null, optimizer: lastGood?.optimizer ?? null, step: lastGood?.step ?? 0, training };
}

/**
 * Puts a snapshot's weights, optimizer state and step count into a trainer just built from its
 * config (whose optimizer state is fresh, which a null one means); returns the new last good state.
 */
export function restoreInto(trainer: Trainer<FlatModel>, s: GpuSnapshot<unknown>): LastGood | null {
  trainer.steps = s.step;
  if (!s.params) return null;
  trainer.setParams(s.params);
  if (s.optimizer) trainer.setOptimizerState(s.optimizer);
  return { step: s.step, params: s.params, optimizer: s.optimizer };
}
