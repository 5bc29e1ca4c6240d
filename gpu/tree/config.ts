// Recursive networks over binary trees: the model config and its parameters, laid out in one flat
// buffer (each tensor 64-float aligned, as gpu/recurrent/params.ts) under the names the weight files use.
//
//   cell "rnn" (the classic recursive network, Socher et al.):
//     leaf:  h = tanh(E[token] + b)                E = embedding.weight [V, H]
//     inner: h = tanh(W [h_left; h_right] + b)     W = tree.weight [H, 2H], b = tree.bias [H]
//   (leaves share b with inner nodes; a separate leaf bias would be redundant with E.)
//   cell "lstm" (the binary Tree-LSTM of Tai, Socher & Manning 2015, with a forget gate per child):
//     gate blocks of tree.weight [5H, 2H] and tree.bias [5H], in this order: [i, o, u, f_l, f_r]
//     inner: [i, o, u, f_l, f_r] = U [h_left; h_right] + b;  i, o, f_l, f_r = σ(·), u = tanh(·)
//            c = i ⊙ u + f_l ⊙ c_left + f_r ⊙ c_right,  h = o ⊙ tanh(c)
//     leaf:  [i, o, u] = E[token] + b[0:3H] (E = embedding.weight [V, 3H]: W^(i,o,u) x for a one-hot
//            x; leaves have no children, hence no forget gates), c = i ⊙ u, h = o ⊙ tanh(c)
//   head (every node, or the root only): logits = head.weight h + head.bias, head.weight [C, H]
//   loss: softmax cross-entropy, the mean over the nodes that carry a target (PyTorch's
//   CrossEntropyLoss with ignore_index=-1).

import { ConfigError, field, intIn, isObject, noUnknownKeys, oneOf } from '../core/validate.ts';
import { layoutOf, type ParamLayout } from '../core/paramLayout.ts';
import { Rng } from '../core/rng.ts';
import type { Heads } from './trees.ts';

export type TreeCell = 'rnn' | 'lstm';

export interface TreeModelConfig {
  cell: TreeCell;
  hidden: number;
  /** Token ids in [0, vocab). */
  vocab: number;
  classes: number;
  /** Train the head on each tree's root, or on every labelled node. */
  heads: Heads;
}

export const TREE_MODEL_LIMITS = { hidden: 1024, vocab: 65535, classes: 65535 } as const;
export const TREE_MODEL_KEYS = ['cell', 'hidden', 'vocab', 'classes', 'heads'] as const;
export const TREE_CELLS = ['rnn', 'lstm'] as const;
export const TREE_HEADS = ['root', 'all'] as const;
export const TREE_MODEL_DEFAULTS = { cell: 'rnn', heads: 'root' } as const;

/** Pre-activation rows per node: 1 block (rnn) or 5 ([i, o, u, f_l, f_r], lstm). */
export const treeGates = (cell: TreeCell): number => (cell === 'rnn' ? 1 : 5);
/** Width of an embedding row: H (rnn) or 3H ([i, o, u], lstm). */
export const leafWidth = (cfg: Pick<TreeModelConfig, 'cell' | 'hidden'>): number => (cfg.cell === 'rnn' ? 1 : 3) * cfg.hidden;

/** Parses the model fields of `raw`; `vocab` may be given by the caller (a token list's length). */
export function parseTreeModelConfig(raw: unknown, path = '', vocab?: number): TreeModelConfig {
  if (!isObject(raw)) throw new ConfigError(path, 'must be an object');
  const cell = oneOf(raw.cell ?? TREE_MODEL_DEFAULTS.cell, field(path, 'cell'), TREE_CELLS);
  return {
    cell,
    hidden: intIn(raw.hidden, field(path, 'hidden'), 1, TREE_MODEL_LIMITS.hidden),
    vocab: vocab ?? intIn(raw.vocab, field(path, 'vocab'), 1, TREE_MODEL_LIMITS.vocab),
    classes: intIn(raw.classes, field(path, 'classes'), 1, TREE_MODEL_LIMITS.classes),
    heads: oneOf(raw.heads ?? TREE_MODEL_DEFAULTS.heads, field(path, 'heads'), TREE_HEADS),
  };
}

/** The config as stored in a weight file's metadata. */
export function treeConfigFromJson(raw: unknown): TreeModelConfig {
  if (!isObject(raw)) throw new ConfigError('', 'must be an object');
  noUnknownKeys(raw, '', ['kind', ...TREE_MODEL_KEYS]);
  return parseTreeModelConfig(raw);
}

export function treeParamLayout(cfg: TreeModelConfig): ParamLayout {
  const H = cfg.hidden;
  const GH = treeGates(cfg.cell) * H;
  const shapes: [string, number[]][] = [
    ['embedding.weight', [cfg.vocab, leafWidth(cfg)]],
    ['tree.weight', [GH, 2 * H]],
    ['tree.bias', [GH]],
    ['head.weight', [cfg.classes, H]],
    ['head.bias', [cfg.classes]],
  ];
  return layoutOf(shapes);
}

/**
 * PyTorch's defaults: embedding.weight ~ N(0, 1) (nn.Embedding), every other tensor ~ U(−1/√H, 1/√H)
 * (nn.RNN / nn.LSTM), drawn in layout order from a seeded generator.
 */
export function initTreeParams(cfg: TreeModelConfig, seed: number): Float32Array {
  const layout = treeParamLayout(cfg);
  const flat = new Float32Array(layout.total);
  const rng = new Rng(seed);
  const bound = 1 / Math.sqrt(cfg.hidden);
  for (const s of layout.specs) {
    for (let i = 0; i < s.size; i++) {
      if (s.name === 'embedding.weight') {
        // Box–Muller; 1 − u keeps the log finite.
        const u = 1 - rng.uniform();
        const v = rng.uniform();
        flat[s.offset + i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      } else flat[s.offset + i] = -bound + 2 * bound * rng.uniform();
    }
  }
  return flat;
}

export const offsetOf = (layout: ParamLayout, name: string): number => layout.byName.get(name)!.offset;
