// Two TensorFlow.js implementations of rnnlab's model (stacked recurrent layers + linear head +
// per-step loss), written from PyTorch's equations without using anything in gpu/reference, so
// tfjs.test.ts can hold them against RecurrentReference (float64, hand-written backward through
// time) as an independent check. Both run in float32 on TF.js's pure-JS 'cpu' backend.
//
// 1. kerasLossAndGrad: TF.js's own Keras layers (tf.layers.simpleRNN / tf.layers.lstm, stacked,
//    returnSequences, + tf.layers.dense), gradients by tf.variableGrads on the Keras weights.
//    This proves the weight conversion and gate order against a library implementation.
//    PyTorch → Keras conversion, per layer l:
//      kernel           = W_ihᵀ             [in, G*H]
//      recurrent_kernel = W_hhᵀ             [H, G*H]
//      bias             = b_ih + b_hh       [G*H]   (Keras has one bias; both PyTorch biases only
//                                                     ever appear in the sum gi + gh for RNN/LSTM)
//      Dense kernel     = head.weightᵀ [H, O],  Dense bias = head.bias
//    Gate order: Keras LSTM stacks [i, f, c, o] = PyTorch's [i, f, g, o], so no reordering.
//    recurrentActivation is set to 'sigmoid' explicitly (TF.js's default is 'hardSigmoid') and
//    unitForgetBias to false. Inputs are batch-major [B, T, F] (token ids as one-hot vectors).
//    Gradients map back as dW_ih = d(kernel)ᵀ, dW_hh = d(recurrent_kernel)ᵀ and, since both
//    biases feed the same sum, d b_ih = d b_hh = d(bias).
//
//    GRU is NOT available this way. TF.js 4.22's GRUCell is Keras' reset_after=False variant
//    ("reset before"): hh = tanh(x·W_h + b_h + (r ⊙ h)·U_h), gate order [z, r, h], one bias.
//    PyTorch's nn.GRU (= Keras reset_after=True, the cuDNN form) applies r after the recurrent
//    matmul and its own bias: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)). r ⊙ (U h) ≠ U (r ⊙ h)
//    for general weights, and b_hn sits inside the r ⊙ (...) while a single Keras bias cannot, so
//    no weight conversion makes them agree; TF.js throws on resetAfter: true (tfjs.test.ts pins
//    that). The GRU is checked by the second implementation only.
//
// 2. opsLossAndGrad: the cells written with plain tf ops (tf.matMul, tf.sigmoid, tf.tanh, a loop
//    over t) in PyTorch's own parameterisation (W_ih, W_hh, b_ih, b_hh kept apart, gate blocks
//    stacked along rows: RNN [a], GRU [r, z, n], LSTM [i, f, g, o]), time-major, gradients by
//    TF.js autodiff (tf.valueAndGrads) w.r.t. every parameter and the initial states. It covers
//    all three cells and ragged batches (PyTorch's packed sequences: past a sequence's end its
//    state is carried unchanged and the step adds no loss).
//
// Losses follow PyTorch's reduction='mean': 'ce' = mean over the N real rows of the per-row
// softmax cross-entropy; 'mse' = mean over N·O squared errors.

import * as tf from '@tensorflow/tfjs';
import { GATES, inputSize, type ModelConfig } from './config.ts';
import { paramLayout } from './params.ts';
import { type ParamLayout } from '../core/paramLayout.ts';
import type { Batch } from '../data/batch.ts';

/** Initial states, layer-major [L*B*H] (index (l*B + b)*H + i), as RecurrentInit. */
export interface TfInit {
  h0?: Float32Array;
  c0?: Float32Array;
}

export interface TfResult {
  /** Per layer: hidden states h_1..h_T, time-major [T*B*H] (row r = t*B + b). */
  hs: Float32Array[];
  /** Logits, time-major [T*B, O]; padded rows 0. */
  logits: Float32Array;
  loss: number;
  /** ∂loss/∂params in paramLayout(cfg)'s flat layout (padding between tensors 0). */
  grads: Float32Array;
  /** ∂loss/∂h0, ∂loss/∂c0 [L*B*H] (opsLossAndGrad only; c0: LSTM only). */
  dh0?: Float32Array;
  dc0?: Float32Array;
}

const isRagged = (batch: Batch) => batch.lengths !== undefined;
const realRow = (batch: Batch, r: number) => !batch.lengths || Math.floor(r / batch.B) < batch.lengths[r % batch.B];

/** 1 for real rows, 0 for padded ones, [T*B]. */
function rowMask(batch: Batch): Float32Array {
  return Float32Array.from({ length: batch.T * batch.B }, (_, r) => (realRow(batch, r) ? 1 : 0));
}

