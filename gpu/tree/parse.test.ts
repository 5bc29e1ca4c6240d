// Bracketed trees: both formats parse as documented, every malformed input gets a positioned
// TreeParseError (and nothing else, under fuzzing), and writers round-trip.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseTree, parseTrees, stripPositions, TreeParseError, writePtb, writeSexpr, height, type Tree } from './parse.ts';
import { buildTreeBatch, headTargets, numericVocab, treeOf, vocabulary, TreeDataError } from './trees.ts';

const leaf = (token: string, label = -1): Tree => ({ token, label });
const node = (left: Tree, right: Tree, label = -1): Tree => ({ left, right, label });

describe('S-expressions', () => {
  it('reads the issue example, binarising the operator with its left operand', () => {
    const t = stripPositions(parseTree('(+ (3) (* (2) (4)))', 'sexpr'));
    expect(t).toEqual(node(node(leaf('+'), leaf('3')), node(node(leaf('*'), leaf('2')), leaf('4'))));
    expect(writeSexpr(t)).toBe('((+ 3) ((* 2) 4))');
  });

  it('treats (x) as x and ((a b)) as (a b)', () => {
    expect(stripPositions(parseTree(' ((( 7 ))) ', 'sexpr'))).toEqual(leaf('7'));
    expect(stripPositions(parseTree('((a b))', 'sexpr'))).toEqual(node(leaf('a'), leaf('b')));
  });

  it('refuses a non-binary node when asked to', () => {
    expect(() => parseTree('(a b c)', 'sexpr', { binarize: 'refuse' })).toThrow(/line 1, column 1: a node with 3 children/);
    expect(stripPositions(parseTree('(a b c d)', 'sexpr'))).toEqual(node(node(node(leaf('a'), leaf('b')), leaf('c')), leaf('d')));
  });
});

describe('PTB-style labelled trees', () => {
  it('reads labels on every bracket, words as leaves', () => {
    const t = stripPositions(parseTree('(3 (2 not) (4 good))', 'ptb'));
    expect(t).toEqual(node(leaf('not', 2), leaf('good', 4), 3));
    expect(writePtb(t)).toBe('(3 (2 not) (4 good))');
  });

  it('bare words are unlabelled leaves, _ is no label, extra children binarise with unlabelled inner nodes', () => {
    const t = stripPositions(parseTree('(1 very (_ (0 bad) movie) !)', 'ptb'));
    expect(t).toEqual(node(node(leaf('very'), node(leaf('bad', 0), leaf('movie'))), leaf('!'), 1));
    expect(writePtb(t)).toBe('(1 (_ very (_ (0 bad) movie)) !)');
  });

  it('checks labels against the number of classes', () => {
    expect(() => parseTree('(3 (5 a) (1 b))', 'ptb', { classes: 5 })).toThrow(/line 1, column 5: bad label "5": labels are integers in \[0, 4\]/);
  });

  it('reads several trees, one per line, with the line of an error', () => {
    expect(parseTrees('(1 a b)\n(0 (1 c) d)\n', 'ptb')).toHaveLength(2);
    const e = catchError(() => parseTrees('(1 a b)\n(0 (x c) d)\n', 'ptb'));
    expect(e).toBeInstanceOf(TreeParseError);
    expect(e.message).toBe('line 2, column 5: bad label "x": labels are integers in [0, 65535] (or _ for none)');
    expect([e.line, e.column, e.offset]).toEqual([2, 5, 12]);
  });
});

function catchError(f: () => unknown): TreeParseError {
  try {
    f();
  } catch (e) {
    return e as TreeParseError;
  }
  throw new Error('did not throw');
}

