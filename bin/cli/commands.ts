// The CLI's commands, their options and their files' fields: one table that the option parser
// (options.ts) and the help (help.ts) both read. Defaults, ranges and choices come from the parsers'
// own constants, so what the help prints is what the parsers do.

import { CELLS, LOSSES, MODEL_DEFAULTS, MODEL_LIMITS, NONLINEARITIES } from '../../gpu/recurrent/config.ts';
import { TREE_CELLS, TREE_HEADS, TREE_MODEL_DEFAULTS, TREE_MODEL_LIMITS } from '../../gpu/tree/config.ts';
import { OPTIMIZER_DEFAULTS, OPTIMIZER_KEYS, type OptimizerKind } from '../../gpu/optimizer/config.ts';
import { createTask, TASK_NAMES } from '../../gpu/data/tasks/index.ts';
import { TREE_TASK_NAMES } from '../../gpu/tree/tasks.ts';
import { TRAIN_DEFAULTS, TRAIN_NUMBERS, type NumberField } from './trainConfig.ts';
import { ATTENTIONS, SEQ2SEQ_DEFAULTS, SEQ2SEQ_LIMITS } from '../../gpu/seq2seq/config.ts';
import { TEACHER_FORCING_SHAPES } from '../../gpu/seq2seq/teacherForcing.ts';
import { createPairTask, PAIR_TASK_LENGTHS, PAIR_TASK_NAMES } from '../../gpu/seq2seq/tasks.ts';
import { PAIR_FILE_LIMITS, pairValidationCount } from '../../gpu/seq2seq/pairFile.ts';
import { SEQ2SEQ_BATCH_LIMITS, SEQ2SEQ_TRAIN_DEFAULTS, SEQ2SEQ_TRAIN_NUMBERS, SEQ2SEQ_VALIDATION_SIZE } from './seq2seqFiles.ts';
import { BINARIZE, TREE_BATCH_DEFAULTS, TREE_FORMATS, TREE_TASK_SIZES, TREE_TRAIN_DEFAULTS, TREE_TRAIN_NUMBERS, TREE_VALIDATION_SIZE } from './treeFiles.ts';

export interface OptionHelp {
  name: string;
  /** The value's placeholder; none for a flag. */
  value?: string;
  required?: boolean;
  text: string;
}

export interface FieldHelp {
  name: string;
  /** What it takes: a type, a range, the choices. */
  takes: string;
  /** The default, as JSON or in words; none for a field that must be given. */
  default?: string;
  text?: string;
}

export interface FileHelp {
  /** How the command's usage names the file, and what it is. */
  name: string;
  about: string;
  fields: FieldHelp[];
  example: unknown;
}

export interface CommandHelp {
  usage: string;
  summary: string;
  /** What it prints and writes. */
  output: string;
  options: OptionHelp[];
  /** Built when asked for: the task descriptions come from the tasks themselves. */
  file: () => FileHelp;
  examples: string[];
}

