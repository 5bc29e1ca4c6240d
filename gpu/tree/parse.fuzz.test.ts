// Fuzz: the bracket-tree parser (gpu/tree/parse.ts) on mutated valid trees, nesting past the depth
// limit, wide brackets, huge labels and prototype-named tokens (`bracketTexts` in fuzz.ts): only
// TreeParseError, within time and memory, every accepted tree within TREE_LIMITS, and the writers
// round-trip what the parser accepts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bracketTexts, checkParse, FUZZ_SEED, fuzzParams, fuzzTimeout } from '../testing/fuzz.ts';
import { height, parseTree, parseTrees, stripPositions, TREE_LIMITS, TreeParseError, writePtb, writeSexpr, type TreeFormat } from './parse.ts';

const formats = fc.constantFrom<TreeFormat>('sexpr', 'ptb');

describe('fuzz: tree brackets', () => {
  it('the input generator covers deep, wide and mutated bracket texts', () => {
    const sample = fc.sample(bracketTexts, { numRuns: 200, seed: FUZZ_SEED });
    expect(sample.some((t) => t.startsWith('('.repeat(200)))).toBe(true);
    expect(sample.some((t) => (t.match(/ /g)?.length ?? 0) > 100)).toBe(true);
  });

  it(
    'parseTrees: only TreeParseError, bounded, accepted trees within the limits, writers round-trip',
    () => {
      fc.assert(
        fc.property(bracketTexts, formats, (text, format) => {
          const trees = checkParse(
            {
              name: 'parseTrees',
              parse: (t: string) => parseTrees(t, format),
              throws: [TreeParseError],
              maxMs: 1000,
              maxAllocated: (t: string) => 256 * t.length + (1 << 20),
            },
            text,
          );
          for (const t of trees ?? []) {
            expect(height(t)).toBeLessThanOrEqual(TREE_LIMITS.height);
            const written = format === 'ptb' ? writePtb(t) : writeSexpr(t);
            const again = parseTree(written, format);
            if (format === 'ptb') expect(stripPositions(again)).toEqual(stripPositions(t));
            else expect(writeSexpr(again)).toBe(written);
          }
        }),
        fuzzParams(),
      );
    },
    fuzzTimeout(20),
  );
});
