// Bracketed binary trees: parsers for S-expressions and PTB-style labelled trees, and writers that
// round-trip them. Every failure is a TreeParseError with the offset, line and column where the
// input went wrong; nothing else is ever thrown (tested by fuzzing).
//
// S-expression (no labels in the text; a tree's label is given beside it):
//   tree := atom | '(' tree+ ')'
//   `(3)` and `3` are the same leaf; `(a b)` is a node with children a and b; `((a b))` = `(a b)`.
//   `(+ (3) (* (2) (4)))`: the operator is a leaf like any other item.
// PTB-style (the first atom of every bracket is that node's label, as in the Stanford Sentiment
// Treebank): tree := '(' label item+ ')' ; item := tree | word
//   `(3 (2 not) (4 good))`: `(2 not)` is a leaf labelled 2 holding the word "not"; a bare word is an
//   unlabelled leaf; the label `_` means "no label" (what the writer prints for unlabelled nodes).
//   Labels are integers in [0, maxLabel] (or [0, classes) when `classes` is given).
//
// Binary trees only. A bracket with more than two items is binarised left-branching by default,
// (a b c d) → (((a b) c) d), the new inner nodes unlabelled: for `(+ 3 (* 2 4))` this gives
// ((+ 3) ((* 2) 4)), so an operator first meets its left operand. `binarize: 'refuse'` makes it an
// error instead. A PTB bracket with a single item that is itself a bracket (a unary chain) is refused.
// Limits: brackets nested deeper than 256, a binary tree (after binarising) taller than 256, or a
// tree of more than 100,000 nodes.

export const TREE_LIMITS = { depth: 256, height: 256, nodes: 100_000, maxLabel: 65535 } as const;

export type TreeLimits = Record<keyof typeof TREE_LIMITS, number>;

export type Tree = TreeLeaf | TreeNode;
export interface TreeLeaf {
  token: string;
  /** Class id, or -1 for none. */
  label: number;
  /** Offset in the source text (for error messages); absent for built trees. */
  at?: number;
}
export interface TreeNode {
  left: Tree;
  right: Tree;
  label: number;
  at?: number;
}

export const isLeaf = (t: Tree): t is TreeLeaf => 'token' in t;

export class TreeParseError extends Error {
  readonly line: number;
  readonly column: number;
  constructor(
    message: string,
    readonly offset: number,
    text: string,
  ) {
    const { line, column } = position(text, offset);
    super(`line ${line}, column ${column}: ${message}`);
    this.name = 'TreeParseError';
    this.line = line;
    this.column = column;
  }
}

function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++)
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  return { line, column: offset - start + 1 };
}

export interface ParseOptions {
  /** Items beyond two in one bracket: binarise left-branching (default) or refuse. */
  binarize?: 'left' | 'refuse';
  /** PTB labels must be < classes. */
  classes?: number;
  /** Overrides of TREE_LIMITS (lower only makes sense; for tests). */
  limits?: Partial<TreeLimits>;
}

type Token = { kind: '(' | ')' | 'atom'; text: string; at: number };

