// The notebook page's hook for end-to-end tests: numbers, not pixels.

import type { CellLab } from './cellLab.ts';

export interface NotebookTestCell {
  status: string;
  steps: number;
  losses: number[];
  validation: { step: number; loss: number }[];
  error: string | null;
  heatmapFrames: number;
  prediction: unknown;
  connectivity: { outputSteps: number[]; inputs: number; norms: number[] } | null;
  samples: string[];
  baseline: number | null;
  /** Tree cells: the latest drawn trees' step and node counts, and the validation root accuracies. */
  tree: { step: number; nodes: number[]; hidden: number } | null;
  accuracy: { step: number; accuracy: number }[];
  /** Encoder–decoder cells: greedy decoding's validation scores, and the latest alignment's step and whether it has weights. */
  seq2seq: {
    scores: { step: number; accuracy: number; exactMatch: number }[];
    alignment: { step: number; output: string[]; attention: boolean } | null;
  } | null;
}

export interface NotebookTestApi {
  title: string | null;
  problem: string | null;
  markdown: string;
  savedId: string | null;
  saveError: string | null;
  cellCount: number;
  cell(i: number): NotebookTestCell | null;
  train(i: number): void;
  /** Trains cell i until exactly `steps` steps. */
  trainTo(i: number, steps: number): void;
  pause(i: number): void;
  adapter(): string | null;
}

declare global {
  interface Window {
    __rnnlabNotebook?: NotebookTestApi;
  }
}

export function installNotebookTestApi(s: {
  labs: (CellLab | null)[];
  title: string | null;
  problem: string | null;
  markdown: string;
  savedId: string | null;
  saveError: string | null;
}): void {
  const lab = (i: number) => s.labs[i] ?? null;
  window.__rnnlabNotebook = {
    title: s.title,
    problem: s.problem,
    markdown: s.markdown,
    savedId: s.savedId,
    saveError: s.saveError,
    cellCount: s.labs.length,
    cell(i) {
      const l = lab(i);
      if (!l) return null;
      const st = l.state;
      const c = l.connectivity?.connectivity;
      return {
        status: st.phase,
        steps: st.steps,
        losses: l.metrics.loss.toArray(),
        validation: l.metrics.validation.map((v) => ({ ...v })),
        error: st.error?.message ?? null,
        heatmapFrames: l.metrics.heatmapFrames,
        prediction: l.metrics.prediction?.prediction ?? null,
        connectivity: c ? { outputSteps: c.outputSteps, inputs: c.inputs, norms: Array.from(c.norms) } : null,
        samples: st.samples.map((x) => x.text),
        baseline: st.baseline,
        tree: l.trees.tree ? { step: l.trees.tree.step, nodes: l.trees.tree.trees.map((t) => t.nodes.length), hidden: l.trees.tree.hidden } : null,
        accuracy: l.trees.accuracy.slice(),
        seq2seq: l.seq2seq.info
          ? {
              scores: l.seq2seq.points.map((p) => ({ ...p })),
              alignment: l.seq2seq.alignment && {
                step: l.seq2seq.alignment.step,
                output: l.seq2seq.alignment.output.slice(),
                attention: l.seq2seq.alignment.weights !== null,
              },
            }
          : null,
      };
    },
    train: (i) => lab(i)?.train(),
    trainTo: (i, steps) => lab(i)?.trainTo(steps),
    pause: (i) => lab(i)?.pause(),
    adapter: () => s.labs.find((l) => l)?.state.adapter ?? null,
  };
}