/** The inputs, time-major [T, B, In]: one-hot tokens or the F-vectors. Padded steps (junk in the batch, never read) become 0. */
export function inputTensor(cfg: ModelConfig, batch: Batch): tf.Tensor3D {
  const { T, B } = batch;
  const In = inputSize(cfg);
  const x = new Float32Array(T * B * In);
  for (let r = 0; r < T * B; r++) {
    if (!realRow(batch, r)) continue;
    if (cfg.input.kind === 'tokens') x[r * In + batch.tokens![r]] = 1;
    else x.set(batch.inputs!.subarray(r * In, (r + 1) * In), r * In);
  }
  return tf.tensor3d(x, [T, B, In]);
}

/** The loss of time-major logits [T*B, O], PyTorch's reduction='mean' over real rows. */
function lossOf(cfg: ModelConfig, batch: Batch, logits: tf.Tensor2D): tf.Scalar {
  const rows = batch.T * batch.B;
  const O = cfg.output;
  const ragged = isRagged(batch);
  // Ragged: weight 0 on padded rows and divide by the count of nonzero weights (N, or N·O for mse).
  const weights = ragged ? tf.tensor2d(rowMask(batch), [rows, 1]) : undefined;
  const reduction = ragged ? tf.Reduction.SUM_BY_NONZERO_WEIGHTS : tf.Reduction.MEAN;
  if (cfg.loss === 'ce') {
    const targets = Int32Array.from({ length: rows }, (_, r) => (realRow(batch, r) ? batch.targets![r] : 0));
    const onehot = tf.oneHot(tf.tensor1d(targets, 'int32'), O);
    return tf.losses.softmaxCrossEntropy(onehot, logits, weights && tf.reshape(weights, [rows]), 0, reduction);
  }
  if (cfg.loss === 'mse') {
    const y = Float32Array.from({ length: rows * O }, (_, k) => (realRow(batch, Math.floor(k / O)) ? batch.targetValues![k] : 0));
    return tf.losses.meanSquaredError(tf.tensor2d(y, [rows, O]), logits, weights, reduction);
  }
  throw new Error(`tfjsModels: loss ${cfg.loss} not implemented (per-step 'ce' and 'mse' only)`);
}

const slice = (flat: Float32Array, layout: ParamLayout, name: string) => {
  const s = layout.byName.get(name)!;
  return flat.subarray(s.offset, s.offset + s.size);
};

/** A named parameter as a tf tensor in its PyTorch shape. */
const paramTensor = (flat: Float32Array, layout: ParamLayout, name: string) => tf.tensor(slice(flat, layout, name), layout.byName.get(name)!.shape);

/** Batch-major [B, T, X] → a time-major flat copy [T*B*X] (row r = t*B + b). */
const timeMajorData = (x: tf.Tensor3D) => Float32Array.from(tf.transpose(x, [1, 0, 2]).dataSync());

