// The tree-file upload's action: a file of labelled trees, parsed off the page's thread, becomes the
// dataset and applies at once (asking first when trained weights would be thrown away).

import { datasetInfo, TREE_UPLOAD } from '../config/datasets.ts';
import { lab } from '../lab/pageLab.ts';
import { useStore } from '../store/index.ts';
import { readTreeFile } from './readTreeFile.ts';

/**
 * Reads and checks a file of labelled trees (the parser's errors name the line and column); on
 * success it becomes the dataset, with the tree file's defaults unless a tree dataset was chosen.
 */
export async function uploadTrees(file: File): Promise<void> {
  const check = await readTreeFile(file);
  if (!check.ok) return void useStore.setState({ treeFileError: check.error });
  const { text, trees } = check;
  const s = useStore.getState();
  const keepSettings = datasetInfo(s.form.dataset).kind === 'tree';
  useStore.setState({
    treeFile: { name: file.name, text, trees },
    treeFileError: null,
    form: keepSettings ? { ...s.form, dataset: TREE_UPLOAD } : { ...s.form, ...datasetInfo(TREE_UPLOAD).defaults, dataset: TREE_UPLOAD },
  });
  lab.applyNow();
}
