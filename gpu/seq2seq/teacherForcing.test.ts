import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/validate.ts';
import { feedsBack, parseTeacherForcing, teacherForcingJson, teacherForcingMask, teacherForcingRatio } from './teacherForcing.ts';

describe('teacher-forcing schedules', () => {
  it('absent is full teacher forcing: ratio 1 at every step, no mask, never feeds back', () => {
    const tf = parseTeacherForcing(undefined);
    expect([0, 10, 1e6].map((n) => teacherForcingRatio(tf, n))).toEqual([1, 1, 1]);
    expect(teacherForcingMask(tf, 5, 1, 4, 3)).toBeUndefined();
    expect(feedsBack(tf)).toBe(false);
  });

  it('a number is a constant ratio, written back as the number', () => {
    const tf = parseTeacherForcing(0.25);
    expect(teacherForcingRatio(tf, 0)).toBe(0.25);
    expect(teacherForcingRatio(tf, 12345)).toBe(0.25);
    expect(teacherForcingJson(tf)).toBe(0.25);
    expect(feedsBack(tf)).toBe(true);
  });

  it('linear: from at step 0, halfway at steps/2, to at steps and after', () => {
    const tf = parseTeacherForcing({ from: 1, to: 0.2, steps: 1000 });
    expect(teacherForcingRatio(tf, 0)).toBe(1);
    expect(teacherForcingRatio(tf, 500)).toBeCloseTo(0.6, 12);
    expect(teacherForcingRatio(tf, 250)).toBeCloseTo(0.8, 12);
    expect(teacherForcingRatio(tf, 1000)).toBeCloseTo(0.2, 12);
    expect(teacherForcingRatio(tf, 5000)).toBeCloseTo(0.2, 12);
  });

  it('inverse sigmoid: exactly from and to at the ends, halfway at steps/2, flat at the ends and steepest in the middle', () => {
    const tf = parseTeacherForcing({ from: 1, to: 0, steps: 1000, shape: 'inverse-sigmoid' });
    const r = (n: number) => teacherForcingRatio(tf, n);
    expect(r(0)).toBeCloseTo(1, 12);
    expect(r(1000)).toBeCloseTo(0, 12);
    expect(r(2000)).toBeCloseTo(0, 12);
    expect(r(500)).toBeCloseTo(0.5, 12);
    for (let n = 0; n < 1000; n += 50) expect(r(n + 50)).toBeLessThan(r(n));
    const drop = (n: number) => r(n) - r(n + 50);
    expect(drop(475)).toBeGreaterThan(5 * drop(0));
    expect(drop(475)).toBeGreaterThan(5 * drop(950));
  });

  it('masks: the first step is always teacher-forced, the rest at the ratio, the same for a (seed, step) and different across steps', () => {
    const tf = parseTeacherForcing(0.3);
    const [U, B] = [50, 40];
    const m = teacherForcingMask(tf, 7, 11, U, B)!;
    expect(m.length).toBe(U * B);
    expect(Array.from(m.subarray(0, B))).toEqual(new Array(B).fill(1));
    const share = m.subarray(B).reduce((s, x) => s + x, 0) / ((U - 1) * B);
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeLessThan(0.35);
    expect(Array.from(teacherForcingMask(tf, 7, 11, U, B)!)).toEqual(Array.from(m));
    expect(Array.from(teacherForcingMask(tf, 8, 11, U, B)!)).not.toEqual(Array.from(m));
    expect(Array.from(teacherForcingMask(tf, 7, 12, U, B)!)).not.toEqual(Array.from(m));
    expect(Array.from(teacherForcingMask(parseTeacherForcing(0), 3, 1, 4, 2)!)).toEqual([1, 1, 0, 0, 0, 0, 0, 0]);
  });

  it.each([
    [1.5, /teacherForcing: must be a ratio from 0 to 1, got 1.5/],
    ['half', /teacherForcing: must be a ratio from 0 to 1, or/],
    [{ to: 0 }, /teacherForcing\.steps: must be an integer from 1 to 10000000, got undefined/],
    [{ from: -0.1, to: 0, steps: 10 }, /teacherForcing\.from: must be a ratio from 0 to 1, got -0.1/],
    [{ to: 0, steps: 10, shape: 'cosine' }, /teacherForcing\.shape: must be one of "linear", "inverse-sigmoid", got "cosine"/],
    [{ to: 0, steps: 10, ratio: 1 }, /teacherForcing\.ratio: unknown field/],
  ])('refuses %j, naming the field', (raw, message) => {
    expect(() => parseTeacherForcing(raw)).toThrow(ConfigError);
    expect(() => parseTeacherForcing(raw)).toThrow(message);
  });
});
