import { describe, expect, it } from 'vitest';
import { TAGGING_TAGS } from '../../gpu/data/tasks/tagging.ts';
import { COPY_VOCABULARY } from '../../gpu/data/tasks/copy.ts';
import { classStyles, contrastRatio } from './tagColors.ts';

describe('classStyles', () => {
  it('tagging: O neutral; B- and I- of an entity share a hue (solid vs tint); the two entities differ', () => {
    const [o, bTeam, iTeam, bCity, iCity] = classStyles(TAGGING_TAGS);
    expect(o.background).toBe('#e2e8f0');
    expect(bTeam.background).toBe(iTeam.borderColor);
    expect(bCity.background).toBe(iCity.borderColor);
    expect(bTeam.background).not.toBe(bCity.background);
    expect(new Set([o, bTeam, iTeam, bCity, iCity].map((s) => s.background)).size).toBe(5);
  });

  it('copy: the blank is neutral, the other nine classes have distinct colours', () => {
    const styles = classStyles(COPY_VOCABULARY);
    expect(styles[COPY_VOCABULARY.indexOf('_')].background).toBe('#e2e8f0');
    expect(new Set(styles.map((s) => s.background)).size).toBe(COPY_VOCABULARY.length);
  });

  it('every chip keeps a text contrast of at least 4.5:1', () => {
    const all = [...classStyles(TAGGING_TAGS), ...classStyles(COPY_VOCABULARY), ...classStyles(Array.from({ length: 12 }, (_, i) => `c${i}`))];
    const ratios = all.map((s) => contrastRatio(s.color, s.background));
    expect(Math.min(...ratios)).toBeGreaterThanOrEqual(4.5);
  });

  it('contrastRatio: black on white is 21, a colour on itself is 1', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#1d4ed8', '#1d4ed8')).toBe(1);
  });
});
