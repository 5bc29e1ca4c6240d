// The dataset picker and the text-file and CSV uploads beside it. Choosing "Upload .txt…" (or
// ".csv…") opens the file dialog; a file that fails a check leaves the dataset in use as it was and
// says why under the control.

import { useRef } from 'react';
import { DATASETS, type DatasetId } from '../config/datasets.ts';
import { applyNow, uploadText } from '../lab.ts';
import { useStore } from '../store/index.ts';
import { CsvColumnPicker, CsvUploadButton } from './CsvUpload.tsx';
import { Field } from './Field.tsx';

const UPLOAD_CHOICE = '__upload__';
const CSV_UPLOAD_CHOICE = '__upload_csv__';

export function DatasetField() {
  const dataset = useStore((s) => s.form.dataset);
  const upload = useStore((s) => s.upload);
  const uploadError = useStore((s) => s.uploadError);
  const error = useStore((s) => s.errors.dataset);
  const chooseDataset = useStore((s) => s.chooseDataset);
  const series = useStore((s) => s.series);
  const fileInput = useRef<HTMLInputElement>(null);
  const csvInput = useRef<HTMLInputElement>(null);

  const onSelect = (value: string) => {
    if (value === UPLOAD_CHOICE) return fileInput.current?.click();
    if (value === CSV_UPLOAD_CHOICE) return csvInput.current?.click();
    chooseDataset(value as DatasetId);
    applyNow();
  };

  return (
    <Field id="field-dataset" label="Dataset" error={error}>
      <select id="field-dataset" value={dataset} onChange={(e) => onSelect(e.target.value)}>
        <optgroup label="Character models">
          {DATASETS.filter((d) => d.kind === 'chars' && (d.id !== 'upload' || upload)).map((d) => (
            <option key={d.id} value={d.id}>
              {d.id === 'upload' && upload ? `${upload.name} (yours)` : d.label}
            </option>
          ))}
          <option value={UPLOAD_CHOICE}>Upload .txt…</option>
        </optgroup>
        <optgroup label="Synthetic tasks">
          {DATASETS.filter((d) => d.kind === 'task' && d.id !== 'series').map((d) => (
            <option key={d.id} value={d.id}>
              {d.label.replace(/^Task: /, '')}
            </option>
          ))}
        </optgroup>
        <optgroup label="Forecast your data">
          {series && <option value="series">{`${series.file.name}: ${series.column} (forecast)`}</option>}
          <option value={CSV_UPLOAD_CHOICE}>Upload .csv…</option>
        </optgroup>
      </select>
      <div className="upload">
        <label className="button small" htmlFor="upload-text">
          Upload .txt…
        </label>
        <input
          ref={fileInput}
          id="upload-text"
          data-testid="upload-text"
          className="visually-hidden"
          type="file"
          accept=".txt,text/plain"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = ''; // the same file may be chosen again after a fix
            if (file) void uploadText(file);
          }}
        />
        <span className="upload-note">{upload ? `${upload.name}: ${upload.chars.toLocaleString('en-US')} characters` : 'UTF-8 text, up to 5 MB'}</span>
      </div>
      <CsvUploadButton inputRef={csvInput} />
      <CsvColumnPicker />
      {uploadError && (
        <p className="field-error" role="alert" data-testid="upload-error">
          {uploadError}
        </p>
      )}
    </Field>
  );
}
