// An encoder–decoder's stream on the page: the feed that keeps its scores and alignment outside React,
// the attention view's words and geometry, and the store patches of its configuration and decoding.
import { describe, expect, it } from 'vitest';
import type { FromWorker, Seq2SeqSessionConfig } from '../../gpu/session/protocol.ts';
import { optimizer } from '../../gpu/optimizer/config.ts';
import { handleMessage } from '../lab/handleMessage.ts';
import { useStore, type Store } from '../store/index.ts';
import {
  alignmentHit,
  alignmentLayout,
  AXIS,
  describeAlignment,
  teacherForcingText,
  exampleSource,
  joined,
  MAX_CELL,
  strongest,
  symbolLabel,
  validationText,
  weightsChecksum,
} from './alignment.ts';
import { describeSymbols, Seq2SeqFeed, unknownSymbols, type AlignmentMessage } from './seq2seqFeed.ts';

const VOCABULARY = ['<pad>', '<bos>', '<eos>', 'a', 'b', 'c'];
const configured: FromWorker = { type: 'seq2seqConfigured', paramCount: 1234, vocabulary: VOCABULARY, maxSource: { train: 8, validation: 13 }, kernels: null };
const validation = (step: number, accuracy: number, exactMatch: number): FromWorker => ({ type: 'validation', step, loss: 1, accuracy, exactMatch });
/** "abc" reversed: "cba" then <eos>, each output step looking mostly at its mirror source step. */
const alignment = (step: number, weights: Float32Array | null = MIRROR): AlignmentMessage => ({
  type: 'alignment',
  step,
  source: ['a', 'b', 'c'],
  output: ['c', 'b', 'a', '<eos>'],
  target: ['c', 'b', 'a', '<eos>'],
  weights,
});
const MIRROR = Float32Array.from([0.1, 0.1, 0.8, 0.2, 0.7, 0.1, 0.9, 0.05, 0.05, 0.3, 0.3, 0.4]);

describe('Seq2SeqFeed', () => {
  it('keeps the model, each validation’s scores by step and the latest alignment', () => {
    const feed = new Seq2SeqFeed();
    let changes = 0;
    feed.changed.subscribe(() => changes++);
    expect(feed.receive(configured)).toBe(true);
    expect(feed.info).toEqual({ paramCount: 1234, vocabulary: VOCABULARY, maxSource: { train: 8, validation: 13 }, kernels: null });
    expect(feed.receive(validation(40, 0.5, 0.25))).toBe(true);
    feed.receive(validation(80, 0.75, 0.5));
    expect(feed.receive(alignment(80))).toBe(true);
    expect(feed.points).toEqual([
      { step: 40, accuracy: 0.5, exactMatch: 0.25 },
      { step: 80, accuracy: 0.75, exactMatch: 0.5 },
    ]);
    expect([feed.alignment?.step, feed.alignments, changes]).toEqual([80, 1, 4]);
  });

  it('leaves a recurrent or tree validation to others, and one before any model', () => {
    const feed = new Seq2SeqFeed();
    expect(feed.receive(validation(40, 0.5, 0.25))).toBe(false);
    feed.receive(configured);
    expect(feed.receive({ type: 'validation', step: 40, loss: 1 })).toBe(false);
    expect(feed.receive({ type: 'validation', step: 40, loss: 1, accuracy: 0.3 })).toBe(false);
    expect(feed.points).toEqual([]);
  });

  it('starts a new curve when the steps start over, and drops what a recovery went back past', () => {
    const feed = new Seq2SeqFeed();
    feed.receive(configured);
    feed.receive(validation(40, 0.5, 0.25));
    feed.receive(validation(80, 0.75, 0.5));
    expect(feed.receive({ type: 'recovered', step: 40, message: 'lost' })).toBe(false);
    expect(feed.points.map((p) => p.step)).toEqual([40]);
    feed.receive(validation(120, 0.8, 0.6));
    feed.receive(validation(40, 0.1, 0));
    expect(feed.points).toEqual([{ step: 40, accuracy: 0.1, exactMatch: 0 }]);
  });

  it('clear forgets the scores and alignment, not the model; another family’s model forgets it all', () => {
    const feed = new Seq2SeqFeed();
    feed.receive(configured);
    feed.receive(validation(40, 0.5, 0.25));
    feed.receive(alignment(40));
    feed.clear();
    expect([feed.points, feed.alignment, feed.alignments, feed.info?.paramCount]).toEqual([[], null, 0, 1234]);
    feed.receive(alignment(40));
    expect(feed.receive({ type: 'treeConfigured', paramCount: 1, classes: [], hidden: 1, majorityAccuracy: 0 })).toBe(false);
    expect([feed.info, feed.alignment]).toEqual([null, null]);
  });
});

