// The pairs-file upload's action: a file of tab-separated pairs, checked off the page's thread,
// becomes the dataset and applies at once (asking first when trained weights would be thrown away).

import { datasetInfo, PAIRS_UPLOAD } from '../config/datasets.ts';
import { lab } from '../lab/pageLab.ts';
import { useStore } from '../store/index.ts';
import { readPairFile } from './readPairFile.ts';

/**
 * Reads and checks a file of pairs (the check's errors name the line); on success it becomes the
 * dataset, keeping the model settings when an encoder–decoder was chosen already, else with the
 * pairs file's defaults.
 */
export async function uploadPairs(file: File): Promise<void> {
  const check = await readPairFile(file);
  if (!check.ok) return void useStore.setState({ pairFileError: check.error });
  const { text, pairs } = check;
  const s = useStore.getState();
  const keepSettings = datasetInfo(s.form.dataset).kind === 'seq2seq';
  useStore.setState({
    pairFile: { name: file.name, text, pairs },
    pairFileError: null,
    form: keepSettings ? { ...s.form, dataset: PAIRS_UPLOAD } : { ...s.form, ...datasetInfo(PAIRS_UPLOAD).defaults, dataset: PAIRS_UPLOAD },
  });
  lab.applyNow();
}
