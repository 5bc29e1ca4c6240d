import { describe, expect, it } from 'vitest';
import type { FromWorker } from '../../gpu/session/protocol.ts';
import { TreeFeed } from './treeFeed.ts';

const configured: FromWorker = { type: 'treeConfigured', paramCount: 100, classes: ['a', 'b'], hidden: 4, majorityAccuracy: 0.5 };
const tree = (step: number): FromWorker => ({ type: 'tree', step, hidden: 4, classes: ['a', 'b'], trees: [] });

describe('TreeFeed', () => {
  it('keeps the model, the accuracy of each validation and the latest trees; a step count that starts over starts a new curve', () => {
    const feed = new TreeFeed();
    let changes = 0;
    feed.changed.subscribe(() => changes++);
    expect(feed.receive(configured)).toBe(true);
    expect(feed.info).toEqual({ paramCount: 100, classes: ['a', 'b'], hidden: 4, majorityAccuracy: 0.5 });
    expect(feed.receive({ type: 'validation', step: 40, loss: 1, accuracy: 0.25 })).toBe(true);
    feed.receive({ type: 'validation', step: 80, loss: 1, accuracy: 0.5 });
    feed.receive(tree(80));
    expect(feed.accuracy).toEqual([
      { step: 40, accuracy: 0.25 },
      { step: 80, accuracy: 0.5 },
    ]);
    expect(feed.tree?.step).toBe(80);
    // A recurrent validation (no accuracy) is not the feed's.
    expect(feed.receive({ type: 'validation', step: 90, loss: 1 })).toBe(false);
    feed.receive({ type: 'validation', step: 40, loss: 1, accuracy: 0.75 });
    expect(feed.accuracy).toEqual([{ step: 40, accuracy: 0.75 }]);
    expect(changes).toBe(5);
    // A device-loss recovery goes back to step 40: later accuracies go, the message stays the metrics'.
    feed.receive({ type: 'validation', step: 80, loss: 1, accuracy: 0.8 });
    expect(feed.receive({ type: 'recovered', step: 40, message: 'lost' })).toBe(false);
    expect(feed.accuracy).toEqual([{ step: 40, accuracy: 0.75 }]);
    expect(changes).toBe(7);
    feed.clear();
    expect([feed.tree, feed.accuracy, feed.info?.hidden]).toEqual([null, [], 4]);
    // A recurrent model replaces the tree model.
    feed.receive(tree(1));
    expect(feed.receive({ type: 'configured', model: {} as never, paramCount: 1, vocabulary: null, stepLabels: [], baseline: null })).toBe(false);
    expect([feed.tree, feed.info]).toEqual([null, null]);
  });
});
