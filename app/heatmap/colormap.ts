// A diverging blue–white–red colour map (ColorBrewer RdBu), symmetric around 0, as a lookup table.

const STOPS: [number, number, number][] = [
  [33, 102, 172], // −1: blue
  [103, 169, 207],
  [247, 247, 247], // 0: near white
  [239, 138, 98],
  [178, 24, 43], // +1: red
];

const SIZE = 256;

/** LUT[i] = [r, g, b] for v = −1 + 2i/(SIZE−1). */
const LUT: Uint8ClampedArray = (() => {
  const lut = new Uint8ClampedArray(SIZE * 3);
  for (let i = 0; i < SIZE; i++) {
    const p = (i / (SIZE - 1)) * (STOPS.length - 1);
    const k = Math.min(STOPS.length - 2, Math.floor(p));
    const f = p - k;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = STOPS[k][c] + (STOPS[k + 1][c] - STOPS[k][c]) * f;
  }
  return lut;
})();

/** Writes the colour of v / scale (clamped to [−1, 1]) into rgba at offset o. NaN is grey. */
export function putColor(rgba: Uint8ClampedArray, o: number, v: number, scale: number): void {
  if (!Number.isFinite(v)) {
    rgba[o] = rgba[o + 1] = rgba[o + 2] = 160;
  } else {
    const t = Math.max(-1, Math.min(1, v / scale));
    const i = Math.round(((t + 1) / 2) * (SIZE - 1)) * 3;
    rgba[o] = LUT[i];
    rgba[o + 1] = LUT[i + 1];
    rgba[o + 2] = LUT[i + 2];
  }
  rgba[o + 3] = 255;
}

/** The CSS gradient of the same map, for the legend. */
export const CSS_GRADIENT = `linear-gradient(to right, ${STOPS.map(([r, g, b]) => `rgb(${r} ${g} ${b})`).join(', ')})`;
