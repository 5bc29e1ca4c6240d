// The peer harness trains: one small step of each tf.layers cell on TF.js's cpu backend in Node, and a
// few more lower the loss on the cycled batches. No timing here (that is `npm run bench`).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildPeer } from './peers.ts';
import { CELLS } from './configs.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('the TF.js peer', () => {
  for (const cell of CELLS)
    it(`trains a tf.layers ${cell} with trainOnBatch`, async () => {
      const before = tf.memory().numTensors;
      const peer = buildPeer(tf, { cell, V: 5, H: 4, T: 3, B: 2 }, 1, 1);
      const first = await peer.step();
      // Categorical cross-entropy of a near-uniform softmax over V = 5 classes: about ln 5.
      expect(Math.abs(first - Math.log(5))).toBeLessThan(0.5);
      let last = first;
      for (let i = 0; i < 30; i++) last = await peer.step();
      expect(last).toBeLessThan(first);
      const during = tf.memory().numTensors;
      await peer.step();
      expect(tf.memory().numTensors, 'a step leaves no tensor behind').toBe(during);
      peer.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
});
