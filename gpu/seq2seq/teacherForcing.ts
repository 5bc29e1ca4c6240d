// Teacher forcing and its schedule: how often the decoder reads the target's previous token rather
// than its own prediction while it trains (scheduled sampling, Bengio et al. 2015). A config gives a
// constant ratio, or a schedule from one ratio to another over a number of steps:
//
//   "teacherForcing": 0.5
//   "teacherForcing": {"from": 1, "to": 0, "steps": 3000, "shape": "linear"}
//
//   linear           r(n) = from + (to − from) · x,                  x = min(1, n / steps)
//   inverse-sigmoid  r(n) = to + (from − to) · (σ(x) − σ(1)) / (σ(0) − σ(1)),  σ(x) = 1 / (1 + e^{10(x − ½)})
//                    (flat at first, steepest at steps/2, flat again: Bengio et al.'s inverse sigmoid decay,
//                    scaled to start exactly at `from` and end exactly at `to`)
//
// At step n every real target row but the first step's is teacher-forced with probability r(n),
// independently (the mask reference.ts and the GPU take), drawn from a stream of its own for (seed, n):
// the same masks after a resume, and the training data's stream untouched.

import { ConfigError, field, isObject, noUnknownKeys, oneOf } from '../core/validate.ts';
import { Rng } from '../core/rng.ts';

export const TEACHER_FORCING_SHAPES = ['linear', 'inverse-sigmoid'] as const;
export type TeacherForcingShape = (typeof TEACHER_FORCING_SHAPES)[number];

/** A ratio from `from` at step 0 to `to` at step `steps` and after (constant: from = to). */
export interface TeacherForcing {
  from: number;
  to: number;
  steps: number;
  shape: TeacherForcingShape;
}

/** A schedule as a config writes it (`from` defaults to 1, `shape` to linear). */
export interface TeacherForcingJson {
  from?: number;
  to: number;
  steps: number;
  shape?: TeacherForcingShape;
}

/** Full teacher forcing, the default. */
export const FULL_TEACHER_FORCING: TeacherForcing = { from: 1, to: 1, steps: 1, shape: 'linear' };
export const TEACHER_FORCING_STEPS = { min: 1, max: 10_000_000 } as const;

function ratioIn(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) throw new ConfigError(path, `must be a ratio from 0 to 1, got ${JSON.stringify(v)}`);
  return v;
}

/** Parses `teacherForcing` (a ratio, or {from, to, steps, shape}); absent: full teacher forcing. */
export function parseTeacherForcing(raw: unknown, path = 'teacherForcing'): TeacherForcing {
  if (raw === undefined) return FULL_TEACHER_FORCING;
  if (typeof raw === 'number') {
    const r = ratioIn(raw, path);
    return { from: r, to: r, steps: 1, shape: 'linear' };
  }
  if (!isObject(raw)) throw new ConfigError(path, 'must be a ratio from 0 to 1, or {"from", "to", "steps", "shape"}');
  noUnknownKeys(raw, path, ['from', 'to', 'steps', 'shape']);
  const from = ratioIn(raw.from ?? 1, field(path, 'from'));
  const to = ratioIn(raw.to, field(path, 'to'));
  const steps = raw.steps;
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < TEACHER_FORCING_STEPS.min || steps > TEACHER_FORCING_STEPS.max)
    throw new ConfigError(
      field(path, 'steps'),
      `must be an integer from ${TEACHER_FORCING_STEPS.min} to ${TEACHER_FORCING_STEPS.max}, got ${JSON.stringify(steps)}`,
    );
  const shape = oneOf(raw.shape ?? 'linear', field(path, 'shape'), TEACHER_FORCING_SHAPES);
  return { from, to, steps, shape };
}

/** The config's JSON form: a number when constant (as a user writes it). */
export function teacherForcingJson(tf: TeacherForcing): number | TeacherForcing {
  return tf.from === tf.to ? tf.from : tf;
}

const sigmoidDown = (x: number) => 1 / (1 + Math.exp(10 * (x - 0.5)));

/** r(n): the teacher-forcing ratio at step n. */
export function teacherForcingRatio(tf: TeacherForcing, step: number): number {
  if (tf.from === tf.to) return tf.from;
  const x = Math.min(1, Math.max(0, step / tf.steps));
  if (tf.shape === 'linear') return tf.from + (tf.to - tf.from) * x;
  const [s0, s1] = [sigmoidDown(0), sigmoidDown(1)];
  return tf.to + ((tf.from - tf.to) * (sigmoidDown(x) - s1)) / (s0 - s1);
}

/** Does the schedule ever feed the decoder its own predictions (a ratio below 1 at some step)? */
export const feedsBack = (tf: TeacherForcing): boolean => Math.min(tf.from, tf.to) < 1;

/**
 * The mask of step n for a batch of U target steps × B rows (row u·B + b, 1 = teacher-forced), each
 * row teacher-forced with probability r(n); undefined when r(n) = 1 (full teacher forcing).
 */
export function teacherForcingMask(tf: TeacherForcing, step: number, seed: number, U: number, B: number): Uint8Array | undefined {
  const r = teacherForcingRatio(tf, step);
  if (r >= 1) return undefined;
  // One stream per (seed, step): splitmix-style mixing of the two into the Rng's seed.
  const rng = new Rng((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(step >>> 0, 0x85ebca77) ^ 0x7f4a7c15) >>> 0);
  return Uint8Array.from({ length: U * B }, (_, i) => (i < B || rng.uniform() < r ? 1 : 0));
}
