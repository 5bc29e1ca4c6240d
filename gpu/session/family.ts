// What a model family gives the one session lifecycle (session.ts): how a config becomes data and a
// model, how its weights and optimizer state go in and out of files, and a Run, the model being
// trained with its data stream. The lifecycle (configure, reset, import, save and load a checkpoint,
// restore after a lost device, dispose) and the training loop are the session's; what one step, one
// validation and one file are is the family's.

import type { OptimizerConfig } from '../optimizer/config.ts';
import type { OptimizerSnapshot } from '../optimizer/state.ts';
import type { MetricsWindow } from '../training/metrics.ts';
import type { FromWorker, KernelReport } from './protocol.ts';

export interface SampleRequest {
  prompt: string;
  temperature: number;
  length: number;
  /** The n-th sample of a session uses seed n. */
  seed: number;
}

export interface DecodeRequest {
  source: string;
  beam: number;
}

export type Post = (msg: FromWorker, transfer?: Transferable[]) => void;

/** Weights and optimizer state that validated finite, at `step`: what a diverged run rolls back to. */
export interface LastGood {
  step: number;
  params: Float32Array;
  /** null: a fresh optimizer (at step 0, or after an import). */
  optimizer: OptimizerSnapshot | null;
}

/** What the worker entry needs to rebuild a session on a new device: its config and last good state. */
export interface SessionSnapshot<C = unknown> extends LastGood {
  config: C;
  training: boolean;
}

/** What a run reports to its session. */
export interface RunHooks {
  /** The metrics of steps as they arrive (GPU: asynchronously; CPU: as it trains). */
  onMetrics(w: MetricsWindow): void;
  post: Post;
}

/** A model being trained, with its data stream and its last good state. */
export interface Run {
  /** The family's trainer (tests read and inject weights through it). */
  readonly trainer: object;
  /** Training steps so far, skipped ones included. */
  readonly steps: number;
  readonly optimizer: OptimizerConfig;
  /** Submits the next training step (one truncated-BPTT chunk, one batch of trees or of pairs); never waits. */
  trainStep(): void;
  /** Waits until every submitted step finished and its metrics were delivered. */
  finish(): Promise<void>;
  /** Measures the validation set and posts its views; keeps the weights as the last good state when finite. */
  validate(showConnectivity: boolean): Promise<void>;
  /** Items per step in the `metrics` message's throughput (tokens; tree nodes; source and target tokens), for the steps since the last call. */
  takeThroughput(steps: number): number;
  readParams(): Promise<Float32Array>;
  /** Weights and optimizer state of one step (a copy made in one go, so both belong to that step). */
  readCheckpoint(): Promise<{ step: number; params: Float32Array; optimizer: OptimizerSnapshot }>;
  /** New weights and optimizer state (null: fresh), which become the last good state; a carried state is dropped. */
  load(params: Float32Array, optimizer: OptimizerSnapshot | null): void;
  /**
   * The step count becomes `step` and the data stream stands where `step` steps leave it: a restored
   * run trains on the batches that come next, not on the first ones again.
   */
  resumeAt(step: number): void;
  /** Back to the last good weights and optimizer state (the step count stays); their step. */
  rollBack(): number;
  readonly lastGood: LastGood;
  /** A recurrent GPU run's step kernels: reported, and recorded in its checkpoints. */
  readonly kernels?: KernelReport;
  destroy(): void;
}

/** One family of models (recurrent on the GPU or the CPU, trees, encoder-decoders), for configs of type C and data D. */
export interface SessionFamily<C, D> {
  /** Checks a config and makes its data; throws with the reason (the session says "Settings refused: …"). */
  prepare(config: C): Promise<D>;
  /** The weights of a model for `a` fit one for `b` (same names and shapes, same vocabulary). */
  sameWeights(a: D, b: D): boolean;
  /** A model for `data` from `params` (else the config's seeded initialisation); throws when the device refuses it. */
  build(config: C, data: D, params: Float32Array | null, hooks: RunHooks): Promise<Run>;
  /** The message that announces a new model. */
  configured(data: D, run: Run): FromWorker;
  /** A weights file for this model, checked (`imported`: a user's file, whose vocabulary must match too); throws with the reason. */
  readWeights(bytes: Uint8Array, data: D, imported: boolean): Float32Array;
  /** `extra`: more __metadata__ (e.g. rnnlab.step). */
  writeWeights(data: D, params: Float32Array, extra?: Record<string, string>): Uint8Array;
  readOptimizer(bytes: Uint8Array, data: D, o: OptimizerConfig): OptimizerSnapshot;
  writeOptimizer(data: D, o: OptimizerConfig, s: OptimizerSnapshot): Uint8Array;
  /**
   * `length` tokens sampled after `prompt` (the prompt actually used: tokens outside the vocabulary
   * dropped), or why not; the weights are read (a GPU readback) only for a request that is not
   * refused. Families without sampling leave it out.
   */
  sample?(config: C, data: D, readParams: () => Promise<Float32Array>, request: SampleRequest): Promise<{ prompt: string; text: string } | { error: string }>;
  /**
   * `source` decoded by beam search of width `beam` (encoder-decoders): the `decoded` message, with
   * `error` when the request is refused (the weights are then not read). Other families leave it out.
   */
  decode?(config: C, data: D, readParams: () => Promise<Float32Array>, request: DecodeRequest): Promise<Extract<FromWorker, { type: 'decoded' }>>;
}
