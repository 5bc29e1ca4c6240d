// Built-in synthetic tasks: the common interface and the helpers the tasks share.
//
// Every task is sized by T (steps per sequence) and seeded. The training stream is the caller's Rng
// (`batch(B, rng)`), so the trainer owns it; the task's seed fixes the validation batch (and any
// baseline measured on it). Same seed → same data, bit for bit (within one JS engine: the real-valued
// tasks use Math.sin / Math.log, which are deterministic per engine but not specified to the last bit).
//
// Validation sequence b is drawn from its own Rng, derived from (seed, b): validation(64) holds the
// same first 64 sequences as validation(256), so a baseline measured on one is comparable with the other.
//
// Sequence regression (the adding task) uses loss 'regress': `targetValues` holds one target vector per
// sequence (targetValues[b·O + o]), the head reads each sequence's final state (step lengths[b] − 1)
// and the loss is the MSE over those B·O values; no other step carries a loss.

import { Rng } from '../../core/rng.ts';
import type { Batch } from '../batch.ts';
import type { Loss } from '../batch.ts';

export type TaskInput = { kind: 'tokens'; vocab: number } | { kind: 'real'; features: number };

export interface Task {
  /** 'adding' | 'copy' | 'sine' | 'mackey-glass' | 'tagging'. */
  name: string;
  /** One sentence for the UI. */
  description: string;
  /** The model fields this task needs: input kind/size, output size, loss. */
  model: { input: TaskInput; output: number; loss: Loss };
  /** A random training batch of B sequences of (at most) T steps. */
  batch(B: number, rng: Rng): Batch;
  /** A fixed validation batch (drawn from its own seed), possibly with longer sequences (see tagging). */
  validation(B: number): Batch;
  /** Loss of a trivial baseline on this task, for comparison (e.g. always predicting the mean). */
  baseline?: number;
  /** For token tasks, how to print a token id. */
  vocabulary?: string[];
  /** For per-step classification tasks, the name of each output class (tagging's tags, copy's symbols). */
  outputNames?: string[];
  /** Forecasting: each step's target is the next step's input, which a bidirectional model would already have read. */
  predictsNextInput?: boolean;
}

export interface TaskOptions {
  /** Steps per sequence. */
  T: number;
  /** Fixes the validation batch (and baselines measured on it). */
  seed: number;
}

/** Sequences in the fixed batch on which measured baselines are computed. */
export const BASELINE_SEQUENCES = 256;

/** Throws unless T is an integer ≥ min (the smallest T the task makes sense for). */
export function checkT(task: string, T: number, min: number): void {
  if (!Number.isInteger(T) || T < min) throw new Error(`task "${task}": T must be an integer ≥ ${min}, got ${T}`);
}

/** Throws unless seed is a finite integer. */
export function checkSeed(task: string, seed: number): void {
  if (!Number.isInteger(seed)) throw new Error(`task "${task}": seed must be an integer, got ${seed}`);
}

/** Throws unless B is an integer ≥ 1. */
export function checkB(task: string, B: number): void {
  if (!Number.isInteger(B) || B < 1) throw new Error(`task "${task}": the batch size B must be an integer ≥ 1, got ${B}`);
}

/** A 32-bit integer hash (the murmur3 finaliser). */
export function mix32(x: number): number {
  x = x >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

const VALIDATION_STREAM = 0x76a1d8e3;

/** The Rng of validation sequence b of a task seeded with `seed`. */
export function validationRng(seed: number, b: number): Rng {
  return new Rng(mix32(mix32((seed ^ VALIDATION_STREAM) >>> 0) + mix32(b + 1)));
}

/**
 * Fills a batch one sequence at a time: training batches draw every sequence from the caller's Rng in
 * order; validation batches draw sequence b from validationRng(seed, b).
 */
export function fillBatch(batch: Batch, fill: (b: number, rng: Rng) => void, rng: Rng | { seed: number }): Batch {
  for (let b = 0; b < batch.B; b++) fill(b, rng instanceof Rng ? rng : validationRng(rng.seed, b));
  return batch;
}

/** A standard normal draw (Box-Muller; 1 − u keeps the logarithm's argument in (0, 1]). */
export function gaussian(rng: Rng): number {
  const u1 = 1 - rng.uniform();
  const u2 = rng.uniform();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** MSE of persistence (predict x_{t+1} = x_t) on a one-feature, one-output forecasting batch. */
export function persistenceMse(batch: Batch): number {
  const x = batch.inputs!;
  const y = batch.targetValues!;
  let sum = 0;
  for (let r = 0; r < y.length; r++) sum += (y[r] - x[r]) ** 2;
  return sum / y.length;
}
