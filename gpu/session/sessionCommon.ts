// Pure helpers shared by the GPU TrainingSession (session.ts) and its CPU fallback, CpuSession
// (cpuSession.ts): the parts of the protocol that do not depend on where the model runs (texts,
// request checks, the validation's chunks), so both sessions answer the page alike.

import type { Batch } from '../data/batch.ts';
import { splitSteps } from '../data/split.ts';
import { decodeWeights, VOCAB_KEY } from '../recurrent/weights.ts';
import { paramLayout } from '../recurrent/params.ts';
import type { OptimizerConfig } from '../optimizer/config.ts';
import type { SessionData } from './sessionData.ts';
import { isTreeCheckpoint, isTreeConfig, type FromWorker, type SavedSession, type SessionConfig, type ToWorker } from './protocol.ts';

/** The commands both sessions (GPU and CPU) answer, one per message. */
export interface SessionCommands {
  configure(config: SessionConfig, keepWeights: boolean): Promise<unknown>;
  train(until?: number): Promise<void>;
  showConnectivity: boolean;
  pause(): Promise<void>;
  step(): Promise<void>;
  reset(): Promise<void>;
  sample(prompt: string, temperature: number, length: number): Promise<void> | void;
  exportWeights(): Promise<void> | void;
  importWeights(bytes: ArrayBuffer): Promise<void> | void;
  saveCheckpoint(): Promise<void> | void;
  loadCheckpoint(checkpoint: SavedSession): Promise<unknown>;
}

/** Runs one message's command on a session. */
export async function dispatch(s: SessionCommands, msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'init':
      return; // the worker entry's message
    case 'configure':
      s.showConnectivity = msg.connectivity === true;
      if (isTreeConfig(msg.config)) throw new Error('a tree model needs a tree session (the worker entry makes one)');
      return void (await s.configure(msg.config, msg.keepWeights));
    case 'train':
      return s.train(msg.until);
    case 'close':
      return; // the worker entry's message
    case 'pause':
      return s.pause();
    case 'step':
      return s.step();
    case 'reset':
      return s.reset();
    case 'sample':
      return s.sample(msg.prompt, msg.temperature, msg.length);
    case 'exportWeights':
      return s.exportWeights();
    case 'importWeights':
      return s.importWeights(msg.bytes);
    case 'saveCheckpoint':
      return s.saveCheckpoint();
    case 'loadCheckpoint':
      if (isTreeCheckpoint(msg.checkpoint)) throw new Error('a tree model needs a tree session (the worker entry makes one)');
      return void (await s.loadCheckpoint(msg.checkpoint));
  }
}

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
export const nextTask = (): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Same parameter names and shapes: weights can move from one model to the other. */
export function sameLayout(a: SessionData, b: SessionData): boolean {
  const [x, y] = [paramLayout(a.model).specs, paramLayout(b.model).specs];
  return x.length === y.length && x.every((s, i) => s.name === y[i].name && s.shape.join() === y[i].shape.join());
}

/** The `configured` message announcing a session's model and data. */
export function configuredMessage(data: SessionData): Extract<FromWorker, { type: 'configured' }> {
  const { model, vocab, stepLabels, baseline } = data;
  const paramCount = paramLayout(model).specs.reduce((n, s) => n + s.size, 0);
  return { type: 'configured', model, paramCount, vocabulary: vocab ? vocab.chars.slice() : null, stepLabels, baseline };
}

/** The text of the non-fatal error posted after a diverged run was rolled back to `restoredStep`. */
export function divergenceMessage(d: { step: number; loss: number }, restoredStep: number, o: OptimizerConfig): string {
  const what = Number.isFinite(d.loss) ? 'the gradient was not finite' : `the loss became ${d.loss}`;
  return (
    `Training diverged at step ${d.step} (${what}). Paused and restored the weights of step ${restoredStep}. ` +
    `Try a lower learning rate (now ${o.lr})${o.clip ? '' : ' or gradient clipping'}.`
  );
}

/**
 * Checks a sample request: the prompt actually used (characters outside the vocabulary dropped;
 * empty: a newline or the first character), or the error to post.
 */
export function samplePrompt(
  config: SessionConfig,
  data: SessionData,
  prompt: string,
  temperature: number,
  length: number,
): { prompt: string } | { error: string } {
  const vocab = data.vocab;
  if (!vocab) return { error: `Sampling is for character models; the task "${config.dataset.name}" is not one.` };
  if (!(Number.isInteger(length) && length >= 1 && length <= 100_000))
    return { error: `Sample length must be an integer between 1 and 100000, got ${length}.` };
  if (!(temperature > 0 && Number.isFinite(temperature))) return { error: `Sample temperature must be a positive number, got ${temperature}.` };
  const used = Array.from(prompt)
    .filter((c) => vocab.chars.includes(c))
    .join('');
  return { prompt: used || (vocab.chars.includes('\n') ? '\n' : vocab.chars[0]) };
}

/** The weights of an imported safetensors file for the session's model; throws with the reason. */
export function importedParams(bytes: ArrayBuffer, data: SessionData): Float32Array {
  const w = decodeWeights(new Uint8Array(bytes), data.model);
  const vocab = w.metadata[VOCAB_KEY];
  if (vocab !== undefined && data.vocab && vocab !== data.metadata[VOCAB_KEY])
    throw new Error('they were trained on a text with other characters (the vocabulary differs)');
  return w.params;
}

/** The validation batch as the trainer steps through it: truncated-BPTT chunks, or the whole batch. */
export function validationChunks(data: SessionData): Batch[] {
  return data.T < data.seqLen ? splitSteps(data.validation, data.T) : [data.validation];
}

/** The real steps of a chunk: its weight in the validation loss (chunk losses are means over them). */
export function realSteps(chunk: Batch): number {
  return chunk.lengths ? chunk.lengths.reduce((s, n) => s + n, 0) : chunk.T * chunk.B;
}
