// The settings: dataset, model, truncated BPTT, optimizer. Each field shows its own error; valid
// edits are applied by lab.ts (at once for choices, after a pause in typing for numbers).

import { applyNow } from '../lab.ts';
import { useStore } from '../store/index.ts';
import { CELL_CHOICES, OPTIMIZERS, type CellChoice, type OptimizerChoice } from '../config/schema.ts';
import { DatasetField } from './DatasetField.tsx';
import { Field } from './Field.tsx';
import { NumberField } from './NumberField.tsx';

const CELL_LABELS: Record<CellChoice, string> = { 'rnn-tanh': 'RNN (tanh)', 'rnn-relu': 'RNN (ReLU)', gru: 'GRU', lstm: 'LSTM' };
const OPTIMIZER_LABELS: Record<OptimizerChoice, string> = { sgd: 'SGD', adam: 'Adam', adamw: 'AdamW' };

export function SettingsForm() {
  const cell = useStore((s) => s.form.cell);
  const optimizer = useStore((s) => s.form.optimizer);
  const setField = useStore((s) => s.setField);
  return (
    <form id="settings" className="settings" onSubmit={(e) => (e.preventDefault(), applyNow())} aria-label="Settings">
      <fieldset>
        <legend>Data</legend>
        <DatasetField />
      </fieldset>
      <fieldset>
        <legend>Model</legend>
        <Field id="field-cell" label="Cell">
          <select id="field-cell" value={cell} onChange={(e) => (setField('cell', e.target.value as CellChoice), applyNow())}>
            {CELL_CHOICES.map((c) => (
              <option key={c} value={c}>
                {CELL_LABELS[c]}
              </option>
            ))}
          </select>
        </Field>
        <div className="row">
          <NumberField name="hidden" label="Hidden size" />
          <NumberField name="layers" label="Layers" />
        </div>
      </fieldset>
      <fieldset>
        <legend>Training</legend>
        <div className="row">
          <NumberField name="seqLen" label="Sequence length" />
          <NumberField name="tbptt" label="TBPTT length" hint="Divides the sequence length." />
        </div>
        <div className="row">
          <NumberField name="batchSize" label="Batch size" />
          <NumberField name="seed" label="Seed" />
        </div>
      </fieldset>
      <fieldset>
        <legend>Optimizer</legend>
        <Field id="field-optimizer" label="Optimizer">
          <select id="field-optimizer" value={optimizer} onChange={(e) => (setField('optimizer', e.target.value as OptimizerChoice), applyNow())}>
            {OPTIMIZERS.map((o) => (
              <option key={o} value={o}>
                {OPTIMIZER_LABELS[o]}
              </option>
            ))}
          </select>
        </Field>
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