export const COMMAND_NAMES = ['train', 'grad', 'train --tree', 'grad --tree', 'train --seq2seq', 'grad --seq2seq'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** The model families besides sequence models: the options that pick them (main.ts reads them). */
export const FAMILY_OPTIONS: OptionHelp[] = [
  { name: 'tree', text: 'the tree family (recursive networks over binary trees) instead of sequences: `rnnlab help train --tree`' },
  {
    name: 'seq2seq',
    text: 'the encoder–decoder family (sequence to sequence, with or without attention) instead of sequences: `rnnlab help train --seq2seq`',
  },
];

/** Options every command takes (the launcher reads --verbose, main.ts --tree, --seq2seq and --help). */
export const COMMON_OPTIONS: OptionHelp[] = [
  ...FAMILY_OPTIONS,
  { name: 'verbose', text: "let the GPU driver's own messages through (Dawn's probing of the Vulkan drivers) and name the adapter used" },
  { name: 'help', text: "this command's help (also -h, or `rnnlab help <command>`)" },
];

const show = (v: unknown): string => JSON.stringify(v);
const range = (f: Pick<NumberField, 'min' | 'max'>) => `${f.min.toLocaleString('en-US')}–${f.max.toLocaleString('en-US')}`;
/** An integer from 1 to `max`. */
const upTo = (max: number) => `integer ${range({ min: 1, max })}`;
const choices = (c: readonly string[]) => c.map(show).join(' | ');
const int = (f: NumberField, text: string): Omit<FieldHelp, 'name'> => ({ takes: `integer ${range(f)}`, default: show(f.default), text });

function optimizerField(defaults: unknown): FieldHelp {
  const kinds = Object.keys(OPTIMIZER_KEYS) as OptimizerKind[];
  const perKind = kinds.map((k) => {
    const d = OPTIMIZER_DEFAULTS[k];
    return `${k}: ${OPTIMIZER_KEYS[k]
      .filter((key) => key !== 'kind')
      .map((key) => `${key} ${show(d[key])}`)
      .join(', ')}`;
  });
  return {
    name: 'optimizer',
    takes: `{"kind": ${choices(kinds)}, …}`,
    default: show(defaults),
    text:
      "torch.optim's optimizers with their names and defaults (a field of another optimizer is an error); " +
      `a field left out takes the optimizer's default: ${perKind.join('; ')}. Adam's weightDecay is an L2 penalty, AdamW's decoupled`,
  };
}

function runFields(n: typeof TREE_TRAIN_NUMBERS | typeof SEQ2SEQ_TRAIN_NUMBERS, optimizer: unknown, batch: string): FieldHelp[] {
  return [
    { name: 'batchSize', ...int(n.batchSize, batch) },
    { name: 'steps', ...int(n.steps, 'optimizer steps to train (--steps overrides it)') },
    optimizerField(optimizer),
    {
      name: 'clip',
      takes: `number ${range(n.clip)}`,
      default: show(n.clip.default),
      text: "clip_grad_norm_'s max norm (0: off); a step whose gradient norm is not finite is skipped and logged as skipped_steps",
    },
    { name: 'seed', ...int(n.seed, 'seeds the initial weights and the training data (same seed, same run, bit for bit)') },
    { name: 'logEvery', ...int(n.logEvery, 'a log line every this many steps') },
    { name: 'evalEvery', ...int(n.evalEvery, 'a validation line every this many steps (at the end of a batch), and at the end; 0: at the end only') },
  ];
}

const INIT: OptionHelp = {
  name: 'init',
  value: 'FILE',
  text: 'start from these weights; with FILE.optim.safetensors beside them (as --save writes), resume that run: the same config or every difference listed and refused',
};
const SAVE: OptionHelp = { name: 'save', value: 'FILE', text: 'write the weights to FILE and the optimizer state beside them (FILE.optim.safetensors)' };
const STEPS: OptionHelp = { name: 'steps', value: 'N', text: "train to step N instead of the config's steps" };
const KERNELS: OptionHelp = {
  name: 'kernels',
  value: 'SPEC',
  text:
    'the step kernels: "auto" (the default: on a GPU the fastest measured for this shape, kept in ~/.cache/rnnlab, or $RNNLAB_CACHE_DIR; on a CPU adapter the CPU-shaped ones), ' +
    '"tune" (measure now, on any adapter), or names: "tiled-b16-u16-m4-k1", "forward=sequence-r2,backward=blocked". A resumed run replays the kernels its weights record',
};
const CONFIG: OptionHelp = { name: 'config', value: 'FILE', required: true, text: "the run's config: a JSON object with the fields below" };

/** grad's options: the weights, the batch (`what` it holds) and where the gradients go. */
const gradOptions = (weights: string, what: string): OptionHelp[] => [
  { name: 'weights', value: 'FILE', required: true, text: `the model's weights (${weights})` },
  { name: 'batch', value: 'FILE', required: true, text: `${what} and the model config: a JSON object with the fields below` },
  { name: 'out', value: 'FILE', text: 'write the gradients to FILE (safetensors)' },
];

function taskList(): string {
  const T = TRAIN_NUMBERS.seqLen.default;
  return `(described at seqLen ${T}): ${TASK_NAMES.map((name) => `"${name}": ${createTask(name, { T, seed: 0 }).description}`).join(' ')}`;
}

function treeTaskFields(): string {
  return TREE_TASK_NAMES.map((name) => {
    const s = TREE_TASK_SIZES[name];
    return `{"task": "${name}", "${s.keys[0]}": ${range(s.train)} (default ${s.train.default}), "${s.keys[1]}": up to ${s.validationMax} (default ${s.keys[0]} + ${s.deeper}), "validationSize": ${range(TREE_VALIDATION_SIZE)} (default ${TREE_VALIDATION_SIZE.default})}`;
  }).join(', ');
}

const TRAIN: CommandHelp = {
  usage: 'rnnlab train --config cfg.json [--init w.safetensors] [--save out.safetensors] [--steps N] [--kernels auto|tune|SPEC]',
  summary: 'Train a sequence model (Elman RNN, GRU or LSTM) on a character corpus or a built-in task.',
  output:
    'One JSON line per logged step {"step", "loss", "loss_mean", "grad_norm", "ms_per_step", "tokens_per_s"} (loss: the logged step\'s; ' +
    'loss_mean: the mean since the last line), and validation lines {"step", "val_loss"}. A resumed run first prints {"resumed_optimizer_at_step"}. ' +
    'The step kernels used are saved with the weights (rnnlab.step_kernels) and named on stderr with --verbose.',
  options: [CONFIG, INIT, SAVE, STEPS, KERNELS],
  file: () => ({
    name: 'cfg.json',
    about: 'Every field has a default but hidden; an unknown field is an error. input, output and loss are set by the dataset.',
    fields: [
      { name: 'cell', takes: choices(CELLS), default: show(MODEL_DEFAULTS.cell), text: 'the recurrent cell, as torch.nn.RNN, GRU and LSTM' },
      {
        name: 'nonlinearity',
        takes: choices(NONLINEARITIES),
        default: show(MODEL_DEFAULTS.nonlinearity),
        text: 'the Elman cell\'s activation (cell "rnn" only)',
      },
      { name: 'layers', takes: upTo(MODEL_LIMITS.layers), default: show(MODEL_DEFAULTS.layers), text: 'stacked recurrent layers' },
      { name: 'hidden', takes: upTo(MODEL_LIMITS.hidden), text: 'units per layer' },
      {
        name: 'bidirectional',
        takes: 'true | false',
        default: 'false',
        text: 'each layer also reads every sequence backwards, as bidirectional=True (for tasks such as tagging; not for text or forecasting, whose targets it would read, nor with tbptt)',
      },
      {
        name: 'dataset',
        takes: '"moby-dick" | {"text": "file.txt"} | {"task": name}',
        default: show(TRAIN_DEFAULTS.dataset),
        text: `"moby-dick": chapters 1–10 of Moby-Dick, bundled; {"text": path}: a character model of a text file (10% held out for validation); {"task": …}: a built-in task sized by seqLen and seeded ${taskList()}`,
      },
      { name: 'seqLen', ...int(TRAIN_NUMBERS.seqLen, 'steps per training sequence') },
      {
        name: 'tbptt',
        takes: 'integer 1–seqLen that divides seqLen',
        default: 'seqLen (full BPTT)',
        text: 'truncated BPTT: each sequence is trained in chunks of tbptt steps, one optimizer step per chunk, the state carried from chunk to chunk and the gradient cut between them',
      },
      ...runFields(TRAIN_NUMBERS, TRAIN_DEFAULTS.optimizer, 'sequences per step'),
    ],
    example: {
      cell: 'lstm',
      layers: 1,
      hidden: 128,
      dataset: 'moby-dick',
      seqLen: 64,
      tbptt: 16,
      batchSize: 32,
      steps: 500,
      optimizer: { kind: 'adam', lr: 0.002 },
      clip: 1,
      seed: 0,
      logEvery: 10,
      evalEvery: 100,
    },
  }),
  examples: [
    'rnnlab train --config cfg.json --save model.safetensors',
    'rnnlab train --config cfg.json --init model.safetensors --save model.safetensors --steps 1000   # resume to step 1000',
  ],
};

const GRAD: CommandHelp = {
  usage: 'rnnlab grad --weights w.safetensors --batch batch.json [--out grads.safetensors]',
  summary: 'One forward and backward pass of a sequence model on a given batch: the loss and every gradient, to compare with PyTorch.',
  output: 'Prints {"loss"}; --out writes the gradients under the parameters\' PyTorch names (rnn.weight_ih_l0, …, head.bias).',
  options: gradOptions("safetensors, as `train --save` or PyTorch's save_file write them", 'the batch'),
  file: () => ({
    name: 'batch.json',
    about:
      "Batch-first, as with batch_first=True: x[b][t]. With lengths, entries past a sequence's end are padding and never read. h0/c0: [layers][B][hidden], or [2·layers][B][hidden] for a bidirectional model (direction fastest, as PyTorch's h_0).",
    fields: [
      { name: 'cell', takes: choices(CELLS), default: show(MODEL_DEFAULTS.cell) },
      { name: 'nonlinearity', takes: choices(NONLINEARITIES), default: show(MODEL_DEFAULTS.nonlinearity), text: 'cell "rnn" only' },
      { name: 'layers', takes: upTo(MODEL_LIMITS.layers), default: show(MODEL_DEFAULTS.layers) },
      { name: 'hidden', takes: upTo(MODEL_LIMITS.hidden) },
      {
        name: 'bidirectional',
        takes: 'true | false',
        default: 'false',
        text: 'a reverse direction per layer (rnn.*_l0_reverse, …); the head reads [forward; reverse], 2·hidden wide',
      },
      {
        name: 'input',
        takes: `{"kind": "tokens", "vocab": ${range({ min: 1, max: MODEL_LIMITS.vocab })}} | {"kind": "real", "features": ${range({ min: 1, max: MODEL_LIMITS.features })}}`,
        text: 'token ids (x: [B][T] ids) or real vectors (x: [B][T][F])',
      },
      { name: 'output', takes: upTo(MODEL_LIMITS.output), default: 'vocab, for token inputs', text: "the head's size" },
      {
        name: 'loss',
        takes: choices(LOSSES),
        default: show(MODEL_DEFAULTS.loss),
        text: '"ce": y [B][T] class ids, cross-entropy at every step; "mse": y [B][T][O], squared error at every step; "class": y [B] ids on each sequence\'s final state; "regress": y [B][O] on each final state. Means, as PyTorch\'s defaults',
      },
      { name: 'x', takes: '[B][T] ids | [B][T][F] numbers', text: 'the inputs' },
      { name: 'y', takes: 'as loss says', text: 'the targets' },
      { name: 'lengths', takes: '[B] integers 1–T', default: 'T each', text: "real steps per sequence (PyTorch's packed sequences)" },
      { name: 'h0', takes: '[L][B][H] numbers ([2L][B][H] bidirectional)', default: 'zeros', text: 'initial hidden states' },
      { name: 'c0', takes: '[L][B][H] numbers', default: 'zeros', text: 'initial cell states (cell "lstm" only)' },
    ],
    // Two sequences of 2-feature vectors, classified on their final states; the second is one step long.
    example: {
      cell: 'gru',
      hidden: 4,
      input: { kind: 'real', features: 2 },
      output: 3,
      loss: 'class',
      x: [
        [
          [0.5, -1],
          [0.25, 0],
        ],
        [
          [1, 1],
          [0, 0],
        ],
      ],
      y: [2, 0],
      lengths: [2, 1],
    },
  }),
  examples: ['rnnlab grad --weights model.safetensors --batch batch.json --out grads.safetensors'],
};

const TREE_TRAIN: CommandHelp = {
  usage: 'rnnlab train --tree --config cfg.json [--init w.safetensors] [--save out.safetensors] [--steps N]',
  summary: 'Train a recursive network (tree RNN or binary Tree-LSTM) over binary trees: a built-in task or files of labelled trees.',
  output:
    'Log lines {"step", "loss", "loss_mean", "grad_norm", "ms_per_step", "nodes_per_s"} and validation lines ' +
    '{"step", "val_loss", "val_root_accuracy", "val_node_accuracy", "majority_root_accuracy"}. --save writes the weights with the vocabulary.',
  options: [CONFIG, INIT, SAVE, STEPS],
  file: () => ({
    name: 'cfg.json',
    about: 'Every field has a default but hidden and dataset; an unknown field is an error. The vocabulary and the classes come from the data.',
    fields: [
      {
        name: 'cell',
        takes: choices(TREE_CELLS),
        default: show(TREE_MODEL_DEFAULTS.cell),
        text: 'the tree RNN (Socher et al.) or the binary Tree-LSTM (Tai et al.)',
      },
      { name: 'hidden', takes: upTo(TREE_MODEL_LIMITS.hidden) },
      {
        name: 'heads',
        takes: choices(TREE_HEADS),
        default: "the dataset's: every labelled node",
        text: "train the head on each tree's root, or on every labelled node",
      },
      {
        name: 'dataset',
        takes: '{"task": name, …} | {"trees": "train.txt", "validation": "dev.txt", "classes": C}',
        text: `a built-in task: ${treeTaskFields()}; or files of PTB-style labelled trees (the vocabulary is every token of both; classes default: the largest label + 1)`,
      },
      ...runFields(TREE_TRAIN_NUMBERS, TREE_TRAIN_DEFAULTS.optimizer, 'trees per step'),
    ],
    example: { cell: 'lstm', hidden: 32, dataset: { task: 'arithmetic', trainDepth: 2, validationDepth: 4 }, batchSize: 32, steps: 300, evalEvery: 100 },
  }),
  examples: ['rnnlab train --tree --config cfg.json --save trees.safetensors'],
};

const TREE_GRAD: CommandHelp = {
  usage: 'rnnlab grad --tree --weights w.safetensors --batch trees.json [--out grads.safetensors]',
  summary: 'One forward and backward pass of a tree model on a ragged batch of bracketed trees.',
  output: 'Prints {"loss", "trees", "nodes", "levels"}; --out writes the gradients under the parameter names.',
  options: gradOptions('safetensors, as `train --tree --save` writes them', 'the trees'),
  file: () => ({
    name: 'trees.json',
    about: 'The trees form one ragged batch.',
    fields: [
      { name: 'cell', takes: choices(TREE_CELLS), default: show(TREE_MODEL_DEFAULTS.cell) },
      { name: 'hidden', takes: upTo(TREE_MODEL_LIMITS.hidden) },
      { name: 'classes', takes: upTo(TREE_MODEL_LIMITS.classes), text: "the head's size" },
      { name: 'heads', takes: choices(TREE_HEADS), default: show(TREE_MODEL_DEFAULTS.heads), text: "the loss on each tree's root, or on every labelled node" },
      {
        name: 'vocab',
        takes: `["token", …] | ${upTo(TREE_MODEL_LIMITS.vocab)}`,
        text: 'the tokens in id order, or a number V: the tokens are then "0" … "V-1"',
      },
      {
        name: 'format',
        takes: choices(TREE_FORMATS),
        default: show(TREE_BATCH_DEFAULTS.format),
        text: 'S-expressions "(+ 3 (* 2 4))" or PTB-style labelled trees "(2 (1 a) b)"',
      },
      {
        name: 'binarize',
        takes: choices(BINARIZE),
        default: show(TREE_BATCH_DEFAULTS.binarize),
        text: 'brackets of more than two items: nest them to the left, or refuse them',
      },
      { name: 'trees', takes: '["(…)", …]', text: 'one bracketed tree per string' },
      {
        name: 'labels',
        takes: '[integer 0–classes-1, …]',
        text: "one root label per tree: required for S-expressions; for PTB trees they replace the roots' labels",
      },
    ],
    example: {
      cell: 'lstm',
      hidden: 6,
      classes: 10,
      heads: 'root',
      vocab: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '*'],
      format: 'sexpr',
      trees: ['(+ 3 (* 2 4))', '(7)', '(* (+ 1 2) (+ 3 (* 4 5)))'],
      labels: [1, 7, 9],
    },
  }),
  examples: ['rnnlab grad --tree --weights trees.safetensors --batch trees.json --out grads.safetensors'],
};