describe('malformed input: one positioned message each', () => {
  const cases: [string, 'sexpr' | 'ptb', RegExp][] = [
    ['(a (b c)', 'sexpr', /^line 1, column 1: unbalanced: this '\(' is never closed$/],
    ['(a b))', 'sexpr', /^line 1, column 6: unbalanced: '\)' without a matching '\('$/],
    [')', 'sexpr', /column 1: unbalanced: '\)' without/],
    ['(a ())', 'sexpr', /^line 1, column 4: empty node "\(\)"$/],
    ['', 'sexpr', /empty input/],
    ['   \n ', 'ptb', /empty input/],
    ['(a b) c', 'sexpr', /column 7: unexpected "c" after the end of the tree/],
    ['(1 (2 (3 a)))', 'ptb', /column 4: unary node/],
    ['(1)', 'ptb', /column 1: empty node/],
    ['()', 'ptb', /column 1: empty node "\(\)"/],
    ['(-1 a b)', 'ptb', /column 2: bad label "-1"/],
    ['(1.5 a b)', 'ptb', /bad label "1.5"/],
    ['(99999999999999999999999 a b)', 'ptb', /bad label "99999999999999999999…"/],
    ['word', 'ptb', /expected '\(' to start a labelled tree, found "word"/],
    ['((1 a) b)', 'ptb', /column 2: expected a label/],
  ];
  for (const [text, format, message] of cases)
    it(`${format} ${JSON.stringify(text)}`, () => {
      const e = catchError(() => parseTree(text, format));
      expect(e).toBeInstanceOf(TreeParseError);
      expect(e.message).toMatch(message);
    });

  it('refuses brackets nested deeper than 256, at the bracket that goes too deep', () => {
    parseTree('('.repeat(256) + 'a' + ')'.repeat(256), 'sexpr');
    const e = catchError(() => parseTree('('.repeat(100_000) + 'a' + ')'.repeat(100_000), 'sexpr'));
    expect(e.message).toBe('line 1, column 257: too deep: brackets may nest at most 256 levels');
  });

  it('refuses a binary tree taller than 256 after binarising', () => {
    const flat = (n: number) => `(${Array.from({ length: n }, (_, i) => `w${i}`).join(' ')})`;
    expect(height(parseTree(flat(257), 'sexpr'))).toBe(256);
    expect(catchError(() => parseTree(flat(258), 'sexpr')).message).toMatch(/^line 1, column 1: too deep: a binary tree may be at most 256 levels tall/);
  });

  it('refuses a tree of more than 100k nodes', () => {
    // A balanced tree of 2^17 leaves is short but has too many nodes.
    let text = 'x';
    for (let d = 0; d < 17; d++) text = `(${text} ${text})`;
    expect(catchError(() => parseTree(text, 'sexpr')).message).toMatch(/too many nodes: a tree may have at most 100000/);
  });

  it('throws nothing but TreeParseError on arbitrary input (fuzzed)', () => {
    const alphabet = fc.constantFrom('(', ')', ' ', '\n', 'a', '1', '0', '_', '-', '+', 'x');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 60 }).map((a) => a.join('')),
        fc.constantFrom('sexpr' as const, 'ptb' as const),
        fc.constantFrom('left' as const, 'refuse' as const),
        (text, format, binarize) => {
          try {
            parseTree(text, format, { binarize, limits: { depth: 6, height: 5, nodes: 12 } });
            parseTrees(text, format, { binarize });
          } catch (e) {
            if (!(e instanceof TreeParseError)) throw e;
            expect(e.message).toMatch(/^line \d+, column \d+: /);
          }
        },
      ),
      { numRuns: 3000, seed: 7 },
    );
  });
});

/** Random binary trees with tokens and labels (some missing). */
const arbTree: fc.Arbitrary<Tree> = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), tie('node')),
  leaf: fc.record({ token: fc.stringMatching(/^[a-z0-9+*!.]{1,4}$/), label: fc.integer({ min: -1, max: 9 }) }),
  node: fc.record({ left: tie('tree'), right: tie('tree'), label: fc.integer({ min: -1, max: 9 }) }),
})).tree as fc.Arbitrary<Tree>;

