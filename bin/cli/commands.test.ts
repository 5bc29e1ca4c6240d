// The help table against the parsers: every field a file may hold is explained, none that it may
// not, and every example parses.
import { describe, expect, it } from 'vitest';
import { COMMANDS, type CommandName } from './commands.ts';
import { MODEL_KEYS } from '../../gpu/recurrent/config.ts';
import { parseTrainConfig, TRAIN_KEYS } from './trainConfig.ts';
import { BATCH_KEYS, parseBatchFile } from './batchFile.ts';
import { parseTreeBatchFile, parseTreeTrainConfig, TREE_BATCH_KEYS, TREE_MODEL_FIELDS, TREE_TRAIN_KEYS } from './treeFiles.ts';
import { parseSeq2SeqBatchFile, parseSeq2SeqTrainConfig, SEQ2SEQ_BATCH_KEYS, SEQ2SEQ_MODEL_FIELDS, SEQ2SEQ_TRAIN_KEYS } from './seq2seqFiles.ts';

const FILES: Record<CommandName, { keys: readonly string[]; parse: (raw: unknown) => unknown }> = {
  // input, output and loss are the dataset's for train (the parser refuses them there).
  train: { keys: [...MODEL_KEYS.filter((k) => !['input', 'output', 'loss'].includes(k)), ...TRAIN_KEYS], parse: parseTrainConfig },
  grad: { keys: BATCH_KEYS, parse: parseBatchFile },
  'train --tree': { keys: [...TREE_MODEL_FIELDS, ...TREE_TRAIN_KEYS], parse: parseTreeTrainConfig },
  'grad --tree': { keys: TREE_BATCH_KEYS, parse: parseTreeBatchFile },
  'train --seq2seq': { keys: [...SEQ2SEQ_MODEL_FIELDS, ...SEQ2SEQ_TRAIN_KEYS], parse: parseSeq2SeqTrainConfig },
  'grad --seq2seq': { keys: SEQ2SEQ_BATCH_KEYS, parse: parseSeq2SeqBatchFile },
};

describe('the help table', () => {
  for (const [name, { keys, parse }] of Object.entries(FILES)) {
    it(`${name}: explains exactly the fields its file may hold`, () => {
      expect(
        COMMANDS[name as CommandName]
          .file()
          .fields.map((f) => f.name)
          .sort(),
      ).toEqual([...keys].sort());
    });

    it(`${name}: its example file parses`, () => {
      expect(() => parse(COMMANDS[name as CommandName].file().example)).not.toThrow();
    });
  }
});