/** The encoder–decoder's model fields, as a train config and a batch file hold them (vocab: the batch file's only). */
function seq2seqModelFields(vocab: boolean): FieldHelp[] {
  const d = SEQ2SEQ_DEFAULTS;
  return [
    { name: 'cell', takes: choices(CELLS), default: show(d.cell), text: 'the cell of the encoder and of the decoder, as torch.nn.RNN, GRU and LSTM' },
    { name: 'nonlinearity', takes: choices(NONLINEARITIES), default: show(d.nonlinearity), text: 'the Elman cell\'s activation (cell "rnn" only)' },
    {
      name: 'layers',
      takes: upTo(SEQ2SEQ_LIMITS.layers),
      default: show(d.layers),
      text: "layers of the encoder and of the decoder; the decoder's layer l starts from the encoder's layer l's final state",
    },
    {
      name: 'hidden',
      takes: upTo(SEQ2SEQ_LIMITS.hidden),
      text: 'H: units per encoder layer and direction; the decoder is D·H wide (D = 2 when bidirectional)',
    },
    {
      name: 'bidirectional',
      takes: 'true | false',
      default: 'false',
      text: 'the encoder reads each source both ways (the decoder starts from [forward; reverse] and attends over both); the decoder is always unidirectional',
    },
    ...(vocab
      ? [
          {
            name: 'vocab',
            takes: `integer 4–${SEQ2SEQ_LIMITS.vocab.toLocaleString('en-US')}`,
            text: 'V: the shared source and target vocabulary, the specials included (ids 0 <pad>, 1 <bos>, 2 <eos>; symbols 3 … V-1)',
          },
        ]
      : []),
    {
      name: 'attention',
      takes: choices(ATTENTIONS),
      default: show(d.attention),
      text:
        'how the decoder scores the encoder outputs (Luong et al. 2015): "dot" sᵀe, "general" sᵀW e, "additive" vᵀtanh(W₁s + W₂e) (Bahdanau et al.); ' +
        'with attention the readout is out(tanh(combine([context; s]))), with "none" out(s), the plain encoder–decoder',
    },
    {
      name: 'attentionSize',
      takes: upTo(SEQ2SEQ_LIMITS.attentionSize),
      default: 'hidden',
      text: 'the width of the additive score\'s hidden layer (attention "additive" only)',
    },
  ];
}

