// The page's hook for end-to-end tests: numbers instead of pixels. e2e/ reads it through
// page.evaluate; nothing in the app depends on it.

import type { FormValues } from './config/schema.ts';
import type { Prediction } from '../gpu/session/protocol.ts';
import { lab } from './lab/pageLab.ts';
import { useStore } from './store/index.ts';
import { datasetInfo } from './config/datasets.ts';

/** Settings as the form takes them; numbers may be given as numbers (bidirectional is a boolean). */
export type TestSettings = Partial<{ [K in keyof FormValues]: FormValues[K] | number }>;

export interface RnnlabTestApi {
  /** The WebGPU adapter's description, or null until (or unless) the worker found one. */
  readonly adapter: string | null;
  /** Why there is no WebGPU, or null. */
  readonly deviceError: string | null;
  /** 'starting' | 'configuring' | 'idle' | 'training' | 'paused' | 'failed'. */
  readonly status: string;
  /** Steps trained, as the worker last reported. */
  readonly steps: number;
  /** Every step's loss so far, indexed by step (NaN where a window never arrived). */
  readonly losses: number[];
  /** The speed curve: ms per step of every step so far. */
  readonly msPerStep: number[];
  /** The uploaded files in the picker, by kind (their names). */
  readonly uploads: { text: string | null; csv: string | null; trees: string | null; pairs: string | null };
  readonly prompt: string;
  /** The stored runs (summaries) and the run in use. */
  readonly runs: { id: string; name: string; steps: number; parentId: string | null }[];
  readonly runId: string | null;
  /** The sweep: the point being trained (or next), its status, each point's run id. */
  readonly sweep: { next: number; status: string; runIds: (string | null)[] } | null;
  readonly validation: { step: number; loss: number }[];
  /** `units`: the channels' rows (2H for a bidirectional model: forward units, then reverse). */
  readonly heatmap: { step: number; channels: string[]; units: number; frames: number } | null;
  /** A task model's last prediction for validation sequence 0 (a copy), with its step; null before the first. */
  readonly prediction: ({ step: number } & Prediction) | null;
  /**
   * A tree session's latest drawn validation trees (their node counts and the step they were drawn
   * at), the root accuracy on the deeper validation trees at each validation, and the majority-class
   * baseline; null while the session is not a tree model.
   */
  readonly tree: {
    step: number | null;
    nodes: number[];
    hidden: number;
    classes: string[];
    accuracy: { step: number; accuracy: number }[];
    majorityAccuracy: number;
  } | null;
  /**
   * An encoder–decoder session: its vocabulary, greedy decoding's scores at each validation, the
   * latest alignment of validation pair 0 (weights row-major [output, source], null without
   * attention) and how many have arrived, and the decode box's last answer; null while the session is
   * not an encoder–decoder.
   */
  readonly seq2seq: {
    vocabulary: string[];
    paramCount: number;
    scores: { step: number; accuracy: number; exactMatch: number }[];
    alignment: { step: number; source: string[]; output: string[]; target: string[]; weights: number[] | null } | null;
    alignments: number;
    decoded: { source: string; beam: number; hypotheses: { text: string; logProb: number; finished: boolean }[]; error: string | null } | null;
  } | null;
  /** Sample texts (prompt included), newest first. */
  readonly samples: string[];
  readonly error: string | null;
  readonly notice: string | null;
  train(): void;
  pause(): void;
  step(): void;
  reset(): void;
  /** Sets these fields (a new dataset brings its defaults first) and resolves at 'configured'. */
  configure(settings: TestSettings): Promise<void>;
  /** Answers the inline "discard the trained weights?" with yes. */
  confirmDiscard(): void;
  /** The step of the stored session (the last successful save, or the restored one); null if none. */
  readonly savedStep: number | null;
  /** Why the last save failed; null once one succeeded. */
  readonly saveError: string | null;
  /** Saves the session now; resolves with the saved step, rejects with the save's error. */
  saveNow(): Promise<number>;
  /** SHA-256 (hex) of the current weights as the worker exports them (no file is downloaded). */
  weightsDigest(): Promise<string>;
}

