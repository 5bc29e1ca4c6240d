// Saving the worker's safetensors bytes as a download, through a temporary Blob link.

import { isSeq2SeqDataset } from './config/datasets.ts';
import type { Settings } from './config/schema.ts';

export function weightsFileName(settings: Settings | null, steps: number): string {
  if (!settings) return 'rnnlab.safetensors';
  if (settings.cell === 'tree-rnn' || settings.cell === 'tree-lstm')
    return `rnnlab-${settings.dataset}-${settings.cell}-h${settings.hidden}-step${steps}.safetensors`;
  // "-bi": a bidirectional model (its file holds the _reverse weights too).
  const bi = settings.bidirectional ? '-bi' : '';
  // An encoder–decoder's file names its attention too.
  if (isSeq2SeqDataset(settings.dataset))
    return `rnnlab-${settings.dataset}-${settings.cell}-h${settings.hidden}x${settings.layers}${bi}-${settings.attention}-step${steps}.safetensors`;
  return `rnnlab-${settings.dataset}-${settings.cell}-h${settings.hidden}x${settings.layers}${bi}-step${steps}.safetensors`;
}

export function saveWeights(bytes: ArrayBuffer, fileName: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by the next task; the URL is only needed until then.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
