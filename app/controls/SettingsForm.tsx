// The settings: dataset, model (bidirectional for the sequence models and an encoder–decoder's encoder; an encoder–decoder's attention),
// truncated BPTT (tree depths; an encoder–decoder's training size), optimizer. Each field shows its own error; valid edits are applied
// by the page's controller (lab/pageLab.ts) (at once for choices, after a pause in typing for numbers).

import { lab } from '../lab/pageLab.ts';
import { useStore } from '../store/index.ts';
import { ATTENTIONS, type Attention } from '../../gpu/seq2seq/config.ts';
import { PAIR_TASK_LENGTHS, VALIDATION_EXTRA } from '../../gpu/seq2seq/tasks.ts';
import { CELL_CHOICES, MAX_LENGTH_UNITS, noBidirectional, OPTIMIZERS, type CellChoice, type FormValues, type OptimizerChoice } from '../config/schema.ts';
import { datasetInfo, PAIRS_UPLOAD, TREE_CELLS, type DatasetId, type Seq2SeqDatasetId } from '../config/datasets.ts';
import { DatasetField } from './DatasetField.tsx';
import { Field } from './Field.tsx';
import { NumberField } from './NumberField.tsx';

const CELL_LABELS: Record<CellChoice, string> = {
  'rnn-tanh': 'RNN (tanh)',
  'rnn-relu': 'RNN (ReLU)',
  gru: 'GRU',
  lstm: 'LSTM',
  'tree-rnn': 'Tree RNN',
  'tree-lstm': 'Tree-LSTM',
};
const OPTIMIZER_LABELS: Record<OptimizerChoice, string> = { sgd: 'SGD', adam: 'Adam', adamw: 'AdamW' };
const ATTENTION_LABELS: Record<Attention, string> = {
  none: 'None (final state only)',
  dot: 'Dot product (Luong)',
  general: 'General (Luong)',
  additive: 'Additive (Bahdanau)',
};

/** The training-size field of a generated pair task: its label and hint. */
function maxLengthField(dataset: DatasetId): { label: string; hint: string } | null {
  if (dataset === PAIRS_UPLOAD || datasetInfo(dataset).kind !== 'seq2seq') return null;
  const task = dataset as Seq2SeqDatasetId;
  const { min, max } = PAIR_TASK_LENGTHS[task];
  switch (task) {
    case 'reverse':
    case 'sort':
      return { label: `Longest training string`, hint: `${min}–${max} ${MAX_LENGTH_UNITS[task]}; validation is 1–${VALIDATION_EXTRA} longer.` };
    case 'addition':
      return { label: 'Digits per operand', hint: `${min}–${max}; validation numbers have one digit more.` };
    case 'dates':
      return { label: 'Longest training date', hint: `${min}–${max} characters; validation dates are written longer.` };
  }
}