function pairTaskFields(): string {
  return PAIR_TASK_NAMES.map((name) => {
    const L = PAIR_TASK_LENGTHS[name];
    return `"${name}" (maxLength ${range(L)}, default ${L.default}: ${createPairTask(name, { seed: 0 }).description})`;
  }).join('; ');
}

const SEQ2SEQ_TRAIN: CommandHelp = {
  usage: 'rnnlab train --seq2seq --config cfg.json [--init w.safetensors] [--save out.safetensors] [--steps N]',
  summary: 'Train an encoder–decoder (sequence to sequence, with or without attention) on a built-in pair task or a file of pairs.',
  output:
    'Log lines {"step", "loss", "loss_mean", "grad_norm", "ms_per_step", "tokens_per_s"} (loss: the cross-entropy per target token, <eos> included, under the step\'s teacher forcing; ' +
    'tokens_per_s: source and target tokens trained per second) and validation lines {"step", "val_loss", "val_token_accuracy", "val_exact_match"}: ' +
    "the teacher-forced loss of the validation pairs, then greedy decoding of each (up to its batch's target steps), scored per target token (<eos> included) " +
    'and per whole sequence. Validation runs the float64 reference on the CPU on weights read back from the GPU. --save writes the weights with the vocabulary.',
  options: [CONFIG, INIT, SAVE, STEPS],
  file: () => ({
    name: 'cfg.json',
    about:
      'Every field has a default but hidden and dataset; an unknown field is an error. The vocabulary comes from the data. Training batches are sized to the ' +
      "task's training lengths, the validation batch to its (longer) validation lengths: validation measures length generalisation.",
    fields: [
      ...seq2seqModelFields(false),
      {
        name: 'dataset',
        takes: '{"task": name, "maxLength": N, "validationSize": N} | {"pairs": "pairs.tsv", "validationSize": N}',
        text:
          `a built-in task, seeded: ${pairTaskFields()}; validationSize ${range(SEQ2SEQ_VALIDATION_SIZE)} pairs (default ${SEQ2SEQ_VALIDATION_SIZE.default}). ` +
          `Or a UTF-8 file of pairs, one source<TAB>target per line, every character a symbol (spaces included; at most ${PAIR_FILE_LIMITS.symbolsPerSide} per side, ` +
          `${PAIR_FILE_LIMITS.pairs.toLocaleString('en-US')} pairs): the last 10% validate (at least 1, at most ${pairValidationCount(Infinity).toLocaleString('en-US')}; ` +
          'validationSize: fewer), the others train in a seeded shuffle, epoch after epoch',
      },
      ...runFields(SEQ2SEQ_TRAIN_NUMBERS, SEQ2SEQ_TRAIN_DEFAULTS.optimizer, 'pairs per step'),
      {
        name: 'teacherForcing',
        takes: `a ratio 0–1 | {"from": r, "to": r, "steps": N, "shape": ${TEACHER_FORCING_SHAPES.map((x) => `"${x}"`).join(' | ')}}`,
        default: '1',
        text:
          "the share of target steps where the decoder reads the target's previous symbol; at the others it reads the argmax of its own logits " +
          '(scheduled sampling). A schedule goes from `from` (default 1) at step 0 to `to` at `steps` (linear, or an inverse sigmoid: flat, steepest ' +
          'halfway, flat), and on from the saved step after a resume; log lines then carry "teacher_forcing", the ratio of their step',
      },
    ],
    example: {
      cell: 'gru',
      hidden: 64,
      attention: 'dot',
      dataset: { task: 'reverse', maxLength: 8, validationSize: 256 },
      batchSize: 32,
      steps: 2000,
      optimizer: { kind: 'adam', lr: 0.005 },
      clip: 1,
      logEvery: 100,
      evalEvery: 500,
    },
  }),
  examples: [
    'rnnlab train --seq2seq --config cfg.json --save s2s.safetensors',
    'rnnlab train --seq2seq --config cfg.json --init s2s.safetensors --save s2s.safetensors --steps 4000   # resume to step 4000',
  ],
};

