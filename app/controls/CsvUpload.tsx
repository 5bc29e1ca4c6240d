// The CSV upload beside the text upload, and the picker of the column to forecast. A file that fails
// a check leaves the dataset as it was; the reason shows under the dataset control (DatasetField).

import type { Ref } from 'react';
import { seriesValues } from '../config/sessionConfig.ts';
import { useStore } from '../store/index.ts';
import { chooseCsvColumn, uploadCsv } from '../upload/uploadCsv.ts';
import { UploadButton } from './UploadButton.tsx';

export function CsvUploadButton({ inputRef }: { inputRef: Ref<HTMLInputElement> }) {
  const series = useStore((s) => s.series);
  return (
    <UploadButton
      id="upload-csv"
      label="Upload .csv…"
      accept=".csv,.tsv,text/csv,text/tab-separated-values"
      inputRef={inputRef}
      onFile={(file) => void uploadCsv(file)}
      note={
        series
          ? `${series.file.name}: ${series.file.rows.toLocaleString('en-US')} rows, ${series.file.columns.length} numeric ${series.file.columns.length === 1 ? 'column' : 'columns'}`
          : 'A numeric column to forecast, up to 5 MB'
      }
    />
  );
}

/** Which numeric column of the uploaded CSV to forecast; shown while that is the dataset. */
export function CsvColumnPicker() {
  const series = useStore((s) => s.series);
  const dataset = useStore((s) => s.form.dataset);
  if (!series || dataset !== 'series') return null;
  const { file } = series;
  const chosen = file.columns.find((c) => c.name === series.column);
  const skipped = chosen?.skipped ?? 0;
  return (
    <div className="csv-column">
      <label htmlFor="field-csv-column">Column to forecast</label>
      <select id="field-csv-column" data-testid="csv-column" value={series.column} onChange={(e) => chooseCsvColumn(e.target.value)}>
        {file.columns.map((c) => (
          <option key={c.name} value={c.name}>
            {c.name}
          </option>
        ))}
      </select>
      <p className="field-hint" data-testid="csv-column-note">
        {(seriesValues(series)?.length ?? 0).toLocaleString('en-US')} values
        {skipped > 0 && `; ${skipped.toLocaleString('en-US')} ${skipped === 1 ? 'cell' : 'cells'} skipped (empty or not a number)`}
        {file.otherColumns.length > 0 && `. Not numeric: ${file.otherColumns.join(', ')}`}.
      </p>
    </div>
  );
}
