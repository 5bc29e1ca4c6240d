// What an encoder–decoder session streams besides its losses, kept outside React like metrics/: the
// latest alignment of validation pair 0 (one `alignment` message per validation), the per-token
// accuracy and exact match of greedy decoding on the (longer) validation pairs at each validation, and
// the model's vocabulary. The app's session and each notebook seq2seq cell keep one; the attention
// view and the accuracy chart subscribe to `changed`.

import type { FromWorker, KernelReport } from '../../gpu/session/protocol.ts';
import { Signal } from '../metrics/signal.ts';

export type AlignmentMessage = Extract<FromWorker, { type: 'alignment' }>;

export interface Seq2SeqPoint {
  step: number;
  /** Share of the validation targets' tokens (<eos> included) that greedy decoding got right. */
  accuracy: number;
  /** Share of the validation pairs decoded exactly. */
  exactMatch: number;
}

export interface Seq2SeqModelInfo {
  paramCount: number;
  /** The symbols by id; ids 0–2 are <pad>, <bos>, <eos>. */
  vocabulary: string[];
  /** The longest source of the training and of the validation pairs. */
  maxSource: { train: number; validation: number };
  kernels: KernelReport | null;
}

/** The special symbols every pair vocabulary starts with. */
export const SPECIALS = 3;

export class Seq2SeqFeed {
  alignment: AlignmentMessage | null = null;
  /** Alignments received since the last clear (tests tell a new one from the same one by it). */
  alignments = 0;
  /** Scores of each validation, by step (a new array on every change, for useSyncExternalStore). */
  points: Seq2SeqPoint[] = [];
  info: Seq2SeqModelInfo | null = null;
  readonly changed = new Signal();

  /** Takes the encoder–decoder's messages (`seq2seqConfigured`, its validation scores, `alignment`); true when the message was one. */
  receive(m: FromWorker): boolean {
    switch (m.type) {
      case 'seq2seqConfigured':
        this.info = { paramCount: m.paramCount, vocabulary: m.vocabulary, maxSource: m.maxSource, kernels: m.kernels };
        this.alignment = null;
        this.alignments = 0;
        this.points = [];
        break;
      case 'validation':
        // A tree session's validations carry an accuracy too, but no exact match.
        if (this.info === null || m.accuracy === undefined || m.exactMatch === undefined) return false;
        // A reset or restore restarts the step count: a point at or before the last one starts a new curve.
        this.points = [...this.points.filter((p) => p.step < m.step), { step: m.step, accuracy: m.accuracy, exactMatch: m.exactMatch }];
        break;
      case 'alignment':
        this.alignment = m;
        this.alignments++;
        break;
      case 'recovered':
        // Back to the last good step after a device loss: the scores past it are gone (not consumed: the loss curve goes back too).
        this.points = this.points.filter((p) => p.step <= m.step);
        this.changed.notify();
        return false;
      case 'configured':
      case 'treeConfigured':
        // Another family's model replaced the encoder–decoder.
        this.info = null;
        this.clear();
        return false;
      default:
        return false;
    }
    this.changed.notify();
    return true;
  }

  /** Forgets the alignment and scores (the steps start over); the model info stays. */
  clear(): void {
    this.alignment = null;
    this.alignments = 0;
    this.points = [];
    this.changed.notify();
  }
}

/** A source as the worker takes it: each character a symbol (so "a b" is three). Unknown symbols, listed once each, in order. */
export function unknownSymbols(source: string, vocabulary: readonly string[]): string[] {
  const known = new Set(vocabulary.slice(SPECIALS));
  return [...new Set(Array.from(source))].filter((c) => !known.has(c));
}

/** The symbols a vocabulary holds, for a message: "a b c d …" (specials left out; spaces made visible). */
export function describeSymbols(vocabulary: readonly string[], max = 40): string {
  const symbols = vocabulary.slice(SPECIALS).map((c) => (c === ' ' ? '␣' : c));
  return symbols.length > max ? `${symbols.slice(0, max).join(' ')} … (${symbols.length} in all)` : symbols.join(' ');
}
