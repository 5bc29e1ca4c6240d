// The peer: the same model in TensorFlow.js 4.22's Keras layers, trained with `trainOnBatch`.
//   tf.layers.simpleRNN (tanh) / gru / lstm (units H, returnSequences), then
//   tf.layers.timeDistributed(dense(V, softmax)), categorical cross-entropy, Adam (lr 1e-3),
//   one-hot character inputs [B, T, V] and one-hot targets, 4 random batches cycled.
// Differences from rnnlab's model, none of which changes the work much: TF.js's GRU is Keras'
// reset_after=False variant (r applied before W_hh; the only one TF.js has, see
// gpu/recurrent/tfjsModels.ts), one bias per layer instead of PyTorch's two, and the input
// projection is a dense one-hot product. Recurrent activations are set to 'sigmoid' (TF.js's default
// is 'hardSigmoid'); weights start ~ U(−1/√H, 1/√H) as PyTorch's (no orthogonal init: its QR is slow
// at H = 512 and is setup, not training).
// `trainOnBatch` reads the loss back every step, so each step ends with a GPU → CPU sync; that is the
// API's cost, and the comparison keeps it.
//
// Used by bench/peerWorker.ts in the browser (webgpu and wasm backends) and by peers.test.ts in Node
// (cpu backend). `tf` is passed in so this file does not choose a TF.js build.
import type * as TF from '@tensorflow/tfjs';
import { Rng } from '../gpu/core/rng.ts';
import type { BenchConfig } from './configs.ts';

type Tf = typeof TF;

export interface PeerModel {
  /** One training step on the next batch; resolves with its loss. */
  step(): Promise<number>;
  dispose(): void;
}

export function buildPeer(tf: Tf, c: Pick<BenchConfig, 'cell' | 'V' | 'H' | 'T' | 'B'>, seed = 1, batches = 4): PeerModel {
  const { cell, V, H, T, B } = c;
  const limit = 1 / Math.sqrt(H);
  const init = (k: number) => tf.initializers.randomUniform({ minval: -limit, maxval: limit, seed: seed * 10 + k });
  const common = {
    units: H,
    returnSequences: true,
    inputShape: [T, V],
    kernelInitializer: init(1),
    recurrentInitializer: init(2),
    biasInitializer: init(3),
  };
  const rnn =
    cell === 'rnn'
      ? tf.layers.simpleRNN({ ...common, activation: 'tanh' })
      : cell === 'gru'
        ? tf.layers.gru({ ...common, activation: 'tanh', recurrentActivation: 'sigmoid' })
        : tf.layers.lstm({ ...common, activation: 'tanh', recurrentActivation: 'sigmoid', unitForgetBias: false });
  const model = tf.sequential({
    layers: [
      rnn,
      tf.layers.timeDistributed({
        layer: tf.layers.dense({ units: V, activation: 'softmax', kernelInitializer: init(4), biasInitializer: init(5) }),
      }),
    ],
  });
  const optimizer = tf.train.adam(1e-3);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });

  const rng = new Rng(seed);
  const ids = () =>
    tf.tensor2d(
      Int32Array.from({ length: B * T }, () => rng.int(V)),
      [B, T],
      'int32',
    );
  const data = Array.from({ length: batches }, () =>
    tf.tidy(() => [tf.oneHot(ids(), V).toFloat(), tf.oneHot(ids(), V).toFloat()] as [TF.Tensor3D, TF.Tensor3D]),
  );
  let i = 0;
  return {
    async step() {
      const [x, y] = data[i++ % data.length];
      const loss = await model.trainOnBatch(x, y);
      return Array.isArray(loss) ? loss[0] : loss;
    },
    dispose() {
      tf.dispose(data.flat());
      model.dispose();
      optimizer.dispose();
    },
  };
}

/** What a peer run reports (bench/peerWorker.ts → the page). */
export type PeerStatus = 'ok' | 'partial' | 'too-slow' | 'error' | 'skipped';

export interface PeerResult {
  peer: string;
  config: BenchConfig;
  status: PeerStatus;
  /** Measured (status 'ok' or 'partial'). */
  msPerStep?: number;
  steps?: number;
  warmupMs?: number;
  firstLoss?: number;
  lastLoss?: number;
  /**
   * 'too-slow': what was running at the deadline and for how long, a lower bound on its time: a
   * timed step ('step', so a step takes more than boundMs), the first step with its shader
   * compilation ('warm-up'), or backend start and model build ('setup').
   */
  boundMs?: number;
  boundPhase?: 'setup' | 'warm-up' | 'step';
  /** 'skipped' for time: a lower bound on the step time from a smaller size (its time × the T ratio). */
  estimateMs?: number;
  /** Tensors alive after the timed steps minus before: 0 means no tensor leaked per step. */
  tensorsAdded?: number;
  note?: string;
}