const SEQ2SEQ_GRAD: CommandHelp = {
  usage: 'rnnlab grad --seq2seq --weights w.safetensors --batch pairs.json [--out grads.safetensors]',
  summary: 'One forward and backward pass of an encoder–decoder on a batch of id sequences: the loss and every gradient, to compare with PyTorch.',
  output:
    'Prints {"loss", "pairs", "source_steps", "target_steps", "computed_on"}: the cross-entropy averaged over every real target step (<eos> included). ' +
    'It is computed on the GPU (computed_on), a mask with 0s included: the decoder then reads its own predictions there, chosen on the GPU. ' +
    '--out writes the gradients under the parameter names.',
  options: gradOptions('safetensors, as `train --seq2seq --save` writes them', 'the pairs'),
  file: () => ({
    name: 'pairs.json',
    about:
      'Batch-first lists of ids, ragged: sources and targets of any lengths form one padded batch (S: the longest source, U: the longest target + 1). ' +
      'Ids 0 <pad>, 1 <bos> and 2 <eos> are the specials: sources and targets hold symbol ids 3 … V-1, and the CLI appends <eos> to every target. ' +
      'The decoder reads <bos> at its first step, then target[b][i] at step i+1 (teacher forcing).',
    fields: [
      ...seq2seqModelFields(true),
      {
        name: 'source',
        takes: `[B][1–${SEQ2SEQ_BATCH_LIMITS.steps}] symbol ids`,
        text: `the B sources (B 1–${SEQ2SEQ_BATCH_LIMITS.pairs.toLocaleString('en-US')})`,
      },
      {
        name: 'target',
        takes: `[B][0–${SEQ2SEQ_BATCH_LIMITS.steps}] symbol ids`,
        text: 'the targets, without <eos> (appended: an empty target is <eos> alone)',
      },
      {
        name: 'mask',
        takes: '[B][len(target[b])] of 0 | 1',
        default: 'all 1',
        text:
          'teacher forcing per target symbol: 1 feeds target[b][i] to the decoder at step i+1, 0 feeds instead the argmax of its own logits at step i ' +
          "(no gradient through that choice), as scripts/seq2seq_parity.py's module",
      },
    ],
    example: {
      cell: 'gru',
      hidden: 4,
      vocab: 8,
      attention: 'dot',
      source: [
        [3, 4, 5, 6],
        [7, 3],
      ],
      target: [
        [6, 5, 4, 3],
        [3, 7],
      ],
    },
  }),
  examples: ['rnnlab grad --seq2seq --weights s2s.safetensors --batch pairs.json --out grads.safetensors'],
};

export const COMMANDS: Record<CommandName, CommandHelp> = {
  train: TRAIN,
  grad: GRAD,
  'train --tree': TREE_TRAIN,
  'grad --tree': TREE_GRAD,
  'train --seq2seq': SEQ2SEQ_TRAIN,
  'grad --seq2seq': SEQ2SEQ_GRAD,
};
