// A numeric setting typed as text (so "3e-3" is fine), bound to one form field.

import { useStore } from '../store/index.ts';
import type { FieldName } from '../config/schema.ts';
import { Field } from './Field.tsx';

type NumericField = Exclude<FieldName, 'dataset' | 'cell' | 'optimizer' | 'bidirectional' | 'attention'>;

export function NumberField({ name, label, hint, disabled }: { name: NumericField; label: string; hint?: string; disabled?: boolean }) {
  const value = useStore((s) => s.form[name]);
  const error = useStore((s) => s.errors[name]);
  const setField = useStore((s) => s.setField);
  const id = `field-${name}`;
  return (
    <Field id={id} label={label} error={error} hint={hint}>
      <input
        id={id}
        name={name}
        type="text"
        inputMode="decimal"
        autoComplete="off"
        spellCheck={false}
        value={value}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={error || hint ? `${id}-note` : undefined}
        onChange={(e) => setField(name, e.target.value)}
      />
    </Field>
  );
}
