// Where `rnnlab train` gets its batches: a character corpus (the bundled one or a text file), with a
// 90/10 train/validation split, or a built-in synthetic task.

import { CharBatcher, CharVocab } from '../../gpu/data/chars.ts';
import { createTask } from '../../gpu/data/tasks/index.ts';
import { Rng } from '../../gpu/core/rng.ts';
import type { Batch } from '../../gpu/data/batch.ts';
import type { ModelConfig } from '../../gpu/recurrent/config.ts';
import type { Dataset } from './trainConfig.ts';
import { VOCAB_KEY } from '../../gpu/recurrent/weights.ts';
import { CliError } from './errors.ts';
import { ConfigError } from '../../gpu/core/validate.ts';

export interface DataSource {
  /** What the data fixes about the model. */
  model: Pick<ModelConfig, 'input' | 'output' | 'loss'>;
  /** Text: each step's target is the next step's input (so a bidirectional model would read its answers). */
  predictsNextInput: boolean;
  next(): Batch;
  validation: Batch;
  /** Saved in the weights' __metadata__ (the vocabulary of a character model, the task's name). */
  metadata: Record<string, string>;
}

export function openDataSource(d: Dataset, T: number, B: number, seed: number, readText: (path: string) => string, builtinText: () => string): DataSource {
  if ('task' in d) {
    let task;
    try {
      task = createTask(d.task, { T, seed });
    } catch (e) {
      throw new ConfigError('dataset.task', (e as Error).message);
    }
    const rng = new Rng(seed + 1);
    return {
      model: task.model,
      predictsNextInput: !!task.predictsNextInput,
      next: () => task.batch(B, rng),
      validation: task.validation(B),
      metadata: { 'rnnlab.task': d.task },
    };
  }
  const text = 'text' in d ? readText(d.text) : builtinText();
  const vocab = CharVocab.fromText(text);
  const ids = vocab.encode(text);
  const split = Math.floor(ids.length * 0.9);
  const [train, valid] = [ids.subarray(0, split), ids.subarray(split)];
  if (valid.length < T + 1) throw new CliError(`dataset: ${ids.length} characters is too short for seqLen ${T} (10% is kept for validation)`);
  const batcher = new CharBatcher(train, T, B, seed + 1);
  return {
    model: { input: { kind: 'tokens', vocab: vocab.size }, output: vocab.size, loss: 'ce' },
    predictsNextInput: true,
    next: () => batcher.next(),
    validation: new CharBatcher(valid, T, B, seed + 2).next(),
    metadata: { [VOCAB_KEY]: JSON.stringify(vocab.chars) },
  };
}
