// Colours of the class chips (tagging's BIO tags, copy's symbols). BIO tags of one entity type share a
// hue: B- solid with white text, I- a tint of it with dark text, so a multi-word name reads as one
// span. 'O' (tagging) and '_' (copy's blank) are neutral grey, so the entities stand out. Every pair
// keeps a WCAG contrast of at least 4.5:1 (tagColors.test.ts checks it); the hues are the charts'
// blue / orange / purple / green, told apart with the common colour-vision deficiencies.

export interface ChipStyle {
  background: string;
  color: string;
  borderColor: string;
}

const NEUTRAL: ChipStyle = { background: '#e2e8f0', color: '#334155', borderColor: '#cbd5e1' };
const NEUTRAL_NAMES = new Set(['O', '_']);

/** Per hue: the solid colour (B- tags, other classes) and its tint with a dark text (I- tags). */
const HUES = [
  { solid: '#1d4ed8', tint: '#dbeafe', dark: '#1e3a8a' }, // blue
  { solid: '#c2410c', tint: '#ffedd5', dark: '#7c2d12' }, // orange
  { solid: '#7e22ce', tint: '#f3e8ff', dark: '#581c87' }, // purple
  { solid: '#047857', tint: '#d1fae5', dark: '#064e3b' }, // green
  { solid: '#be123c', tint: '#ffe4e6', dark: '#881337' }, // rose
  { solid: '#0e7490', tint: '#cffafe', dark: '#164e63' }, // cyan
  { solid: '#a16207', tint: '#fef9c3', dark: '#713f12' }, // amber
  { solid: '#4d7c0f', tint: '#ecfccb', dark: '#365314' }, // lime
  { solid: '#9d174d', tint: '#fce7f3', dark: '#831843' }, // pink
  { solid: '#475569', tint: '#f1f5f9', dark: '#1e293b' }, // slate
];

const solid = (h: (typeof HUES)[number]): ChipStyle => ({ background: h.solid, color: '#ffffff', borderColor: h.solid });
const tint = (h: (typeof HUES)[number]): ChipStyle => ({ background: h.tint, color: h.dark, borderColor: h.solid });

/** One style per class, in the classes' order. */
export function classStyles(classes: readonly string[]): ChipStyle[] {
  const bio = classes.every((c) => NEUTRAL_NAMES.has(c) || /^[BI]-./.test(c));
  if (!bio) {
    let next = 0;
    return classes.map((c) => (NEUTRAL_NAMES.has(c) ? NEUTRAL : solid(HUES[next++ % HUES.length])));
  }
  const entities: string[] = [];
  return classes.map((c) => {
    if (NEUTRAL_NAMES.has(c)) return NEUTRAL;
    const entity = c.slice(2);
    if (!entities.includes(entity)) entities.push(entity);
    const hue = HUES[entities.indexOf(entity) % HUES.length];
    return c.startsWith('B-') ? solid(hue) : tint(hue);
  });
}

/** WCAG 2 contrast ratio of two #rrggbb colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const [la, lb] = [luminance(a), luminance(b)];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}
