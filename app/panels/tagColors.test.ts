import { describe, expect, it } from 'vitest';
import { TAGGING_TAGS } from '../../gpu/data/tasks/tagging.ts';
import { COPY_VOCABULARY } from '../../gpu/data/tasks/copy.ts';
import { classStyles, contrastRatio } from './tagColors.ts';

describe('classStyles', () => {
  const [o, bTeam, iTeam, bCity, iCity] = classStyles(TAGGING_TAGS);

  it('tagging: O is neutral', () => {
    expect(o.background).toBe('#e2e8f0');
  });

  it('tagging: B- and I- of an entity share a hue (solid vs tint)', () => {
    expect(bTeam.background).toBe(iTeam.borderColor);
    expect(bCity.background).toBe(iCity.borderColor);
  });

  it('tagging: every tag has its own background, the two entities apart', () => {
    expect(bTeam.background).not.toBe(bCity.background);
    expect(new Set([o, bTeam, iTeam, bCity, iCity].map((s) => s.background)).size).toBe(5);
  });

  it('copy: the blank is neutral', () => {
    expect(classStyles(COPY_VOCABULARY)[COPY_VOCABULARY.indexOf('_')].background).toBe('#e2e8f0');
  });

  it('copy: every class has its own colour', () => {
    expect(new Set(classStyles(COPY_VOCABULARY).map((s) => s.background)).size).toBe(COPY_VOCABULARY.length);
  });

  it('every chip keeps a text contrast of at least 4.5:1', () => {
    const all = [...classStyles(TAGGING_TAGS), ...classStyles(COPY_VOCABULARY), ...classStyles(Array.from({ length: 12 }, (_, i) => `c${i}`))];
    const ratios = all.map((s) => contrastRatio(s.color, s.background));
    expect(Math.min(...ratios)).toBeGreaterThanOrEqual(4.5);
  });
});

describe('contrastRatio', () => {
  it('is 21 for black on white', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
  });

  it('is 1 for a colour on itself', () => {
    expect(contrastRatio('#1d4ed8', '#1d4ed8')).toBe(1);
  });
});
