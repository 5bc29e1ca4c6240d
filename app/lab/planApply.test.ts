// What applying the form does, for the cases the page meets.

import { describe, expect, it } from 'vitest';
import { parseSettings, type FormValues } from '../config/schema.ts';
import { useStore, type Store } from '../store/index.ts';
import { formFromDataset } from '../store/settingsSlice.ts';
import { planApply } from './planApply.ts';

const form = (over: Partial<FormValues> = {}): FormValues => ({ ...formFromDataset('first-names'), ...over });
const settings = (f: FormValues) => {
  const parsed = parseSettings(f, { uploadChars: null });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.settings;
};
const state = (over: Partial<Store>): Store => ({ ...useStore.getInitialState(), ...over });

describe('planApply', () => {
  it('invalid settings: the field errors', () => {
    const plan = planApply(state({ form: form({ tbptt: '5' }) }));
    expect(plan.kind).toBe('invalid');
    expect(plan.kind === 'invalid' && Object.keys(plan.errors)).toEqual(['tbptt']);
  });

  it('the applied settings: no change', () => {
    expect(planApply(state({ form: form(), applied: settings(form()) }))).toEqual({ kind: 'unchanged' });
  });

  it('the settings being configured: no change', () => {
    const requested = { settings: settings(form()), keepWeights: false, resume: false, phaseBefore: 'starting' as const, carriedSteps: 0 };
    expect(planApply(state({ form: form(), applied: null, requested }))).toEqual({ kind: 'unchanged' });
  });

  it('a first configuration: new weights', () => {
    expect(planApply(state({ form: form(), applied: null }))).toEqual({ kind: 'configure', settings: settings(form()), keepWeights: false });
  });

  it('a new learning rate: the weights kept', () => {
    expect(planApply(state({ form: form({ lr: '0.01' }), applied: settings(form()), steps: 300 }))).toEqual({
      kind: 'configure',
      settings: settings(form({ lr: '0.01' })),
      keepWeights: true,
    });
  });

  const changed = form({ hidden: '32', seed: '2' });

  it('a new shape after training: ask first, naming what changed', () => {
    expect(planApply(state({ form: changed, applied: settings(form()), steps: 300 }))).toEqual({
      kind: 'confirm',
      pending: { settings: settings(changed), changed: ['hidden size', 'seed'] },
    });
  });

  it('a bidirectional model after training: ask first, naming it', () => {
    const tagging = { ...formFromDataset('tagging') };
    const bi = { ...tagging, bidirectional: true };
    expect(planApply(state({ form: bi, applied: settings(tagging), steps: 300 }))).toEqual({
      kind: 'confirm',
      pending: { settings: settings(bi), changed: ['bidirectional setting'] },
    });
  });

  it('a new shape after the session failed: no question', () => {
    expect(planApply(state({ form: changed, applied: settings(form()), steps: 300, phase: 'failed' }))).toEqual({
      kind: 'configure',
      settings: settings(changed),
      keepWeights: false,
    });
  });

  it('a new shape before any training: no question', () => {
    expect(planApply(state({ form: changed, applied: settings(form()), steps: 0 }))).toEqual({
      kind: 'configure',
      settings: settings(changed),
      keepWeights: false,
    });
  });
});