/** Keras-layer forward and gradients (SimpleRNN / LSTM only; see the header for why not GRU). Zero or given initial states; no ragged batches. */
export function kerasLossAndGrad(cfg: ModelConfig, params: Float32Array, batch: Batch, init?: TfInit): TfResult {
  if (cfg.cell === 'gru') throw new Error('kerasLossAndGrad: TF.js has no PyTorch-compatible (reset_after) GRU');
  if (isRagged(batch)) throw new Error('kerasLossAndGrad: ragged batches are checked by opsLossAndGrad');
  const { T, B } = batch;
  const { hidden: H, output: O, layers: L } = cfg;
  const layout = paramLayout(cfg);
  const rnn: tf.layers.RNN[] = [];
  // Weights go in through the layer args (`weights`), which Keras loads when the layer is built by
  // its first apply; one apply to zeros builds each layer before the gradient tape starts.
  const build = <Y extends tf.layers.Layer>(layer: Y, shape: number[]): Y => {
    tf.tidy(() => {
      layer.apply(tf.zeros(shape)); // variables outlive the tidy; the output does not
    });
    return layer;
  };
  const initial = tf.tidy(() =>
    Array.from({ length: L }, (_, l) => {
      const p = (n: string) => paramTensor(params, layout, `rnn.${n}_l${l}`);
      return [tf.transpose(p('weight_ih')), tf.transpose(p('weight_hh')), tf.add(p('bias_ih'), p('bias_hh'))];
    }),
  );
  const headInitial = tf.tidy(() => [tf.transpose(paramTensor(params, layout, 'head.weight')), paramTensor(params, layout, 'head.bias')]);
  for (let l = 0; l < L; l++) {
    const weights = initial[l];
    const layer =
      cfg.cell === 'lstm'
        ? tf.layers.lstm({ units: H, activation: 'tanh', recurrentActivation: 'sigmoid', unitForgetBias: false, returnSequences: true, weights })
        : tf.layers.simpleRNN({ units: H, activation: cfg.nonlinearity, returnSequences: true, weights });
    rnn.push(build(layer, [B, T, l === 0 ? inputSize(cfg) : H]));
  }
  const head = build(tf.layers.dense({ units: O, weights: headInitial }), [B, T, H]);
  tf.dispose([...initial.flat(), ...headInitial]);

  try {
    const weights = [...rnn, head].map((layer) => layer.trainableWeights);
    // kernel, recurrent_kernel, bias per RNN layer; kernel, bias for the head. read() is the tf.Variable itself.
    const vars = weights.flat().map((w) => w.read() as tf.Variable);
    const hs: Float32Array[] = [];
    let logits = new Float32Array(0);
    const { value, grads } = tf.variableGrads(() => {
      let x = tf.transpose(inputTensor(cfg, batch), [1, 0, 2]) as tf.Tensor3D; // batch-major [B, T, In]
      rnn.forEach((layer, l) => {
        const state = (s: Float32Array | undefined) => tf.tensor2d(s ? s.subarray(l * B * H, (l + 1) * B * H) : new Float32Array(B * H), [B, H]);
        const initialState = init?.h0 || init?.c0 ? (cfg.cell === 'lstm' ? [state(init.h0), state(init.c0)] : [state(init.h0)]) : undefined;
        x = layer.apply(x, initialState ? { initialState } : {}) as tf.Tensor3D;
        hs.push(timeMajorData(x));
      });
      const z = head.apply(x) as tf.Tensor3D; // [B, T, O]
      const z2 = tf.reshape(tf.transpose(z, [1, 0, 2]), [T * B, O]) as tf.Tensor2D; // time-major rows r = t*B + b
      logits = Float32Array.from(z2.dataSync());
      return lossOf(cfg, batch, z2);
    }, vars);
    const loss = value.dataSync()[0];
    value.dispose();

    // Map the Keras gradients back to PyTorch's names and layout.
    const flat = new Float32Array(layout.total);
    const grad = (v: tf.Variable) => grads[v.name].dataSync();
    /** Writes a transposed [rows, cols] Keras gradient as the PyTorch [cols, rows] tensor `name`. */
    const putT = (name: string, g: ArrayLike<number>, rows: number, cols: number) => {
      const dst = slice(flat, layout, name);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) dst[j * rows + i] = g[i * cols + j];
    };
    const GH = GATES[cfg.cell] * H;
    for (let l = 0; l < L; l++) {
      const [kernel, recurrent, bias] = weights[l].map((w) => grad(w.read() as tf.Variable));
      putT(`rnn.weight_ih_l${l}`, kernel, l === 0 ? inputSize(cfg) : H, GH);
      putT(`rnn.weight_hh_l${l}`, recurrent, H, GH);
      slice(flat, layout, `rnn.bias_ih_l${l}`).set(bias);
      slice(flat, layout, `rnn.bias_hh_l${l}`).set(bias);
    }
    const [hk, hb] = weights[L].map((w) => grad(w.read() as tf.Variable));
    putT('head.weight', hk, H, O);
    slice(flat, layout, 'head.bias').set(hb);
    tf.dispose(grads);
    return { hs, logits, loss, grads: flat };
  } finally {
    for (const layer of [...rnn, head]) layer.dispose();
  }
}

/** One cell step with tf ops, PyTorch's equations. gi = x W_ihᵀ + b_ih, gh = h W_hhᵀ + b_hh, each [B, G*H]. */
function cellStep(cfg: ModelConfig, gi: tf.Tensor2D, gh: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D | null): [tf.Tensor2D, tf.Tensor2D | null] {
  if (cfg.cell === 'rnn') {
    const a = tf.add(gi, gh); // h' = act(W_ih x + b_ih + W_hh h + b_hh)
    return [cfg.nonlinearity === 'relu' ? tf.relu(a) : tf.tanh(a), null] as [tf.Tensor2D, null];
  }
  if (cfg.cell === 'gru') {
    const [ir, iz, inn] = tf.split(gi, 3, 1);
    const [hr, hz, hn] = tf.split(gh, 3, 1);
    const r = tf.sigmoid(tf.add(ir, hr));
    const z = tf.sigmoid(tf.add(iz, hz));
    const n = tf.tanh(tf.add(inn, tf.mul(r, hn))); // n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
    return [tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h)) as tf.Tensor2D, null]; // h' = (1 − z) ⊙ n + z ⊙ h
  }
  const a = tf.add(gi, gh);
  const [ai, af, ag, ao] = tf.split(a, 4, 1); // [i, f, g, o]
  const cNew = tf.add(tf.mul(tf.sigmoid(af), c!), tf.mul(tf.sigmoid(ai), tf.tanh(ag))) as tf.Tensor2D; // c' = f ⊙ c + i ⊙ g
  return [tf.mul(tf.sigmoid(ao), tf.tanh(cNew)), cNew]; // h' = o ⊙ tanh(c')
}

