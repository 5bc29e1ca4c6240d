// `rnnlab help [command]` and `rnnlab <command> --help`: the text, made from commands.ts.

import { COMMAND_NAMES, COMMANDS, COMMON_OPTIONS, FAMILY_OPTIONS, type CommandName, type FieldHelp, type OptionHelp } from './commands.ts';

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
    'Usage: rnnlab <command> [--tree | --seq2seq] [options]',
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
    // A sequence model's command names the other families' options; a family's command does not.
    ...COMMON_OPTIONS.filter((o) => !name.includes(' ') || !FAMILY_OPTIONS.includes(o)).map(optionRow),
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

/** The family a help request names: `--tree`/`tree`, `--seq2seq`/`seq2seq`, or none (sequence models). */
function familyOf(words: string[]): '' | ' --tree' | ' --seq2seq' {
  if (words.includes('--tree') || words.includes('tree')) return ' --tree';
  if (words.includes('--seq2seq') || words.includes('seq2seq')) return ' --seq2seq';
  return '';
}

/** The command a help request names: `train`, `grad --tree`, `seq2seq train`, …; undefined when none. */
export function helpTopic(words: string[]): CommandName | undefined {
  const command = words.find((w) => w === 'train' || w === 'grad');
  return command && (`${command}${familyOf(words)}` as CommandName);
}

/** The commands a help request is about: the one it names, or a family's two (`help seq2seq`, `help tree`); none for an unknown request. */
export function helpTopics(words: string[]): CommandName[] {
  const topic = helpTopic(words);
  if (topic) return [topic];
  const family = familyOf(words);
  return family ? [`train${family}` as CommandName, `grad${family}` as CommandName] : [];
}