/** JavaScript's \s (a byte-order mark and no-break spaces too), so a token the parser accepts can always be written back. */
const isSpace = (c: number) =>
  c === 32 ||
  (c >= 9 && c <= 13) ||
  c === 0xa0 ||
  c === 0x1680 ||
  (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 ||
  c === 0x2029 ||
  c === 0x202f ||
  c === 0x205f ||
  c === 0x3000 ||
  c === 0xfeff;

class Reader {
  pos = 0;
  nodes = 0;
  readonly limits: TreeLimits;
  constructor(
    readonly text: string,
    readonly opts: ParseOptions,
  ) {
    this.limits = { ...TREE_LIMITS, ...opts.limits };
  }

  fail(message: string, at: number): never {
    throw new TreeParseError(message, at, this.text);
  }

  skipSpace(): void {
    while (this.pos < this.text.length && isSpace(this.text.charCodeAt(this.pos))) this.pos++;
  }

  peek(): Token | null {
    this.skipSpace();
    if (this.pos >= this.text.length) return null;
    const c = this.text[this.pos];
    if (c === '(' || c === ')') return { kind: c, text: c, at: this.pos };
    let end = this.pos;
    while (end < this.text.length) {
      const k = this.text.charCodeAt(end);
      if (isSpace(k) || k === 40 || k === 41) break;
      end++;
    }
    return { kind: 'atom', text: this.text.slice(this.pos, end), at: this.pos };
  }

  next(): Token | null {
    const t = this.peek();
    if (t) this.pos = t.at + t.text.length;
    return t;
  }

  count(at: number): void {
    if (++this.nodes > this.limits.nodes) this.fail(`too many nodes: a tree may have at most ${this.limits.nodes}`, at);
  }

  leaf(token: string, label: number, at: number): TreeLeaf {
    this.count(at);
    return { token, label, at };
  }

  /** Joins items into one binary node, left-branching; `label` goes on the top node. */
  join(items: Tree[], label: number, open: number): Tree {
    if (items.length > 2 && this.opts.binarize === 'refuse')
      this.fail(`a node with ${items.length} children: only binary trees are accepted (binarize: 'left' would make it left-branching)`, open);
    let t = items[0];
    for (let k = 1; k < items.length; k++) {
      this.count(open);
      t = { left: t, right: items[k], label: k === items.length - 1 ? label : -1, at: open };
      if (height(t) > this.limits.height) this.fail(`too deep: a binary tree may be at most ${this.limits.height} levels tall (after binarising)`, open);
    }
    return t;
  }

  unexpectedEnd(open: number): never {
    this.fail(`unbalanced: this '(' is never closed`, open);
  }

  /** S-expression: atom | '(' tree+ ')'. */
  sexpr(depth: number): Tree {
    const t = this.next();
    if (!t) this.fail('expected a tree, found the end of the input', this.text.length);
    if (t.kind === ')') this.fail(`unbalanced: ')' without a matching '('`, t.at);
    if (t.kind === 'atom') return this.leaf(t.text, -1, t.at);
    if (depth + 1 > this.limits.depth) this.fail(`too deep: brackets may nest at most ${this.limits.depth} levels`, t.at);
    const items = this.children(t.at, () => this.sexpr(depth + 1));
    if (items.length === 0) this.fail('empty node "()"', t.at);
    if (items.length === 1) return items[0];
    return this.join(items, -1, t.at);
  }

  /** The items of a bracket opened at `open`, each read by `item` (given the next token), up to and including its ')'. */
  children(open: number, item: (next: Token) => Tree): Tree[] {
    const items: Tree[] = [];
    for (;;) {
      const p = this.peek();
      if (!p) this.unexpectedEnd(open);
      if (p.kind === ')') {
        this.next();
        return items;
      }
      items.push(item(p));
    }
  }

  label(tok: Token | null, open: number): number {
    if (!tok) this.unexpectedEnd(open);
    if (tok.kind === ')') this.fail('empty node "()"', open);
    if (tok.kind !== 'atom') this.fail(`expected a label (an integer${this.opts.classes ? ` in [0, ${this.opts.classes})` : ''} or _) after '('`, tok.at);
    if (tok.text === '_') return -1;
    const max = this.opts.classes !== undefined ? this.opts.classes - 1 : this.limits.maxLabel;
    if (!/^\d+$/.test(tok.text) || Number(tok.text) > max)
      this.fail(`bad label "${tok.text.length > 20 ? `${tok.text.slice(0, 20)}…` : tok.text}": labels are integers in [0, ${max}] (or _ for none)`, tok.at);
    return Number(tok.text);
  }

  /** PTB: '(' label item+ ')'. */
  ptb(depth: number): Tree {
    const open = this.next();
    if (!open) this.fail('expected a tree, found the end of the input', this.text.length);
    if (open.kind === ')') this.fail(`unbalanced: ')' without a matching '('`, open.at);
    if (open.kind === 'atom') this.fail(`expected '(' to start a labelled tree, found "${open.text}"`, open.at);
    if (depth + 1 > this.limits.depth) this.fail(`too deep: brackets may nest at most ${this.limits.depth} levels`, open.at);
    const label = this.label(this.next(), open.at);
    const items = this.children(open.at, (p) => {
      if (p.kind !== 'atom') return this.ptb(depth + 1);
      this.next();
      return this.leaf(p.text, -1, p.at);
    });
    if (items.length === 0) this.fail('empty node: a labelled bracket needs a word or two children', open.at);
    if (items.length === 1) {
      const only = items[0];
      if (!isLeaf(only) || only.at === undefined || this.text[only.at] === '(')
        this.fail('unary node: a labelled bracket needs a word or two children (collapse unary chains first)', open.at);
      return { token: only.token, label, at: open.at };
    }
    return this.join(items, label, open.at);
  }

  end(): void {
    const t = this.peek();
    if (t) this.fail(t.kind === ')' ? `unbalanced: ')' without a matching '('` : `unexpected "${t.text}" after the end of the tree`, t.at);
  }
}

const heights = new WeakMap<Tree, number>();
/** Height of a binary tree: 0 for a leaf. Memoised, so the binarising loop stays linear. */
export function height(t: Tree): number {
  if (isLeaf(t)) return 0;
  let h = heights.get(t);
  if (h === undefined) {
    h = 1 + Math.max(height(t.left), height(t.right));
    heights.set(t, h);
  }
  return h;
}

export type TreeFormat = 'sexpr' | 'ptb';

/** Parses one tree; anything after it but whitespace is an error. */
export function parseTree(text: string, format: TreeFormat, opts: ParseOptions = {}): Tree {
  if (typeof text !== 'string') throw new TreeParseError('a tree must be given as a string', 0, '');
  const r = new Reader(text, opts);
  if (!r.peek()) r.fail('empty input: expected a tree', 0);
  const t = format === 'ptb' ? r.ptb(0) : r.sexpr(0);
  r.end();
  return t;
}

/** Parses every tree in a text (e.g. one per line); each tree has its own node limit. */
export function parseTrees(text: string, format: TreeFormat, opts: ParseOptions = {}): Tree[] {
  if (typeof text !== 'string') throw new TreeParseError('trees must be given as a string', 0, '');
  const r = new Reader(text, opts);
  const out: Tree[] = [];
  while (r.peek()) {
    r.nodes = 0;
    out.push(format === 'ptb' ? r.ptb(0) : r.sexpr(0));
  }
  if (out.length === 0) r.fail('empty input: expected at least one tree', 0);
  return out;
}

function checkToken(token: string): string {
  if (token === '' || /[\s()]/.test(token))
    throw new TreeParseError(`token ${JSON.stringify(token)} cannot be written: tokens are non-empty and hold no whitespace or brackets`, 0, '');
  return token;
}

/** S-expression text: leaves as bare atoms, nodes as (left right). Labels are not written. */
export function writeSexpr(t: Tree): string {
  return isLeaf(t) ? checkToken(t.token) : `(${writeSexpr(t.left)} ${writeSexpr(t.right)})`;
}

/**
 * PTB text: (label word) for labelled leaves, a bare word for unlabelled ones (a tree that is a lone
 * unlabelled leaf: (_ word)), (label left right) for nodes, `_` for no label.
 */
export function writePtb(t: Tree, top = true): string {
  const label = t.label < 0 ? '_' : String(t.label);
  if (isLeaf(t)) return t.label < 0 && !top ? checkToken(t.token) : `(${label} ${checkToken(t.token)})`;
  return `(${label} ${writePtb(t.left, false)} ${writePtb(t.right, false)})`;
}

/** A tree without source offsets (for comparisons). */
export function stripPositions(t: Tree): Tree {
  return isLeaf(t) ? { token: t.token, label: t.label } : { left: stripPositions(t.left), right: stripPositions(t.right), label: t.label };
}

/** Nodes of a tree, leaves included. */
export function countNodes(t: Tree): number {
  return 'token' in t ? 1 : 1 + countNodes(t.left) + countNodes(t.right);
}
