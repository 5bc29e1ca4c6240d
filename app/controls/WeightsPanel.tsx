// Weights in and out as PyTorch-compatible safetensors files.

import { lab } from '../lab/pageLab.ts';
import { useStore } from '../store/index.ts';

export function WeightsPanel() {
  const phase = useStore((s) => s.phase);
  const importError = useStore((s) => s.importError);
  // Recurrent and tree models alike (a tree model's file: embedding, tree, head, with its vocabulary).
  const usable = phase === 'idle' || phase === 'paused' || phase === 'training';
  const importable = usable;
  return (
    <section className="weights" aria-labelledby="weights-title">
      <h2 id="weights-title">Weights</h2>
      <div className="buttons">
        <button type="button" className="small" onClick={() => lab.exportWeights()} disabled={!usable}>
          Export .safetensors
        </button>
        <label className={`button small${importable ? '' : ' disabled'}`} htmlFor="import-weights">
          Import…
        </label>
        <input
          id="import-weights"
          data-testid="import-weights"
          className="visually-hidden"
          type="file"
          accept=".safetensors"
          disabled={!importable}
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void lab.importWeights(file);
          }}
        />
      </div>
      {importError && (
        <p className="field-error" role="alert" data-testid="import-error">
          {importError}
        </p>
      )}
    </section>
  );
}