/** tf-op cells in PyTorch's parameterisation, gradients by TF.js autodiff; every cell, ragged batches, initial states. */
export function opsLossAndGrad(cfg: ModelConfig, params: Float32Array, batch: Batch, init?: TfInit): TfResult {
  const { T, B } = batch;
  const { hidden: H, layers: L } = cfg;
  const layout = paramLayout(cfg);
  const lstm = cfg.cell === 'lstm';
  const hs: Float32Array[] = [];
  let logits = new Float32Array(0);
  const out = tf.tidy(() => {
    const P = layout.specs.map((s) => paramTensor(params, layout, s.name));
    const h0 = tf.tensor3d(init?.h0 ?? new Float32Array(L * B * H), [L, B, H]);
    const c0 = tf.tensor3d(init?.c0 ?? new Float32Array(L * B * H), [L, B, H]);
    const mask = tf.tensor3d(rowMask(batch), [T, B, 1]);
    const x0 = inputTensor(cfg, batch);
    const f = (...args: tf.Tensor[]): tf.Scalar => {
      const p = (name: string) => args[layout.specs.findIndex((s) => s.name === name)] as tf.Tensor2D;
      // Layer l's initial state: a slice of the [L, B, H] argument. Not tf.unstack: in TF.js 4.22 its gradient
      // breaks when the axis has size 1 (L = 1: the one-output Unpack hands stack() a lone tensor).
      const layerState = (s: tf.Tensor, l: number) => tf.reshape(tf.slice(s, [l, 0, 0], [1, B, H]), [B, H]) as tf.Tensor2D;
      const masks = tf.unstack(mask) as tf.Tensor2D[];
      let xs = tf.unstack(x0) as tf.Tensor2D[]; // T × [B, In]
      for (let l = 0; l < L; l++) {
        const [wih, whh, bih, bhh] = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((n) => p(`rnn.${n}_l${l}`));
        let [h, c] = [layerState(args[P.length], l), lstm ? layerState(args[P.length + 1], l) : null];
        const outs: tf.Tensor2D[] = [];
        for (let t = 0; t < T; t++) {
          const gi = tf.add(tf.matMul(xs[t], wih, false, true), bih) as tf.Tensor2D;
          const gh = tf.add(tf.matMul(h, whh, false, true), bhh) as tf.Tensor2D;
          const [hNew, cNew] = cellStep(cfg, gi, gh, h, c);
          // Packed sequences: at padded steps (mask 0) the state is carried unchanged. Their inputs are 0 (never NaN), so this blend is exact.
          const keep = (nw: tf.Tensor2D, old: tf.Tensor2D) =>
            isRagged(batch) ? (tf.add(tf.mul(masks[t], nw), tf.mul(tf.sub(1, masks[t]), old)) as tf.Tensor2D) : nw;
          h = keep(hNew, h);
          if (lstm) c = keep(cNew!, c!);
          outs.push(h);
        }
        hs.push(Float32Array.from(tf.stack(outs).dataSync()));
        xs = outs;
      }
      const top = tf.reshape(tf.stack(xs), [T * B, H]) as tf.Tensor2D; // time-major rows r = t*B + b
      const z = tf.add(tf.matMul(top, p('head.weight'), false, true), p('head.bias')) as tf.Tensor2D;
      logits = Float32Array.from(tf.mul(z, tf.reshape(mask, [T * B, 1])).dataSync()); // padded rows 0, as the reference
      return lossOf(cfg, batch, z);
    };
    return tf.valueAndGrads(f)(lstm ? [...P, h0, c0] : [...P, h0]);
  });
  const flat = new Float32Array(layout.total);
  layout.specs.forEach((s, k) => flat.set(out.grads[k].dataSync(), s.offset));
  const res: TfResult = { hs, logits, loss: out.value.dataSync()[0], grads: flat, dh0: Float32Array.from(out.grads[layout.specs.length].dataSync()) };
  if (lstm) res.dc0 = Float32Array.from(out.grads[layout.specs.length + 1].dataSync());
  tf.dispose([out.value, ...out.grads]);
  return res;
}
