// What a tree session streams besides its losses, kept outside React like metrics/: the latest drawn
// validation trees (one `tree` message per validation), the root accuracy on the deeper validation
// trees at each validation, and the model's class names with the majority-class baseline. The app's
// session and each notebook tree cell keep one; TreeView and the accuracy chart subscribe to `changed`.

import type { FromWorker } from '../../gpu/session/protocol.ts';
import { Signal } from '../metrics/signal.ts';

export type TreeMessage = Extract<FromWorker, { type: 'tree' }>;

export interface AccuracyPoint {
  step: number;
  accuracy: number;
}

export interface TreeModelInfo {
  classes: string[];
  hidden: number;
  paramCount: number;
  /** The root accuracy of always answering the most frequent validation root class. */
  majorityAccuracy: number;
}

export class TreeFeed {
  tree: TreeMessage | null = null;
  /** Root accuracy on the validation trees, by step (a new array on every change, for useSyncExternalStore). */
  accuracy: AccuracyPoint[] = [];
  info: TreeModelInfo | null = null;
  readonly changed = new Signal();

  /** Takes the tree messages (`treeConfigured`, validation accuracies, `tree`); true when the message was one. */
  receive(m: FromWorker): boolean {
    switch (m.type) {
      case 'treeConfigured':
        this.info = { classes: m.classes, hidden: m.hidden, paramCount: m.paramCount, majorityAccuracy: m.majorityAccuracy };
        this.tree = null;
        this.accuracy = [];
        break;
      case 'validation':
        // An encoder–decoder's validations carry an accuracy too (its Seq2SeqFeed's).
        if (m.accuracy === undefined || m.exactMatch !== undefined) return false;
        // A reset or restore restarts the step count: a point at or before the last one starts a new curve.
        this.accuracy = [...this.accuracy.filter((a) => a.step < m.step), { step: m.step, accuracy: m.accuracy }];
        break;
      case 'tree':
        this.tree = m;
        break;
      case 'recovered':
        // Back to the last good step after a device loss: the accuracies past it are gone. (Not
        // consumed: the loss curve goes back too.)
        this.accuracy = this.accuracy.filter((a) => a.step <= m.step);
        this.changed.notify();
        return false;
      case 'configured':
      case 'seq2seqConfigured':
        // A recurrent model or an encoder–decoder replaced the tree model.
        this.info = null;
        this.clear();
        return false;
      default:
        return false;
    }
    this.changed.notify();
    return true;
  }

  /** Forgets the trees and accuracies (the steps start over); the model info stays. */
  clear(): void {
    this.tree = null;
    this.accuracy = [];
    this.changed.notify();
  }
}
