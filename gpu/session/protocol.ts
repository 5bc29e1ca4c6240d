// The typed messages between the page and the training worker. The worker owns the GPUDevice, the
// data and the training loop; the page sends settings and commands and renders what comes back.
// Everything here is structured-clone data (typed arrays are transferred where noted).

import type { TeacherForcingJson } from '../seq2seq/teacherForcing.ts';
import type { Cell, ModelConfig, Nonlinearity } from '../recurrent/config.ts';
import type { OptimizerConfig } from '../optimizer/config.ts';
import type { HeatmapChannel } from '../recurrent/heatmap.ts';
import type { KernelChoice } from '../recurrent/tuner.ts';
import type { Attention } from '../seq2seq/config.ts';
import type { PairTaskName } from '../seq2seq/tasks.ts';

export type { HeatmapChannel };

export type CorpusName = 'moby-dick' | 'first-names';
export type TaskName = 'adding' | 'copy' | 'sine' | 'mackey-glass' | 'tagging';

export type DatasetChoice =
  | { kind: 'corpus'; name: CorpusName }
  | { kind: 'task'; name: TaskName }
  /** A user's text file (a character model); `name` is the file name, for display. */
  | { kind: 'text'; name: string; text: string }
  /**
   * One numeric column of a user's CSV, to forecast (the sine task's model shape); `name` is the file
   * name and `column` the column's, for display. The values travel here so a saved config is whole.
   */
  | { kind: 'series'; name: string; column: string; values: number[] };

/** What the controls produce: everything a training session needs. */
export interface SessionConfig {
  dataset: DatasetChoice;
  cell: Cell;
  nonlinearity: Nonlinearity;
  hidden: number;
  layers: number;
  /** Each layer also reads every sequence backwards (nn.RNN(bidirectional=True)); absent: false. */
  bidirectional?: boolean;
  seqLen: number;
  /** Truncated BPTT length; divides seqLen (= seqLen for full BPTT). */
  tbptt: number;
  batchSize: number;
  /** torch.optim settings; `clip` is clip_grad_norm_'s max norm (0 = off). */
  optimizer: OptimizerConfig;
  seed: number;
  /**
   * The step kernels a run trains with (gpu/recurrent/stepVariants.ts names), recorded in its
   * checkpoints so a restored run replays with them; absent: the device's tuned choice.
   */
  stepKernels?: string;
}

/** When a GPU run measures its step kernels (gpu/recurrent/tuner.ts's `tune`). */
export type KernelTuning = 'auto' | 'always' | 'never';

/** The step kernels a GPU run uses, and how they were chosen (gpu/recurrent/tuner.ts), for the device panel. */
export type KernelReport = Omit<KernelChoice, 'kernels'>;

export type SessionStatus = 'idle' | 'training' | 'paused';

/**
 * A recursive network over binary trees (gpu/tree/): a built-in tree task, trained on shallow trees
 * and validated on deeper ones. `kind: 'tree'` tells it from a SessionConfig (which has no `kind`).
 */
export interface TreeSessionConfig {
  kind: 'tree';
  /** 'arithmetic': expressions mod 10; 'negation': negation sentiment; 'file': the user's labelled trees in `trees`. */
  task: 'arithmetic' | 'negation' | 'file';
  /**
   * For task 'file': a file of PTB-style labelled trees (gpu/tree/fileTask.ts: the last 10% validate;
   * trainDepth and validationDepth do not apply). `name` is the file name, for display; the text
   * travels here so a saved config is whole.
   */
  trees?: { name: string; text: string };
  cell: 'rnn' | 'lstm';
  hidden: number;
  /** Trees per step. */
  batchSize: number;
  /** Arithmetic: expression depth ≤ trainDepth in training, validationDepth in validation; negation: tree heights. */
  trainDepth: number;
  validationDepth: number;
  optimizer: OptimizerConfig;
  seed: number;
}

/** Bounds of a tree session's settings (the worker checks them; notebook cells tell the author). */
export const TREE_SESSION_LIMITS = { hidden: 256, batchSize: 256, trainDepth: 5, validationDepth: 9 } as const;

export const isTreeConfig = (c: AnySessionConfig): c is TreeSessionConfig => (c as { kind?: unknown }).kind === 'tree';

/**
 * An encoder-decoder (gpu/seq2seq/): a generated pair task, trained on pairs up to `maxLength` and
 * validated on longer ones, or the user's tab-separated pairs. `kind: 'seq2seq'` tells it apart.
 */
export interface Seq2SeqSessionConfig {
  kind: 'seq2seq';
  /** A generated task (gpu/seq2seq/tasks.ts), or 'file': the user's pairs in `pairs`. */
  task: PairTaskName | 'file';
  /** For task 'file': the TSV text (gpu/seq2seq/pairFile.ts); `name` for display. The text travels so a saved config is whole. */
  pairs?: { name: string; text: string };
  /** The task's training size (symbols, digits or characters); absent: the task's default. */
  maxLength?: number;
  cell: Cell;
  nonlinearity: Nonlinearity;
  layers: number;
  hidden: number;
  /** The encoder reads both ways; the decoder is then 2·hidden wide. */
  bidirectional?: boolean;
  attention: Attention;
  /** Additive attention's size; absent: hidden. */
  attentionSize?: number;
  /**
   * The teacher-forcing ratio, or its schedule, as train --seq2seq's config takes it
   * (gpu/seq2seq/teacherForcing.ts); absent: full teacher forcing.
   */
  teacherForcing?: number | TeacherForcingJson;
  /** Pairs per step. */
  batchSize: number;
  optimizer: OptimizerConfig;
  seed: number;
}