export function SettingsForm() {
  const dataset = useStore((s) => s.form.dataset);
  // A tree dataset trains a recursive network: tree cells, tree depths instead of sequence lengths.
  const tree = datasetInfo(dataset).kind === 'tree';
  // An encoder–decoder reads whole pairs: attention and a training size instead of sequence lengths.
  const seq2seq = datasetInfo(dataset).kind === 'seq2seq';
  const maxLength = maxLengthField(dataset);
  const cells = tree ? TREE_CELLS : CELL_CHOICES;
  const what = dataset === 'tree-arithmetic' ? 'depth' : 'height';
  return (
    <form id="settings" className="settings" onSubmit={(e) => (e.preventDefault(), lab.applyNow())} aria-label="Settings">
      <fieldset>
        <legend>Data</legend>
        <DatasetField />
      </fieldset>
      <fieldset>
        <legend>Model</legend>
        <ChoiceField name="cell" label="Cell" choices={cells} labels={CELL_LABELS} />
        <div className="row">
          <NumberField name="hidden" label="Hidden size" />
          {!tree && <NumberField name="layers" label="Layers" />}
        </div>
        {!tree && <BidirectionalField />}
        {seq2seq && <ChoiceField name="attention" label="Attention" choices={ATTENTIONS} labels={ATTENTION_LABELS} />}
      </fieldset>
      <fieldset>
        <legend>Training</legend>
        {seq2seq ? (
          maxLength && <NumberField name="maxLength" label={maxLength.label} hint={maxLength.hint} />
        ) : tree ? (
          dataset !== 'tree-upload' && (
            <div className="row">
              <NumberField name="trainDepth" label={`Training ${what}`} hint={`Trees up to this ${what} train the model.`} />
              <NumberField name="validationDepth" label={`Validation ${what}`} hint="Deeper: tests generalisation." />
            </div>
          )
        ) : (
          <div className="row">
            <NumberField name="seqLen" label="Sequence length" />
            <NumberField name="tbptt" label="TBPTT length" hint="Divides the sequence length." />
          </div>
        )}
        {seq2seq && (
          <div className="row">
            <NumberField name="teacherForcing" label="Teacher forcing" hint="Share of steps fed the target (1 = all)." />
            <NumberField name="teacherForcingSteps" label="Lower to 0 by step" hint="0 = keep the share." />
          </div>
        )}
        <div className="row">
          <NumberField name="batchSize" label={tree ? 'Trees per step' : seq2seq ? 'Pairs per step' : 'Batch size'} />
          <NumberField name="seed" label="Seed" />
        </div>
      </fieldset>
      <fieldset>
        <legend>Optimizer</legend>
        <ChoiceField name="optimizer" label="Optimizer" choices={OPTIMIZERS} labels={OPTIMIZER_LABELS} />
        <div className="row">
          <NumberField name="lr" label="Learning rate" />
          <NumberField name="clip" label="Clip norm" hint="0 = off." />
        </div>
      </fieldset>
      {/* Enter in a field applies at once (a hidden submit keeps that working in every browser). */}
      <button type="submit" hidden />
    </form>
  );
}

/**
 * The bidirectional checkbox (sequence models). Where the dataset cannot take a bidirectional model
 * (its targets are the next inputs) it is off and disabled, and its note says why; were it on there
 * (a restored session), it stays enabled so that it can be unticked, and shows the error. A TBPTT
 * shorter than the sequence is the TBPTT field's error.
 */
function BidirectionalField() {
  const dataset = useStore((s) => s.form.dataset);
  const checked = useStore((s) => s.form.bidirectional);
  const error = useStore((s) => s.errors.bidirectional);
  const setField = useStore((s) => s.setField);
  const why = noBidirectional(dataset);
  const seq2seq = datasetInfo(dataset).kind === 'seq2seq';
  const id = 'field-bidirectional';
  const note =
    error ??
    (why
      ? `Not for this dataset. ${why}`
      : seq2seq
        ? 'The encoder also reads each source backwards; the decoder (one direction) is then twice the hidden size wide.'
        : 'Each layer also reads the sequence backwards: twice the units (forward, then reverse). Needs whole sequences (TBPTT = sequence length).');
  return (
    <div className={`field field-check${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>
        <input
          id={id}
          name="bidirectional"
          type="checkbox"
          checked={checked}
          disabled={why !== null && !checked}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-note`}
          onChange={(e) => (setField('bidirectional', e.target.checked), lab.applyNow())}
        />
        {seq2seq ? 'Bidirectional encoder' : 'Bidirectional'}
      </label>
      <p
        id={`${id}-note`}
        className={error ? 'field-error' : 'field-hint'}
        role={error ? 'alert' : undefined}
        data-testid={error ? `error-${id}` : `note-${id}`}
      >
        {note}
      </p>
    </div>
  );
}

/** A setting picked from a list (the cell, the optimizer, the attention): bound to its form field and applied at once. */
function ChoiceField<K extends 'cell' | 'optimizer' | 'attention'>({
  name,
  label,
  choices,
  labels,
}: {
  name: K;
  label: string;
  choices: readonly FormValues[K][];
  labels: Record<FormValues[K], string>;
}) {
  const value = useStore((s) => s.form[name]);
  const error = useStore((s) => s.errors[name]);
  const setField = useStore((s) => s.setField);
  const id = `field-${name}`;
  return (
    <Field id={id} label={label} error={error}>
      <select id={id} value={value} onChange={(e) => (setField(name, e.target.value as FormValues[K]), lab.applyNow())}>
        {choices.map((c) => (
          <option key={c} value={c}>
            {labels[c]}
          </option>
        ))}
      </select>
    </Field>
  );
}
