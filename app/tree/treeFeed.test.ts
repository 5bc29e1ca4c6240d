import { describe, expect, it } from 'vitest';
import type { FromWorker } from '../../gpu/session/protocol.ts';
import { TreeFeed } from './treeFeed.ts';

const configured: FromWorker = { type: 'treeConfigured', paramCount: 100, classes: ['a', 'b'], hidden: 4, majorityAccuracy: 0.5 };
const tree = (step: number): FromWorker => ({ type: 'tree', step, hidden: 4, classes: ['a', 'b'], trees: [] });
const validation = (step: number, accuracy: number): FromWorker => ({ type: 'validation', step, loss: 1, accuracy });
const recurrentConfigured: FromWorker = {
  type: 'configured',
  model: {} as never,
  paramCount: 1,
  vocabulary: null,
  stepLabels: [],
  baseline: null,
  kernels: null,
};

/** A feed with a tree model and validations at steps 40 and 80 (accuracies 0.25, 0.5). */
function trained(): TreeFeed {
  const feed = new TreeFeed();
  feed.receive(configured);
  feed.receive(validation(40, 0.25));
  feed.receive(validation(80, 0.5));
  return feed;
}

describe('TreeFeed', () => {
  it('keeps the model’s classes, size and majority baseline', () => {
    const feed = new TreeFeed();
    expect(feed.receive(configured)).toBe(true);
    expect(feed.info).toEqual({ paramCount: 100, classes: ['a', 'b'], hidden: 4, majorityAccuracy: 0.5 });
  });

  it('keeps the root accuracy of each validation by step', () => {
    const feed = new TreeFeed();
    feed.receive(configured);
    expect(feed.receive(validation(40, 0.25))).toBe(true);
    feed.receive(validation(80, 0.5));
    expect(feed.accuracy).toEqual([
      { step: 40, accuracy: 0.25 },
      { step: 80, accuracy: 0.5 },
    ]);
  });

  it('keeps the latest drawn trees', () => {
    const feed = trained();
    expect(feed.receive(tree(40))).toBe(true);
    feed.receive(tree(80));
    expect(feed.tree?.step).toBe(80);
  });

  it('leaves a recurrent validation (no accuracy) to the metrics', () => {
    const feed = trained();
    expect(feed.receive({ type: 'validation', step: 90, loss: 1 })).toBe(false);
    expect(feed.accuracy.map((a) => a.step)).toEqual([40, 80]);
  });

  it('starts a new accuracy curve when the step count starts over', () => {
    const feed = trained();
    feed.receive(validation(40, 0.75));
    expect(feed.accuracy).toEqual([{ step: 40, accuracy: 0.75 }]);
  });

  it('drops the accuracies past the step a device-loss recovery goes back to', () => {
    const feed = trained();
    feed.receive(validation(120, 0.8));
    // Not consumed: the recovery's message is the metrics' too.
    expect(feed.receive({ type: 'recovered', step: 80, message: 'lost' })).toBe(false);
    expect(feed.accuracy).toEqual([
      { step: 40, accuracy: 0.25 },
      { step: 80, accuracy: 0.5 },
    ]);
  });

  it('tells its subscribers of every change, a recovery included', () => {
    const feed = new TreeFeed();
    let changes = 0;
    feed.changed.subscribe(() => changes++);
    feed.receive(configured);
    feed.receive(validation(40, 0.25));
    feed.receive(validation(80, 0.5));
    feed.receive(tree(80));
    feed.receive({ type: 'validation', step: 90, loss: 1 }); // not the feed's: no change
    feed.receive(validation(40, 0.75));
    expect(changes).toBe(5);
    feed.receive(validation(80, 0.8));
    feed.receive({ type: 'recovered', step: 40, message: 'lost' });
    expect(changes).toBe(7);
  });

  it('clear forgets what was trained (trees, accuracies), not the model', () => {
    const feed = trained();
    feed.receive(tree(80));
    feed.clear();
    expect([feed.tree, feed.accuracy, feed.info?.hidden]).toEqual([null, [], 4]);
  });

  it('forgets the tree model when a recurrent model replaces it', () => {
    const feed = trained();
    feed.receive(tree(1));
    expect(feed.receive(recurrentConfigured)).toBe(false);
    expect([feed.tree, feed.info]).toEqual([null, null]);
  });

  it('leaves an encoder–decoder’s validations to its own feed, and forgets the tree model for one', () => {
    const feed = trained();
    expect(feed.receive({ type: 'validation', step: 120, loss: 1, accuracy: 0.9, exactMatch: 0.5 })).toBe(false);
    expect(feed.accuracy.map((a) => a.step)).toEqual([40, 80]);
    const seq2seq: FromWorker = {
      type: 'seq2seqConfigured',
      paramCount: 9,
      vocabulary: ['<pad>', '<bos>', '<eos>', 'a'],
      maxSource: { train: 4, validation: 6 },
      kernels: null,
    };
    expect(feed.receive(seq2seq)).toBe(false);
    expect([feed.accuracy, feed.info]).toEqual([[], null]);
  });
});