/**
 * Bounds of an encoder-decoder session's settings (the worker checks them): validation and decoding
 * run on the float64 reference in the worker, so the model stays small enough for that to be quick.
 */
export const SEQ2SEQ_SESSION_LIMITS = { hidden: 256, layers: 4, attentionSize: 256, batchSize: 256 } as const;

export const isSeq2SeqConfig = (c: AnySessionConfig): c is Seq2SeqSessionConfig => (c as { kind?: unknown }).kind === 'seq2seq';

/** Any session's settings: a recurrent model's (no `kind`), a tree model's or an encoder-decoder's. */
export type AnySessionConfig = SessionConfig | TreeSessionConfig | Seq2SeqSessionConfig;

/** A decoded output: its text (up to <eos>), Σ log-probabilities of its tokens, whether it ended with <eos>. */
export interface DecodedText {
  text: string;
  logProb: number;
  finished: boolean;
}

/** One node of a drawn validation tree: children by index into the tree's nodes (-1: a leaf). */
export interface TreeNodeView {
  left: number;
  right: number;
  /** A leaf's token ('' for an inner node). */
  text: string;
  /** True and predicted class ids; label -1: the node carries no label. */
  label: number;
  predicted: number;
}

export interface TreeView {
  nodes: TreeNodeView[];
  root: number;
  /** Each node's hidden state, row-major [nodes, hidden]. */
  states: Float32Array;
}

/** A whole session, for autosave: the settings, the step count, and safetensors files of the weights and optimizer state. */
export interface SavedSession {
  config: SessionConfig;
  step: number;
  /** `encodeWeights` bytes (PyTorch names; the model config in __metadata__). */
  weights: ArrayBuffer;
  /** `encodeOptimizerState` bytes (torch.optim state names; the step count in __metadata__). */
  optimizer: ArrayBuffer;
}

/** A tree session, for autosave: as SavedSession, with tree weights (`encodeTreeWeights`) and `encodeTreeOptimizerState` bytes. */
export interface SavedTreeSession {
  config: TreeSessionConfig;
  step: number;
  weights: ArrayBuffer;
  optimizer: ArrayBuffer;
}

/** An encoder-decoder session, for autosave: as SavedSession, with seq2seq weights and optimizer state (gpu/seq2seq/weights.ts). */
export interface SavedSeq2SeqSession {
  config: Seq2SeqSessionConfig;
  step: number;
  weights: ArrayBuffer;
  optimizer: ArrayBuffer;
}

/** What autosave stores and restores (told apart by `isTreeConfig` / `isSeq2SeqConfig` of `c.config`). */
export type SavedCheckpoint = SavedSession | SavedTreeSession | SavedSeq2SeqSession;

export type ToWorker =
  /** First message: the page's base URL, against which the worker fetches `data/<corpus>.txt`. */
  /** `kernelTuning`: when the step kernels are measured ('auto': on GPUs; 'always': on a CPU adapter too, the page's ?kernels=tune). */
  | { type: 'init'; baseUrl: string; kernelTuning?: KernelTuning }
  /** Builds data and trainer. `keepWeights`: carry the trained weights over (only when the shapes allow). */
  /** `connectivity`: also post the connectivity analysis at each validation (notebook cells that show it). */
  /** A TreeSessionConfig (`kind: 'tree'`) makes the session a recursive network over trees. */
  /** A Seq2SeqSessionConfig (`kind: 'seq2seq'`) an encoder-decoder. */
  | { type: 'configure'; config: AnySessionConfig; keepWeights: boolean; connectivity?: boolean }
  /** Trains until paused, or until the step count reaches `until`. */
  | { type: 'train'; until?: number }
  | { type: 'pause' }
  /** One training step, then paused. */
  | { type: 'step' }
  /** Fresh weights and optimizer state, same config. */
  | { type: 'reset' }
  | { type: 'sample'; prompt: string; temperature: number; length: number }
  /** Encoder-decoder sessions: decode `source` (its symbols must be in the vocabulary) by beam search of width `beam` (1: greedy), answered by `decoded`. */
  | { type: 'decode'; source: string; beam: number }
  /** `step`: the steps the weights were trained for, as the page counts them, recorded in the file (rnnlab.step). */
  | { type: 'exportWeights'; step?: number }
  | { type: 'importWeights'; bytes: ArrayBuffer }
  /** Posts a `checkpoint` of the current session (training goes on). */
  | { type: 'saveCheckpoint' }
  /** Rebuilds a saved session: its settings, weights, optimizer state and step count; then paused. */
  | { type: 'loadCheckpoint'; checkpoint: SavedCheckpoint }
  /** A notebook cell went away: its session stops and frees its buffers (sent with its `session` id). */
  | { type: 'close' };

