// The text upload's action: a file checked (size first, then its characters) becomes the dataset of
// a character model, and applies at once (asking first when trained weights would be thrown away).

import { datasetInfo } from '../config/datasets.ts';
import { lab } from '../lab/pageLab.ts';
import { useStore } from '../store/index.ts';
import { checkTextBytes, formatBytes, MAX_UPLOAD_BYTES, minTextChars } from './validateText.ts';

/** Reads and checks a text file; on success it becomes the dataset (settings kept for a character model). */
export async function uploadText(file: File): Promise<void> {
  const s = useStore.getState();
  const seqLen = Number(s.form.seqLen);
  const minChars = minTextChars(Number.isInteger(seqLen) && seqLen > 0 ? seqLen : 1);
  // The size is checked before reading: a huge file is refused without loading it.
  const check =
    file.size > MAX_UPLOAD_BYTES
      ? { ok: false as const, error: `“${file.name}” is ${formatBytes(file.size)}; the limit is 5 MB. Use a shorter excerpt.` }
      : checkTextBytes(file.name, new Uint8Array(await file.arrayBuffer()), minChars);
  if (!check.ok) {
    s.setUpload(s.upload, check.error);
    return;
  }
  const keepSettings = datasetInfo(s.form.dataset).kind === 'chars';
  useStore.setState({
    upload: { name: file.name, text: check.text, chars: check.chars },
    uploadError: null,
    form: keepSettings ? { ...s.form, dataset: 'upload' } : { ...s.form, ...datasetInfo('upload').defaults, dataset: 'upload' },
  });
  lab.applyNow();
}
