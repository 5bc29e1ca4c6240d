// The dataset picker and the text-file, tree-file, pairs-file and CSV uploads beside it. Choosing
// "Upload .txt…" (or ".csv…", trees, pairs) opens the file dialog; a file that fails a check leaves
// the dataset in use as it was and says why under the control.

import { useRef } from 'react';
import { DATASETS, PAIRS_UPLOAD, TREE_UPLOAD, type DatasetId } from '../config/datasets.ts';
import { lab } from '../lab/pageLab.ts';
import { useStore } from '../store/index.ts';
import { uploadText } from '../upload/uploadText.ts';
import { uploadPairs } from '../upload/uploadPairs.ts';
import { uploadTrees } from '../upload/uploadTrees.ts';
import { CsvColumnPicker, CsvUploadButton } from './CsvUpload.tsx';
import { Field } from './Field.tsx';
import { UploadButton } from './UploadButton.tsx';

const UPLOAD_CHOICE = '__upload__';
const CSV_UPLOAD_CHOICE = '__upload_csv__';
const TREES_UPLOAD_CHOICE = '__upload_trees__';
const PAIRS_UPLOAD_CHOICE = '__upload_pairs__';

export function DatasetField() {
  const dataset = useStore((s) => s.form.dataset);
  const upload = useStore((s) => s.upload);
  const uploadError = useStore((s) => s.uploadError);
  const error = useStore((s) => s.errors.dataset);
  const chooseDataset = useStore((s) => s.chooseDataset);
  const series = useStore((s) => s.series);
  // Tree models and encoder–decoders train on the GPU only: without WebGPU (the CPU fallback) their datasets are offered disabled.
  const cpu = useStore((s) => s.device?.backend === 'cpu');
  const fileInput = useRef<HTMLInputElement>(null);
  const csvInput = useRef<HTMLInputElement>(null);
  const treesInput = useRef<HTMLInputElement>(null);
  const treeFile = useStore((s) => s.treeFile);
  const treeFileError = useStore((s) => s.treeFileError);
  const pairsInput = useRef<HTMLInputElement>(null);
  const pairFile = useStore((s) => s.pairFile);
  const pairFileError = useStore((s) => s.pairFileError);

  const onSelect = (value: string) => {
    if (value === UPLOAD_CHOICE) return fileInput.current?.click();
    if (value === CSV_UPLOAD_CHOICE) return csvInput.current?.click();
    if (value === TREES_UPLOAD_CHOICE) return treesInput.current?.click();
    if (value === PAIRS_UPLOAD_CHOICE) return pairsInput.current?.click();
    chooseDataset(value as DatasetId);
    lab.applyNow();
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
        <optgroup label={cpu ? 'Trees (recursive networks; need WebGPU)' : 'Trees (recursive networks)'}>
          {DATASETS.filter((d) => d.kind === 'tree' && (d.id !== TREE_UPLOAD || treeFile)).map((d) => (
            <option key={d.id} value={d.id} disabled={cpu}>
              {d.id === TREE_UPLOAD && treeFile ? `${treeFile.name} (your trees)` : d.label.replace(/^Trees: /, '')}
            </option>
          ))}
          <option value={TREES_UPLOAD_CHOICE} disabled={cpu}>
            Upload trees…
          </option>
        </optgroup>
        <optgroup label={cpu ? 'Pairs (encoder–decoder; need WebGPU)' : 'Pairs (encoder–decoder)'}>
          {DATASETS.filter((d) => d.kind === 'seq2seq' && (d.id !== PAIRS_UPLOAD || pairFile)).map((d) => (
            <option key={d.id} value={d.id} disabled={cpu}>
              {d.id === PAIRS_UPLOAD && pairFile ? `${pairFile.name} (your pairs)` : d.label.replace(/^Pairs: /, '')}
            </option>
          ))}
          <option value={PAIRS_UPLOAD_CHOICE} disabled={cpu}>
            Upload pairs (.tsv)…
          </option>
        </optgroup>
        <optgroup label="Forecast your data">
          {series && <option value="series">{`${series.file.name}: ${series.column} (forecast)`}</option>}
          <option value={CSV_UPLOAD_CHOICE}>Upload .csv…</option>
        </optgroup>
      </select>
      <UploadButton
        id="upload-text"
        label="Upload .txt…"
        accept=".txt,text/plain"
        inputRef={fileInput}
        onFile={(file) => void uploadText(file)}
        note={upload ? `${upload.name}: ${upload.chars.toLocaleString('en-US')} characters` : 'UTF-8 text, up to 5 MB'}
      />
      <CsvUploadButton inputRef={csvInput} />
      <UploadButton
        id="upload-trees"
        label="Upload trees…"
        accept=".txt,.ptb,text/plain"
        inputRef={treesInput}
        disabled={cpu}
        onFile={(file) => void uploadTrees(file)}
        note={treeFile ? `${treeFile.name}: ${treeFile.trees.toLocaleString('en-US')} trees` : 'Labelled trees, e.g. (3 (2 not) (4 good))'}
      />
      {treeFileError && (
        <p className="field-error" role="alert" data-testid="upload-trees-error">
          {treeFileError}
        </p>
      )}
      <UploadButton
        id="upload-pairs"
        label="Upload pairs…"
        accept=".tsv,.txt,text/tab-separated-values,text/plain"
        inputRef={pairsInput}
        disabled={cpu}
        onFile={(file) => void uploadPairs(file)}
        note={pairFile ? `${pairFile.name}: ${pairFile.pairs.toLocaleString('en-US')} pairs` : 'One source<TAB>target per line, e.g. 3 Dec 2026⇥2026-12-03'}
      />
      {pairFileError && (
        <p className="field-error" role="alert" data-testid="upload-pairs-error">
          {pairFileError}
        </p>
      )}
      <CsvColumnPicker />
      {uploadError && (
        <p className="field-error" role="alert" data-testid="upload-error">
          {uploadError}
        </p>
      )}
    </Field>
  );
}