/**
 * What a task model predicts for validation sequence 0 (the heatmap's sequence), over its real steps
 * and every truncated-BPTT chunk. The form follows the model's shape, not the dataset's name.
 */
export type Prediction =
  /** Real inputs, per-step 'mse', output 1: each step's input (when it is one value), target and prediction. */
  | { kind: 'forecast'; inputs: number[] | null; targets: number[]; predicted: number[] }
  /** Token inputs, per-step 'ce' over named classes (tagging's tags, copy's symbols): each step's word, true and predicted (argmax) class. */
  | { kind: 'labels'; words: string[]; classes: string[]; targets: number[]; predicted: number[] }
  /** Per-sequence 'regress' (the adding task's sum): the target and the predicted vector. */
  | { kind: 'regression'; targets: number[]; predicted: number[] };

/**
 * How strongly the output at each of `outputSteps` depends on the input at each step s:
 * ‖∂y_t/∂x_s‖, row-major [outputSteps.length, inputs] (0 for s > t), for validation sequence 0.
 */
export interface Connectivity {
  outputSteps: number[];
  inputs: number;
  norms: Float32Array;
}

export type FromWorker =
  | { type: 'device'; adapter: string; backend: string; limits: Record<string, number> }
  /** No WebGPU (or no adapter): what the page should tell the user. */
  | { type: 'deviceError'; message: string }
  | {
      type: 'configured';
      model: ModelConfig;
      paramCount: number;
      /** For character models, the characters by id. */
      vocabulary: string[] | null;
      /** Labels of the heatmap sequence's steps (its characters, words or values). */
      stepLabels: string[];
      /** A trivial baseline for the loss, if the dataset has one (e.g. 1/6 for adding). */
      baseline: number | null;
      /** The step kernels of a GPU run (null on the CPU). */
      kernels: KernelReport | null;
    }
  | { type: 'status'; status: SessionStatus; steps: number }
  | {
      type: 'metrics';
      firstStep: number;
      losses: Float32Array;
      gradNorms: Float32Array;
      skipped: Uint8Array;
      msPerStep: number;
      tokensPerSec: number;
    }
  /**
   * `accuracy`: tree sessions' root accuracy on the (deeper) validation trees; encoder-decoder
   * sessions' per-token accuracy of greedy decoding on the (longer) validation pairs, with
   * `exactMatch` the share decoded exactly. `loss`: teacher-forced.
   */
  | { type: 'validation'; step: number; loss: number; accuracy?: number; exactMatch?: number }
  /** An encoder-decoder session's model, instead of `configured`: its symbols (ids 0-2 are <pad>, <bos>, <eos>) and the longest training and validation sources. */
  | {
      type: 'seq2seqConfigured';
      paramCount: number;
      vocabulary: string[];
      maxSource: { train: number; validation: number };
      kernels: KernelReport | null;
    }
  /**
   * At each validation, validation pair 0 decoded greedily: its source symbols, the model's output
   * (up to and with <eos>), the target, and the attention weights, row-major [output.length,
   * source.length] (rows sum to 1; null without attention).
   */
  | { type: 'alignment'; step: number; source: string[]; output: string[]; target: string[]; weights: Float32Array | null }
  /** The answer to `decode`: the beam's hypotheses, best first (one for greedy), or why it could not decode. */
  | { type: 'decoded'; source: string; beam: number; hypotheses: DecodedText[]; error?: string }
  /** A tree session's model, instead of `configured`. */
  | { type: 'treeConfigured'; paramCount: number; classes: string[]; hidden: number; majorityAccuracy: number }
  /** A few validation trees, with each node's prediction and hidden state (tree sessions, at each validation). */
  | { type: 'tree'; step: number; hidden: number; classes: string[]; trees: TreeView[] }
  | { type: 'heatmap'; step: number; T: number; channels: HeatmapChannel[] }
  | { type: 'prediction'; step: number; prediction: Prediction }
  | { type: 'connectivity'; step: number; connectivity: Connectivity }
  | { type: 'sample'; step: number; prompt: string; text: string }
  | { type: 'weights'; bytes: ArrayBuffer }
  /**
   * A weights file was loaded. `step`: the steps it records (rnnlab.step) — the step count then
   * restarts at 0 over weights trained for `step` steps, as after a configure that keeps weights;
   * null: the file records none, and the count goes on.
   */
  | { type: 'weightsImported'; step: number | null }
  | { type: 'checkpoint'; checkpoint: SavedCheckpoint }
  /**
   * The device was lost and the session rebuilt on a new one (or the CPU) from its last good
   * checkpoint, of step `step`: the page drops what it showed after that step. `message` says what happened.
   */
  | { type: 'recovered'; step: number; message: string }
  /** `fatal`: the session cannot continue (the page offers Reset); otherwise training was paused. */
  | { type: 'error'; message: string; fatal: boolean };
