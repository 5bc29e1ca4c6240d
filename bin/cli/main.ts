// rnnlab CLI: `train` and `grad` for sequence models, with --tree for recursive networks over trees
// and with --seq2seq for encoder–decoders, on the same gpu/ code as the page (Node + Dawn); `help`
// explains each command (commands.ts).

import { CliError } from './errors.ts';
import { GpuRunError, setVerbose } from './device.ts';
import { COMMAND_NAMES, type CommandName } from './commands.ts';
import { commandHelp, generalHelp, helpTopics } from './help.ts';
import { grad, train } from './sequence.ts';
import { treeGrad, treeTrain } from './tree.ts';
import { seq2seqGrad, seq2seqTrain } from './seq2seq.ts';
import { GpuLimitError } from '../../gpu/core/context.ts';
import { KernelLimitError } from '../../gpu/core/limits.ts';
import { WebGpuUnavailableError } from '../../gpu/core/device.ts';

const RUN: Record<CommandName, (argv: string[]) => Promise<number>> = {
  train,
  grad,
  'train --tree': treeTrain,
  'grad --tree': treeGrad,
  'train --seq2seq': seq2seqTrain,
  'grad --seq2seq': seq2seqGrad,
};
const HELP_WORDS = ['train', 'grad', 'tree', '--tree', 'seq2seq', '--seq2seq'];
const FAMILIES = ['--tree', '--seq2seq'] as const;
const isHelp = (a: string) => a === '--help' || a === '-h';

export async function main(argv: string[]): Promise<number> {
  // --verbose anywhere: bin/rnnlab.js has read it too (it then lets Dawn's messages through).
  const words = argv.filter((a) => a !== '--verbose');
  setVerbose(words.length < argv.length);
  const [command, ...rest] = words;
  try {
    if (command === undefined) {
      console.log(generalHelp());
      return 2;
    }
    if (command === 'help' || isHelp(command)) {
      const topics = helpTopics(rest);
      const namesBoth = FAMILIES.every((f) => rest.includes(f) || rest.includes(f.slice(2)));
      if (rest.length && (!topics.length || namesBoth || rest.some((w) => !HELP_WORDS.includes(w))))
        throw new CliError(`help: no command "${rest.join(' ')}"; the commands are ${COMMAND_NAMES.join(', ')} (see \`rnnlab help\`)`);
      console.log(topics.length ? topics.map(commandHelp).join('\n\n') : generalHelp());
      return 0;
    }
    if (command !== 'train' && command !== 'grad')
      throw new CliError(`unknown command "${command}"; the commands are train, grad and help (see \`rnnlab help\`)`);
    const families = FAMILIES.filter((f) => rest.includes(f));
    if (families.length > 1) throw new CliError(`${command}: --tree and --seq2seq pick different model families; give one (see \`rnnlab help\`)`);
    const name: CommandName = families.length ? `${command} ${families[0]}` : command;
    const args = rest.filter((a) => !(FAMILIES as readonly string[]).includes(a));
    if (args.some(isHelp)) {
      console.log(commandHelp(name));
      return 0;
    }
    return await RUN[name](args);
  } catch (e) {
    // A model over the device's limits is a user error too: refused before anything ran, the limit named.
    if (e instanceof CliError || e instanceof GpuLimitError || e instanceof KernelLimitError) {
      console.error(`rnnlab: error: ${e.message}`);
      return 2;
    }
    // No adapter, a lost device: said in one line, not as a stack trace.
    if (e instanceof WebGpuUnavailableError || e instanceof GpuRunError) {
      console.error(`rnnlab: error: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