describe('the attention view', () => {
  it('shows symbols legibly', () => {
    expect(['<eos>', ' ', 'a', '\t'].map(symbolLabel)).toEqual(['eos', '␣', 'a', '⇥']);
    expect(joined(['2', '0', '<eos>'])).toBe('20');
    expect(describeSymbols(VOCABULARY)).toBe('a b c');
    expect(describeSymbols(['<pad>', '<bos>', '<eos>', ' ', ...'0123456789'], 4)).toBe('␣ 0 1 2 … (11 in all)');
    expect(unknownSymbols('abxa y', VOCABULARY)).toEqual(['x', ' ', 'y']);
  });

  it('finds where each output step looks most', () => {
    expect(strongest(MIRROR, 4, 3)).toEqual([
      { col: 2, weight: expect.closeTo(0.8, 6) },
      { col: 1, weight: expect.closeTo(0.7, 6) },
      { col: 0, weight: expect.closeTo(0.9, 6) },
      { col: 2, weight: expect.closeTo(0.4, 6) },
    ]);
  });

  it('describes the picture in words, and says when there is no attention', () => {
    expect(describeAlignment(alignment(80))).toBe(
      'Validation pair at step 80: source “abc” (3 symbols), output “cba”, target “cba”: decoded exactly. ' +
        'Where each output symbol looks most: c looks at source 3 “c” (0.80); b looks at source 2 “b” (0.70); a looks at source 1 “a” (0.90); eos looks at source 3 “c” (0.40).',
    );
    const wrong = { ...alignment(40, null), output: ['c', 'c', '<eos>'] };
    expect(describeAlignment(wrong)).toBe(
      'Validation pair at step 40: source “abc” (3 symbols), output “cc”, target “cba”: 1 of 4 output steps right. ' +
        "The model has no attention: its decoder reads only the encoder's final state.",
    );
  });

  it('lays square cells out to fit, and finds the cell under a point', () => {
    const l = alignmentLayout(400, 4, 3);
    expect(l.cell).toBe(MAX_CELL);
    expect(l.plot).toEqual({ x: AXIS.left, y: AXIS.top, w: 3 * MAX_CELL, h: 4 * MAX_CELL });
    expect(l.height).toBe(AXIS.top + 4 * MAX_CELL + AXIS.bottom);
    const narrow = alignmentLayout(AXIS.left + AXIS.right + 100, 4, 10);
    expect(narrow.cell).toBe(10);
    expect(alignmentHit(l, AXIS.left + 1, AXIS.top + MAX_CELL + 1, 4, 3)).toEqual({ row: 1, col: 0 });
    expect(alignmentHit(l, AXIS.left - 1, AXIS.top + 1, 4, 3)).toBeNull();
    expect(alignmentHit(l, AXIS.left + 3 * MAX_CELL + 1, AXIS.top + 1, 4, 3)).toBeNull();
  });

  it('changes its checksum with the weights', () => {
    expect(weightsChecksum(null)).toBe('none');
    expect(weightsChecksum(MIRROR)).toBe(weightsChecksum(Float32Array.from(MIRROR)));
    expect(weightsChecksum(MIRROR)).not.toBe(weightsChecksum(Float32Array.from(MIRROR, (w, i) => (i === 0 ? w + 0.01 : w))));
  });

  it('names the validation pairs and what training saw', () => {
    expect(validationText({ task: 'reverse', maxLength: 8 })).toBe('strings of 9–13 letters (trained on 1–8)');
    expect(validationText({ task: 'sort' })).toBe('strings of 11–15 digits (trained on 1–10)');
    expect(validationText({ task: 'addition', maxLength: 3 })).toBe('sums of two 4-digit numbers (trained on 1–3 digits)');
    expect(validationText({ task: 'dates', maxLength: 20 })).toBe('dates written in more than 20 characters (trained on at most 20)');
    expect(validationText({ task: 'file' })).toBe('your held-out pairs (the last 10% of the file)');
    expect([exampleSource({ task: 'reverse', maxLength: 4 }), exampleSource({ task: 'addition', maxLength: 1 }), exampleSource({ task: 'file' })]).toEqual([
      'abcd',
      '3+4',
      undefined,
    ]);
  });
});