describe('round trips', () => {
  it('PTB: parse(writePtb(t)) = t, labels included', () => {
    fc.assert(
      fc.property(arbTree, (t) => {
        expect(stripPositions(parseTree(writePtb(t), 'ptb'))).toEqual(t);
      }),
      { numRuns: 300, seed: 1 },
    );
  });

  it('S-expressions: parse(writeSexpr(t)) = t without labels', () => {
    const unlabel = (t: Tree): Tree => ('token' in t ? leaf(t.token) : node(unlabel(t.left), unlabel(t.right)));
    fc.assert(
      fc.property(arbTree, (t) => {
        expect(stripPositions(parseTree(writeSexpr(t), 'sexpr'))).toEqual(unlabel(t));
      }),
      { numRuns: 300, seed: 2 },
    );
  });
});

describe('tree batches', () => {
  it('sorts nodes by height so each level is a contiguous range, children below parents', () => {
    fc.assert(
      fc.property(fc.array(arbTree, { minLength: 1, maxLength: 6 }), (trees) => {
        const vocab = { size: 1, id: () => 0, token: () => 't' };
        const b = buildTreeBatch(trees, vocab);
        expect(b.B).toBe(trees.length);
        expect(b.levels[b.levels.length - 1]).toBe(b.N);
        for (let h = 0; h + 1 < b.levels.length; h++) for (let n = b.levels[h]; n < b.levels[h + 1]; n++) expect(b.height[n]).toBe(h);
        for (let n = 0; n < b.N; n++) {
          if (b.left[n] >= 0) {
            expect(b.height[n]).toBe(1 + Math.max(b.height[b.left[n]], b.height[b.right[n]]));
            expect([b.parent[b.left[n]], b.side[b.left[n]], b.parent[b.right[n]], b.side[b.right[n]]]).toEqual([n, 0, n, 1]);
            expect(b.token[n]).toBe(-1);
          } else expect(n).toBeLessThan(b.leaves);
        }
        b.roots.forEach((r, t) => {
          expect(b.parent[r]).toBe(-1);
          expect(b.tree[r]).toBe(t);
        });
        const unTok = (t: Tree): Tree => ('token' in t ? { token: 't', label: t.label } : { left: unTok(t.left), right: unTok(t.right), label: t.label });
        trees.forEach((t, i) => expect(treeOf(b, i, vocab)).toEqual(unTok(t)));
      }),
      { numRuns: 200, seed: 3 },
    );
  });

  const ab = () => vocabulary(['a', 'b']);

  it('names the tree and offset of an unknown token', () => {
    expect(() => buildTreeBatch([parseTree('(a b)', 'sexpr'), parseTree('(a c)', 'sexpr')], ab())).toThrow(
      new TreeDataError('tree 1: unknown token "c" at offset 3'),
    );
  });

  it('names the tree of a label that is not a class', () => {
    expect(() => buildTreeBatch([parseTree('(7 a b)', 'ptb')], ab(), 5)).toThrow(/tree 0: label 7 is not a class id in \[0, 5\)/);
  });

  const partlyLabelled = () => buildTreeBatch([parseTree('(1 (0 a) b)', 'ptb'), parseTree('(_ a b)', 'ptb')], ab());

  it('heads at every node train on the labelled nodes, −1 elsewhere', () => {
    expect(Array.from(headTargets(partlyLabelled(), 'all')).sort()).toEqual([-1, -1, -1, -1, 0, 1]);
  });

  it('root heads need a label on every root, naming the tree without one', () => {
    expect(() => headTargets(partlyLabelled(), 'root')).toThrow(/tree 1 has no root label/);
  });

  it('numericVocab(12) knows 0 … 11 as written, nothing else', () => {
    expect(numericVocab(12).id('11')).toBe(11);
    expect(numericVocab(12).id('12')).toBeUndefined();
    expect(numericVocab(12).id('01')).toBeUndefined();
  });
});