declare global {
  interface Window {
    __rnnlab?: RnnlabTestApi;
  }
}

export function installTestApi(): void {
  const s = useStore.getState;
  window.__rnnlab = {
    get adapter() {
      return s().device?.adapter ?? null;
    },
    get deviceError() {
      return s().deviceError;
    },
    get status() {
      return s().phase;
    },
    get steps() {
      return s().steps;
    },
    get losses() {
      return lab.metrics.loss.toArray();
    },
    get validation() {
      return lab.metrics.validation.map((p) => ({ ...p }));
    },
    get msPerStep() {
      return lab.metrics.msPerStep.toArray();
    },
    get uploads() {
      const x = s();
      return { text: x.upload?.name ?? null, csv: x.series?.file.name ?? null, trees: x.treeFile?.name ?? null, pairs: x.pairFile?.name ?? null };
    },
    get prompt() {
      return s().prompt;
    },
    get runs() {
      return s().runs.map((r) => ({ id: r.id, name: r.name, steps: r.steps, parentId: r.parentId }));
    },
    get runId() {
      return s().run?.id ?? null;
    },
    get sweep() {
      const w = s().sweep;
      return w && { next: w.next, status: w.status, runIds: w.runIds.slice() };
    },
    get heatmap() {
      const h = lab.metrics.heatmap;
      return h && { step: h.step, channels: h.channels.map((c) => c.name), units: h.channels[0]?.units ?? 0, frames: lab.metrics.heatmapFrames };
    },
    get prediction() {
      const p = lab.metrics.prediction;
      return p && { step: p.step, ...structuredClone(p.prediction) };
    },
    get tree() {
      const m = s().treeModel;
      if (!m) return null;
      const t = lab.trees.tree;
      return {
        step: t?.step ?? null,
        nodes: t ? t.trees.map((x) => x.nodes.length) : [],
        hidden: m.hidden,
        classes: m.classes.slice(),
        accuracy: lab.trees.accuracy.map((a) => ({ ...a })),
        majorityAccuracy: m.majorityAccuracy,
      };
    },
    get seq2seq() {
      const m = s().seq2seqModel;
      if (!m) return null;
      const a = lab.seq2seq.alignment;
      const d = s().decoded;
      return {
        vocabulary: m.vocabulary.slice(),
        paramCount: m.paramCount,
        scores: lab.seq2seq.points.map((p) => ({ ...p })),
        alignment: a && {
          step: a.step,
          source: a.source.slice(),
          output: a.output.slice(),
          target: a.target.slice(),
          weights: a.weights && Array.from(a.weights),
        },
        alignments: lab.seq2seq.alignments,
        decoded: d && { source: d.source, beam: d.beam, hypotheses: d.hypotheses.map((h) => ({ ...h })), error: d.error },
      };
    },
    get samples() {
      return s().samples.map((x) => x.text);
    },
    get error() {
      return s().error?.message ?? null;
    },
    get notice() {
      return s().notice;
    },
    train: () => lab.train(),
    pause: () => lab.pause(),
    step: () => lab.step(),
    reset: () => lab.reset(),
    configure: async (settings) => {
      const form = s().form;
      const dataset = settings.dataset as FormValues['dataset'] | undefined;
      const base = dataset && dataset !== form.dataset ? { dataset, ...datasetInfo(dataset).defaults } : form;
      // Typed fields as the form holds them: text, and the bidirectional checkbox's boolean.
      const values = Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, typeof v === 'boolean' ? v : String(v)]));
      useStore.setState({ form: { ...base, ...values } as FormValues });
      const configured = lab.whenConfigured();
      const outcome = lab.applyNow();
      if (outcome.kind === 'invalid') throw new Error(`invalid settings: ${JSON.stringify(outcome.errors)}`);
      if (outcome.kind === 'unchanged' && s().phase !== 'configuring') return;
      await configured;
    },
    confirmDiscard: () => lab.confirmDiscard(),
    get savedStep() {
      return s().save.savedStep;
    },
    get saveError() {
      return s().save.error;
    },
    saveNow: () => lab.saveNow(),
    weightsDigest: async () => {
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await lab.readWeights()));
      return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
    },
  };
}