describe('the page’s handling of an encoder–decoder', () => {
  const state = (over: Partial<Store> = {}): Store => ({ ...useStore.getInitialState(), ...over });
  const at = { lossEnd: 0, weightsWaiting: 0, now: 0 };

  it('seq2seqConfigured: the model replaces any other, and the session is ready', () => {
    const tree = { classes: ['a'], hidden: 4, paramCount: 1, majorityAccuracy: 0.5 };
    const { patch, effects } = handleMessage(state({ phase: 'configuring', treeModel: tree }), configured, at);
    expect(patch).toMatchObject({
      model: null,
      treeModel: null,
      seq2seqModel: { paramCount: 1234, vocabulary: VOCABULARY, maxSource: { train: 8, validation: 13 }, kernels: null },
      phase: 'idle',
      steps: 0,
    });
    expect(effects).toContainEqual({ kind: 'settleConfigure' });
    const back = handleMessage(
      state({ seq2seqModel: patch.seq2seqModel!, decoded: DECODED }),
      { ...configured, type: 'treeConfigured', classes: [], hidden: 1, majorityAccuracy: 0 } as FromWorker,
      at,
    );
    expect(back.patch).toMatchObject({ seq2seqModel: null, decoded: null });
  });

  const DECODED = { source: 'ab', beam: 3, step: 0, hypotheses: [], error: null };

  it('decoded: the answer, with the step it came at; an error in words', () => {
    const hypotheses = [
      { text: 'ba', logProb: -0.01, finished: true },
      { text: 'bb', logProb: -4.5, finished: true },
    ];
    const { patch } = handleMessage(state({ decoding: true, steps: 120 }), { type: 'decoded', source: 'ab', beam: 3, hypotheses }, at);
    expect(patch).toEqual({ decoded: { source: 'ab', beam: 3, step: 120, hypotheses, error: null }, decoding: false });
    const refused = handleMessage(
      state({ decoding: true }),
      { type: 'decoded', source: 'xy', beam: 1, hypotheses: [], error: 'The symbol "x" is not in this model\'s vocabulary.' },
      at,
    );
    expect(refused.patch.decoded?.error).toMatch(/not in this model's vocabulary/);
  });

  it('an error while decoding ends the wait', () => {
    const { patch } = handleMessage(state({ decoding: true, phase: 'idle' }), { type: 'error', message: 'lost', fatal: true }, at);
    expect(patch).toMatchObject({ decoding: false, phase: 'failed' });
  });
});

describe('the teacher-forcing note', () => {
  const base: Seq2SeqSessionConfig = {
    kind: 'seq2seq',
    task: 'reverse',
    cell: 'gru',
    nonlinearity: 'tanh',
    layers: 1,
    hidden: 8,
    attention: 'dot',
    batchSize: 4,
    optimizer: optimizer({ kind: 'adam', lr: 0.01 }),
    seed: 1,
  };
  it('says nothing under full teacher forcing', () => {
    expect(teacherForcingText(base, 100)).toBeNull();
    expect(teacherForcingText({ ...base, teacherForcing: 1 }, 100)).toBeNull();
  });
  it('gives the ratio at the step and the schedule', () => {
    expect(teacherForcingText({ ...base, teacherForcing: 0.5 }, 1234)).toBe(
      'Teacher forcing 0.5 at step 1,234: at the other steps the decoder reads its own prediction.',
    );
    const scheduled = { ...base, teacherForcing: { from: 1, to: 0, steps: 4000 } };
    expect(teacherForcingText(scheduled, 1500)).toBe(
      'Teacher forcing 0.625 at step 1,500 (1 → 0 by step 4,000): at the other steps the decoder reads its own prediction.',
    );
    expect(teacherForcingText(scheduled, 0)).toBe(
      'Teacher forcing 1 at step 0 (1 → 0 by step 4,000): the decoder reads the target’s previous symbol at every step for now.',
    );
  });
});
