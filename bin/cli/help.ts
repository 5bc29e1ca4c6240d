// `rnnlab help [command]` and `rnnlab <command> --help`: the text, made from commands.ts.

import { COMMAND_NAMES, COMMANDS, COMMON_OPTIONS, type CommandName, type FieldHelp, type OptionHelp } from './commands.ts';

const WIDTH = 100;

/** `text` in lines of at most WIDTH characters, each after `indent` (the first after `first`). */
function wrap(text: string, indent: string, first = indent): string {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = indent + word;
    } else line += (empty ? '' : ' ') + word;
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

/** `  name  text`, the text wrapped in a column of its own. */
function row(name: string, text: string, column = 18): string {
  const head = `  ${name}`;
  const pad = ' '.repeat(column);
  return head.length < column ? wrap(text, pad, head.padEnd(column)) : `${head}\n${wrap(text, pad)}`;
}

const optionRow = (o: OptionHelp) => row(`--${o.name}${o.value ? ` ${o.value}` : ''}`, `${o.required ? 'required: ' : ''}${o.text}`);

function fieldRow(f: FieldHelp): string {
  const value = `${f.takes}, ${f.default === undefined ? 'required' : `default ${f.default}`}`;
  return row(f.name, f.text ? `${value} — ${f.text}` : value);
}

export function generalHelp(): string {
  return [
    'rnnlab: train recurrent networks on WebGPU in Node (Dawn), with the same code as the page.',
    '',
    'Usage: rnnlab <command> [--tree] [options]',
    '',
    'Commands:',
    ...COMMAND_NAMES.map((name) => row(name, COMMANDS[name].summary)),
    row('help [command]', "This help, or a command's: its options, its file's fields with their defaults, examples."),
    '',
    'Options of every command:',
    ...COMMON_OPTIONS.map(optionRow),
    '',
    wrap('Exit status: 0 when done; 2 for a usage, config or file error (one line on stderr, nothing written); 1 when the GPU fails.', ''),
    '',
    wrap(`For a command's options and fields: ${COMMAND_NAMES.map((c) => `\`rnnlab help ${c}\``).join(', ')}.`, ''),
  ].join('\n');
}

export function commandHelp(name: CommandName): string {
  const c = COMMANDS[name];
  const file = c.file();
  return [
    `Usage: ${c.usage}`,
    '',
    wrap(`${c.summary} ${c.output}`, ''),
    '',
    'Options:',
    ...c.options.map(optionRow),
    ...COMMON_OPTIONS.filter((o) => o.name !== 'tree').map(optionRow),
    '',
    `${file.name}:`,
    wrap(file.about, '  '),
    ...file.fields.map(fieldRow),
    '',
    `Example ${file.name}:`,
    `  ${JSON.stringify(file.example)}`,
    '',
    'Examples:',
    ...c.examples.map((e) => `  ${e}`),
  ].join('\n');
}

/** The command a help request names: `train`, `grad --tree`, `tree train`, …; undefined when none. */
export function helpTopic(words: string[]): CommandName | undefined {
  const tree = words.includes('--tree') || words.includes('tree');
  const command = words.find((w) => w === 'train' || w === 'grad');
  return command && ((tree ? `${command} --tree` : command) as CommandName);
}
