// The CSV upload's actions: a file read off the page's thread becomes the dataset (its first numeric
// column long enough for the sequence length, forecast); another column can be chosen after. Both
// apply at once, and ask first when trained weights would be thrown away (PageLab.applyNow).

import { minSeriesLength } from '../../gpu/data/series.ts';
import { datasetInfo } from '../config/datasets.ts';
import { lab } from '../lab/pageLab.ts';
import { useStore } from '../store/index.ts';
import { readCsvFile } from './readCsv.ts';

/** Reads and checks a CSV file; on success its first numeric column becomes the dataset. */
export async function uploadCsv(file: File): Promise<void> {
  const before = useStore.getState().form;
  // A forecast already chosen keeps its settings; otherwise the series' defaults (and their seqLen) apply.
  const keepSettings = before.dataset === 'series';
  const seqLen = Number(keepSettings ? before.seqLen : datasetInfo('series').defaults.seqLen);
  const check = await readCsvFile(file, Number.isInteger(seqLen) && seqLen > 0 ? seqLen : 1);
  if (!check.ok) {
    useStore.setState({ uploadError: check.error });
    return;
  }
  const { columns } = check.table;
  const column = columns.find((c) => c.values.length >= minSeriesLength(seqLen)) ?? columns[0];
  const form = useStore.getState().form; // as it is now: the user may have typed while the file was read
  useStore.setState({
    series: { file: check.table, column: column.name },
    uploadError: null,
    form: keepSettings && form.dataset === 'series' ? form : { ...form, ...datasetInfo('series').defaults, dataset: 'series' },
  });
  lab.applyNow();
}

/** Forecasts another column of the uploaded CSV. */
export function chooseCsvColumn(column: string): void {
  const { series, appliedSeries } = useStore.getState();
  if (!series || series.column === column) return;
  if (!series.file.columns.some((c) => c.name === column)) throw new Error(`“${series.file.name}” has no numeric column “${column}”`);
  // Back to the applied column is no change at all (the same object, so no question about the weights).
  const next = appliedSeries && appliedSeries.file === series.file && appliedSeries.column === column ? appliedSeries : { file: series.file, column };
  useStore.setState({ series: next });
  lab.applyNow();
}
