// The edit view: the Markdown on the left, a live preview on the right. The preview renders the text
// and checks every cell (problems shown with their fields) but starts no trainers: those run when
// the edit is done. Rendering waits for a pause in typing, so long notebooks stay responsive.

import { useEffect, useState } from 'react';
import { BadCell } from './NotebookView.tsx';
import { renderNotebook, type RenderedNotebook } from './renderMarkdown.ts';
import { treeDatasetOf, type CellSpec } from './cellConfig.ts';

const PREVIEW_DELAY_MS = 250;

export function Editor({ markdown, onChange }: { markdown: string; onChange(markdown: string): void }) {
  const [preview, setPreview] = useState<RenderedNotebook | { error: string } | null>(null);
  useEffect(() => {
    const t = setTimeout(() => {
      try {
        setPreview(renderNotebook(markdown));
      } catch (e) {
        setPreview({ error: (e as Error).message });
      }
    }, PREVIEW_DELAY_MS);
    return () => clearTimeout(t);
  }, [markdown]);
  return (
    <div className="nb-editor">
      <label className="nb-source-edit">
        <span className="visually-hidden">Notebook Markdown</span>
        <textarea value={markdown} spellCheck={false} data-testid="nb-editor" onChange={(e) => onChange(e.target.value)} />
      </label>
      <div className="nb-preview" aria-label="Preview" data-testid="nb-preview">
        {preview && 'error' in preview ? (
          <p className="nb-banner error">{preview.error}</p>
        ) : (
          preview?.pieces.map((p, i) =>
            p.kind === 'html' ? (
              <div key={i} className="nb-text" dangerouslySetInnerHTML={{ __html: p.html }} />
            ) : p.parse.ok ? (
              <p key={i} className="nb-cell-preview">
                Cell {p.index + 1}: {cellSummary(p.parse.spec)}, {p.parse.spec.steps} steps
              </p>
            ) : (
              <BadCell key={i} index={p.index} source={p.source} problems={p.parse.problems} />
            ),
          )
        )}
      </div>
    </div>
  );
}

export const NEW_NOTEBOOK = `# A new notebook

Write Markdown here; math works too: $h_t = \\tanh(W_{hh} h_{t-1} + W_{ih} x_t + b)$.

Each \`\`\`rnn block is a live trainer:

\`\`\`rnn
title: A small GRU on first names
dataset: first-names
cell: gru
hidden: 32
steps: 200
\`\`\`
`;

function cellSummary(spec: CellSpec): string {
  const { settings: s, tree: t } = spec;
  if (s) return `${spec.title ?? s.dataset} — ${s.cell} ${s.layers}×${s.hidden}`;
  return `${spec.title ?? treeDatasetOf(t!)} — tree-${t!.cell} ×${t!.hidden}`;
}
