// The settings form: what the user typed, each field's error, the uploaded text, and the settings
// the worker was last configured with (to tell which changes keep the trained weights).

import type { StateCreator } from 'zustand';
import { datasetInfo, DEFAULT_DATASET, type DatasetId } from '../config/datasets.ts';
import type { FieldErrors, FieldName, FormValues, Settings } from '../config/schema.ts';
import type { UploadedPairs, UploadedSeries, UploadedText, UploadedTrees } from '../config/sessionConfig.ts';
import type { Store } from './index.ts';

export interface PendingDiscard {
  settings: Settings;
  /** The settings whose change needs new weights, for the message. */
  changed: string[];
}

export interface SettingsSlice {
  form: FormValues;
  errors: FieldErrors;
  upload: UploadedText | null;
  uploadError: string | null;
  /** The uploaded CSV and the column chosen to forecast (dataset 'series'). */
  series: UploadedSeries | null;
  /** The settings of the last 'configured', and the upload (text or CSV column) they used. */
  applied: Settings | null;
  appliedUpload: UploadedText | null;
  appliedSeries: UploadedSeries | null;
  /** The uploaded file of labelled trees (dataset 'tree-upload'), why the last one was refused, and the one last applied. */
  treeFile: UploadedTrees | null;
  treeFileError: string | null;
  appliedTreeFile: UploadedTrees | null;
  /** The uploaded file of tab-separated pairs (dataset 'pairs-upload'), why the last one was refused, and the one last applied. */
  pairFile: UploadedPairs | null;
  pairFileError: string | null;
  appliedPairFile: UploadedPairs | null;
  /** A change that would throw trained weights away, waiting for the user's yes. */
  pendingDiscard: PendingDiscard | null;
  setField<K extends FieldName>(name: K, value: FormValues[K]): void;
  /** Picks a dataset and its default settings. */
  chooseDataset(id: DatasetId): void;
  setErrors(errors: FieldErrors): void;
  setUpload(upload: UploadedText | null, error: string | null): void;
  /** Puts the form back to the applied settings (the "keep my weights" answer). */
  revertForm(): void;
}

export const formFromDataset = (id: DatasetId): FormValues => ({ dataset: id, ...datasetInfo(id).defaults });

export const formFromSettings = (s: Settings): FormValues => ({
  ...s,
  hidden: String(s.hidden),
  layers: String(s.layers),
  seqLen: String(s.seqLen),
  tbptt: String(s.tbptt),
  batchSize: String(s.batchSize),
  lr: String(s.lr),
  clip: String(s.clip),
  seed: String(s.seed),
  trainDepth: String(s.trainDepth),
  validationDepth: String(s.validationDepth),
  maxLength: String(s.maxLength),
  teacherForcing: String(s.teacherForcing),
  teacherForcingSteps: String(s.teacherForcingSteps),
});

export const createSettingsSlice: StateCreator<Store, [], [], SettingsSlice> = (set, get) => ({
  form: formFromDataset(DEFAULT_DATASET),
  errors: {},
  upload: null,
  uploadError: null,
  series: null,
  applied: null,
  appliedUpload: null,
  appliedSeries: null,
  treeFile: null,
  treeFileError: null,
  appliedTreeFile: null,
  pairFile: null,
  pairFileError: null,
  appliedPairFile: null,
  pendingDiscard: null,
  setField: (name, value) => set((s) => ({ form: { ...s.form, [name]: value } })),
  chooseDataset: (id) => set({ form: formFromDataset(id) }),
  setErrors: (errors) => set({ errors }),
  setUpload: (upload, uploadError) => set({ upload, uploadError }),
  revertForm: () => {
    const { applied, appliedUpload, upload, appliedSeries, series, appliedTreeFile, treeFile, appliedPairFile, pairFile } = get();
    if (!applied) return set({ pendingDiscard: null });
    // Back to the configured dataset too: an uploaded file (or CSV column) that was waiting for the answer is dropped.
    set({
      pendingDiscard: null,
      errors: {},
      form: formFromSettings(applied),
      upload: applied.dataset === 'upload' ? appliedUpload : upload,
      series: applied.dataset === 'series' ? appliedSeries : series,
      treeFile: applied.dataset === 'tree-upload' ? appliedTreeFile : treeFile,
      pairFile: applied.dataset === 'pairs-upload' ? appliedPairFile : pairFile,
    });
  },
});
