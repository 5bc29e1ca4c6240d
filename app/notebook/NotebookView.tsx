// A rendered notebook: its Markdown pieces (already made inert by renderNotebook) and one live
// trainer per valid cell, all on the page's one worker. A cell with problems shows each of them
// with its field's name; the rest of the notebook works.

import { useEffect, useState } from 'react';
import type { WorkerHub } from '../worker/hub.ts';
import { CellLab } from './cellLab.ts';
import { CellView } from './CellView.tsx';
import type { CellProblem } from './cellConfig.ts';
import type { RenderedNotebook } from './renderMarkdown.ts';

/** The labs of a notebook's valid cells, rebuilt when the notebook changes, freed when it goes. */
export function useCellLabs(notebook: RenderedNotebook | null, hub: WorkerHub | null): (CellLab | null)[] {
  const [labs, setLabs] = useState<(CellLab | null)[]>([]);
  useEffect(() => {
    if (!notebook || !hub) return;
    // Labs open channels to the worker: made in an effect (not in render, which StrictMode repeats) and kept as state.
    const made = notebook.cells.map((c) => (c.parse.ok ? new CellLab(c.parse.spec, hub) : null));
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setLabs(made);
    return () => made.forEach((l) => l?.dispose());
  }, [notebook, hub]);
  return notebook && hub ? labs : [];
}

export function NotebookView({ notebook, labs }: { notebook: RenderedNotebook; labs: (CellLab | null)[] }) {
  return (
    <article className="nb-article">
      {notebook.pieces.map((p, i) =>
        p.kind === 'html' ? (
          <div key={i} className="nb-text" dangerouslySetInnerHTML={{ __html: p.html }} />
        ) : p.parse.ok ? (
          labs[p.index] ? (
            <CellView key={i} lab={labs[p.index]!} index={p.index} />
          ) : (
            <div key={i} className="nb-cell placeholder" />
          )
        ) : (
          <BadCell key={i} index={p.index} source={p.source} problems={p.parse.problems} />
        ),
      )}
    </article>
  );
}

export function BadCell({ index, source, problems }: { index: number; source: string; problems: CellProblem[] }) {
  return (
    <section className="nb-cell invalid" id={`cell-${index + 1}`} data-testid="nb-bad-cell">
      <header className="nb-cell-head">
        <h3>Cell {index + 1} cannot run</h3>
      </header>
      <ul className="nb-problems">
        {problems.map((p, i) => (
          <li key={i}>
            Cell {p.cell}
            {p.field ? (
              <>
                , field <code>{p.field}</code>
              </>
            ) : null}
            : {p.message}
          </li>
        ))}
      </ul>
      <pre className="nb-source">{source}</pre>
    </section>
  );
}
