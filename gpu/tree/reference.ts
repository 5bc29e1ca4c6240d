// The float64 reference of the recursive networks in config.ts: forward over the nodes in batch
// order (children before parents), and backpropagation through structure written out by hand,
// pushing each node's gradient to its children (the GPU pulls it from the parent instead: two
// different schedules that must agree). Slow and obvious on purpose: the specification the
// kernels are tested against, itself checked against finite differences.

import { treeGates, treeParamLayout, offsetOf, leafWidth, type TreeModelConfig } from './config.ts';
import { headTargets, TreeDataError, type TreeBatch } from './trees.ts';

type F64 = Float64Array;

export interface TreeForward {
  /** Hidden state of every node, [N, H]. */
  hs: F64;
  /** Tree-LSTM: cell states [N, H] and gate activations [N, 5H] ([i, o, u, f_l, f_r]; leaves f = 0). */
  cs: F64 | null;
  gates: F64 | null;
  /** The head on every node, [N, C] (with heads "root" only the roots' count in the loss). */
  logits: F64;
  /** Per-node loss, already divided by the number of targets: loss = Σ rowLoss. */
  rowLoss: F64;
  loss: number;
  /** Per node: its head's target class, or -1. */
  targets: Int32Array;
}

export interface TreeGradients {
  fwd: TreeForward;
  loss: number;
  /** Gradients in the flat layout of treeParamLayout. */
  grads: F64;
  /** ∂loss/∂(pre-activations) of every node, [N, G·H] (leaves: f blocks 0). */
  dpre: F64;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export class TreeReference {
  constructor(readonly cfg: TreeModelConfig) {}

  private views(p: F64) {
    const layout = treeParamLayout(this.cfg);
    const at = (name: string) => offsetOf(layout, name);
    return { E: at('embedding.weight'), W: at('tree.weight'), b: at('tree.bias'), Wh: at('head.weight'), bh: at('head.bias'), p, total: layout.total };
  }

  forward(params: F64, batch: TreeBatch, targets = headTargets(batch, this.cfg.heads)): TreeForward {
    const { cell, hidden: H, classes: C, vocab: V } = this.cfg;
    const { E, W, b, Wh, bh, p } = this.views(params);
    const N = batch.N;
    const EW = leafWidth(this.cfg);
    const lstm = cell === 'lstm';
    const hs = new Float64Array(N * H);
    const cs = lstm ? new Float64Array(N * H) : null;
    const gates = lstm ? new Float64Array(N * 5 * H) : null;
    const pre = new Float64Array(treeGates(cell) * H);
    for (let n = 0; n < N; n++) {
      const l = batch.left[n];
      const r = batch.right[n];
      if (l < 0) {
        const tok = batch.token[n];
        if (!(tok >= 0 && tok < V)) throw new TreeDataError(`node ${n}: token ${tok} outside the vocabulary of ${V}`);
        for (let j = 0; j < EW; j++) pre[j] = p[E + tok * EW + j] + p[b + j];
      } else {
        // pre = W [h_l; h_r] + b
        for (let j = 0; j < pre.length; j++) {
          let s = p[b + j];
          for (let k = 0; k < H; k++) s += p[W + j * 2 * H + k] * hs[l * H + k] + p[W + j * 2 * H + H + k] * hs[r * H + k];
          pre[j] = s;
        }
      }
      for (let i = 0; i < H; i++) {
        if (!lstm) {
          hs[n * H + i] = Math.tanh(pre[i]);
          continue;
        }
        const ig = sigmoid(pre[i]);
        const og = sigmoid(pre[H + i]);
        const ug = Math.tanh(pre[2 * H + i]);
        const fl = l < 0 ? 0 : sigmoid(pre[3 * H + i]);
        const fr = l < 0 ? 0 : sigmoid(pre[4 * H + i]);
        const c = ig * ug + (l < 0 ? 0 : fl * cs![l * H + i] + fr * cs![r * H + i]);
        cs![n * H + i] = c;
        hs[n * H + i] = og * Math.tanh(c);
        const g = gates!;
        g[n * 5 * H + i] = ig;
        g[n * 5 * H + H + i] = og;
        g[n * 5 * H + 2 * H + i] = ug;
        g[n * 5 * H + 3 * H + i] = fl;
        g[n * 5 * H + 4 * H + i] = fr;
      }
    }
    // Head and loss on every node; nodes without a target add nothing.
    const logits = new Float64Array(N * C);
    const rowLoss = new Float64Array(N);
    const count = targets.reduce((a, t) => a + (t >= 0 ? 1 : 0), 0);
    if (count === 0) throw new TreeDataError('the batch has no targets for the heads');
    let loss = 0;
    for (let n = 0; n < N; n++) {
      let max = -Infinity;
      for (let o = 0; o < C; o++) {
        let s = p[bh + o];
        for (let k = 0; k < H; k++) s += p[Wh + o * H + k] * hs[n * H + k];
        logits[n * C + o] = s;
        max = Math.max(max, s);
      }
      const t = targets[n];
      if (t < 0) continue;
      if (t >= C) throw new TreeDataError(`node ${n}: target ${t} outside the ${C} classes`);
      let sum = 0;
      for (let o = 0; o < C; o++) sum += Math.exp(logits[n * C + o] - max);
      rowLoss[n] = (max + Math.log(sum) - logits[n * C + t]) / count;
      loss += rowLoss[n];
    }
    return { hs, cs, gates, logits, rowLoss, loss, targets };
  }

  lossAndGrad(params: F64, batch: TreeBatch, targets?: Int32Array): TreeGradients {
    const fwd = this.forward(params, batch, targets);
    const { cell, hidden: H, classes: C } = this.cfg;
    const { E, W, b, Wh, bh, p, total } = this.views(params);
    const N = batch.N;
    const G = treeGates(cell);
    const EW = leafWidth(this.cfg);
    const lstm = cell === 'lstm';
    const grads = new Float64Array(total);
    const dpre = new Float64Array(N * G * H);
    const count = fwd.targets.reduce((a, t) => a + (t >= 0 ? 1 : 0), 0);

    // Head: dlogits = (softmax − onehot) / count on targeted nodes; dh = head.weightᵀ dlogits.
    const dh = new Float64Array(N * H);
    const dc = new Float64Array(N * H);
    for (let n = 0; n < N; n++) {
      const t = fwd.targets[n];
      if (t < 0) continue;
      let max = -Infinity;
      for (let o = 0; o < C; o++) max = Math.max(max, fwd.logits[n * C + o]);
      let sum = 0;
      for (let o = 0; o < C; o++) sum += Math.exp(fwd.logits[n * C + o] - max);
      for (let o = 0; o < C; o++) {
        const d = (Math.exp(fwd.logits[n * C + o] - max) / sum - (o === t ? 1 : 0)) / count;
        grads[bh + o] += d;
        for (let k = 0; k < H; k++) {
          grads[Wh + o * H + k] += d * fwd.hs[n * H + k];
          dh[n * H + k] += d * p[Wh + o * H + k];
        }
      }
    }

    // Parents before children: a node's dh (and dc) is complete when it is reached.
    for (let n = N - 1; n >= 0; n--) {
      const l = batch.left[n];
      const r = batch.right[n];
      const d = dpre.subarray(n * G * H, (n + 1) * G * H);
      for (let i = 0; i < H; i++) {
        const h = fwd.hs[n * H + i];
        if (!lstm) {
          d[i] = dh[n * H + i] * (1 - h * h); // h = tanh(pre)
          continue;
        }
        const g = fwd.gates!.subarray(n * 5 * H, (n + 1) * 5 * H);
        const [ig, og, ug, fl, fr] = [g[i], g[H + i], g[2 * H + i], g[3 * H + i], g[4 * H + i]];
        const tc = Math.tanh(fwd.cs![n * H + i]);
        const dhi = dh[n * H + i];
        const dci = dc[n * H + i] + dhi * og * (1 - tc * tc); // h = o tanh(c)
        d[i] = dci * ug * ig * (1 - ig); // c = i u + …
        d[H + i] = dhi * tc * og * (1 - og);
        d[2 * H + i] = dci * ig * (1 - ug * ug);
        if (l >= 0) {
          d[3 * H + i] = dci * fwd.cs![l * H + i] * fl * (1 - fl);
          d[4 * H + i] = dci * fwd.cs![r * H + i] * fr * (1 - fr);
          dc[l * H + i] += dci * fl;
          dc[r * H + i] += dci * fr;
        }
      }
      if (l < 0) {
        const tok = batch.token[n];
        for (let j = 0; j < EW; j++) {
          grads[E + tok * EW + j] += d[j];
          grads[b + j] += d[j];
        }
        continue;
      }
      for (let j = 0; j < G * H; j++) {
        grads[b + j] += d[j];
        for (let k = 0; k < H; k++) {
          grads[W + j * 2 * H + k] += d[j] * fwd.hs[l * H + k];
          grads[W + j * 2 * H + H + k] += d[j] * fwd.hs[r * H + k];
          dh[l * H + k] += p[W + j * 2 * H + k] * d[j];
          dh[r * H + k] += p[W + j * 2 * H + H + k] * d[j];
        }
      }
    }
    return { fwd, loss: fwd.loss, grads, dpre };
  }
}
