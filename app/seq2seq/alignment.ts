// The attention view's words and geometry, apart from the canvas: how a symbol is shown, where each
// cell goes, which source step each output step looks at most, and the text that describes the picture
// to a screen reader (and to tests).

import type { Seq2SeqSessionConfig } from '../../gpu/session/protocol.ts';
import { PAIR_TASK_LENGTHS, VALIDATION_EXTRA } from '../../gpu/seq2seq/tasks.ts';
import { feedsBack, parseTeacherForcing, teacherForcingRatio } from '../../gpu/seq2seq/teacherForcing.ts';
import type { AlignmentMessage } from './seq2seqFeed.ts';

/** A symbol as an axis label: the end marker and whitespace made visible. */
export function symbolLabel(s: string): string {
  if (s === '<eos>') return 'eos';
  if (s === '<pad>') return 'pad';
  if (s === '<bos>') return 'bos';
  if (s === ' ') return '␣';
  if (s === '\t') return '⇥';
  if (s === '\n') return '↵';
  return s;
}

/** Symbols as one string ("jihg" for reverse; "2026-12-03" for dates), without the end marker. */
export const joined = (symbols: readonly string[]): string => symbols.filter((s) => s !== '<eos>').join('');

export const AXIS = { left: 44, right: 56, top: 22, bottom: 40 } as const;
/** Cells are square, at most this many CSS pixels a side (fewer when the source is long). */
export const MAX_CELL = 26;
const MIN_CELL = 8;

export interface AlignmentLayout {
  width: number;
  height: number;
  cell: number;
  plot: { x: number; y: number; w: number; h: number };
  /** The target column's x centre. */
  targetX: number;
}

/** Square cells fitting `width`: rows for the output steps, columns for the source steps. */
export function alignmentLayout(width: number, rows: number, cols: number): AlignmentLayout {
  const room = Math.max(1, width - AXIS.left - AXIS.right);
  const cell = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor(room / Math.max(1, cols))));
  const plot = { x: AXIS.left, y: AXIS.top, w: cell * cols, h: cell * rows };
  return { width, height: AXIS.top + plot.h + AXIS.bottom, cell, plot, targetX: plot.x + plot.w + 8 + (AXIS.right - 8) / 2 };
}

/** The (output, source) cell under a point in CSS pixels, or null outside the plot. */
export function alignmentHit(l: AlignmentLayout, x: number, y: number, rows: number, cols: number): { row: number; col: number } | null {
  const col = Math.floor((x - l.plot.x) / l.cell);
  const row = Math.floor((y - l.plot.y) / l.cell);
  return row >= 0 && row < rows && col >= 0 && col < cols ? { row, col } : null;
}

/** For each output step, the source step with the largest weight and that weight. */
export function strongest(weights: Float32Array, rows: number, cols: number): { col: number; weight: number }[] {
  return Array.from({ length: rows }, (_, r) => {
    let col = 0;
    for (let c = 1; c < cols; c++) if (weights[r * cols + c] > weights[r * cols + col]) col = c;
    return { col, weight: weights[r * cols + col] };
  });
}

/** Whether output step r is the target's symbol at r (the output may be longer or shorter than the target). */
export const rightAt = (m: Pick<AlignmentMessage, 'output' | 'target'>, r: number): boolean => m.output[r] === m.target[r];

/** The alignment in words: the three strings, whether the output is right, and where each output step looks most. */
export function describeAlignment(m: AlignmentMessage): string {
  const q = (s: readonly string[]) => `“${joined(s)}”`;
  const exact = m.output.length === m.target.length && m.output.every((s, i) => s === m.target[i]);
  const head = `Validation pair at step ${m.step.toLocaleString('en-US')}: source ${q(m.source)} (${m.source.length} symbols), output ${q(m.output)}, target ${q(m.target)}: ${exact ? 'decoded exactly' : `${m.output.filter((_, r) => rightAt(m, r)).length} of ${m.target.length} output steps right`}.`;
  if (!m.weights) return `${head} The model has no attention: its decoder reads only the encoder's final state.`;
  const best = strongest(m.weights, m.output.length, m.source.length);
  const where = best.map((b, r) => `${symbolLabel(m.output[r])} looks at source ${b.col + 1} “${symbolLabel(m.source[b.col])}” (${b.weight.toFixed(2)})`);
  return `${head} Where each output symbol looks most: ${where.join('; ')}.`;
}

/** A number that changes when the weights do (tests compare two validations' alignments by it). */
export function weightsChecksum(weights: Float32Array | null): string {
  if (!weights) return 'none';
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += weights[i] * ((i % 7) + 1);
  return sum.toFixed(6);
}

/** What the validation pairs are, and what training saw (the scores' caption). */
export function validationText(c: Pick<Seq2SeqSessionConfig, 'task' | 'maxLength'>): string {
  if (c.task === 'file') return 'your held-out pairs (the last 10% of the file)';
  const L = c.maxLength ?? PAIR_TASK_LENGTHS[c.task].default;
  switch (c.task) {
    case 'reverse':
    case 'sort':
      return `strings of ${L + 1}–${L + VALIDATION_EXTRA} ${c.task === 'reverse' ? 'letters' : 'digits'} (trained on 1–${L})`;
    case 'addition':
      return `sums of two ${L + 1}-digit numbers (trained on 1–${L} digits)`;
    case 'dates':
      return `dates written in more than ${L} characters (trained on at most ${L})`;
  }
}

/** A source the task could give, for the decode box's placeholder (a training-length one). */
export function exampleSource(c: Pick<Seq2SeqSessionConfig, 'task' | 'maxLength'>): string | undefined {
  if (c.task === 'file') return undefined;
  const L = c.maxLength ?? PAIR_TASK_LENGTHS[c.task].default;
  switch (c.task) {
    case 'reverse':
      return 'abcdefghij'.slice(0, Math.min(L, 6));
    case 'sort':
      return '5038271946'.slice(0, Math.min(L, 6));
    case 'addition':
      return L >= 3 ? '123+45' : L === 2 ? '12+7' : '3+4';
    case 'dates':
      // 10 characters: every training size takes it.
      return '3 Dec 2026';
  }
}

/**
 * What the run's teacher forcing is at `step`, in words; null under full teacher forcing (the
 * default, which needs no note): "Teacher forcing 0.625 at step 1,500 (1 → 0 by step 4,000): …".
 */
export function teacherForcingText(config: Seq2SeqSessionConfig, step: number): string | null {
  const tf = parseTeacherForcing(config.teacherForcing);
  if (!feedsBack(tf)) return null;
  const r = teacherForcingRatio(tf, step);
  const fmt = (x: number) => String(Math.round(x * 1000) / 1000);
  const schedule = tf.from === tf.to ? '' : ` (${fmt(tf.from)} → ${fmt(tf.to)} by step ${tf.steps.toLocaleString('en-US')})`;
  return (
    `Teacher forcing ${fmt(r)} at step ${step.toLocaleString('en-US')}${schedule}: ` +
    (r >= 1 ? 'the decoder reads the target’s previous symbol at every step for now.' : 'at the other steps the decoder reads its own prediction.')
  );
}
