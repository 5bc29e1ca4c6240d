// A command's options, parsed against its entry in commands.ts: an unknown option, a missing value or
// a missing required option is a one-line error that points to the command's help.

import { parseArgs } from 'node:util';
import { COMMANDS, type CommandName } from './commands.ts';
import { CliError } from './errors.ts';

export function options(command: CommandName, argv: string[]): Record<string, string | undefined> {
  const spec = COMMANDS[command].options;
  const help = `see \`rnnlab help ${command}\``;
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options: Object.fromEntries(spec.map((o) => [o.name, { type: 'string' as const }])), strict: true }).values;
  } catch (e) {
    const { code, message } = e as { code?: string; message: string };
    const arg = /'([^']*)'/.exec(message)?.[1] ?? '';
    const known = spec.map((o) => `--${o.name}`).join(', ');
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new CliError(`${command}: unknown option ${arg}; its options are ${known} (${help})`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new CliError(`${command}: ${arg.split(' ')[0]} needs a value (${help})`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
      throw new CliError(`${command}: unexpected argument ${JSON.stringify(arg)}; its options are ${known} (${help})`);
    throw new CliError(`${command}: ${message} (${help})`);
  }
  for (const o of spec) if (o.required && values[o.name] === undefined) throw new CliError(`${command}: --${o.name} ${o.value ?? ''} is required (${help})`);
  return values as Record<string, string | undefined>;
}

/** --steps: how many steps the run trains to, instead of the config's. */
export function stepsOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`--steps must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}
