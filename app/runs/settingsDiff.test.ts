import { describe, expect, it } from 'vitest';
import { parseSettings, type FormValues, type Settings } from '../config/schema.ts';
import { formFromDataset } from '../store/settingsSlice.ts';
import { diffLabel, settingsDiff } from './settingsDiff.ts';

const settings = (over: Partial<FormValues> = {}): Settings => {
  const r = parseSettings({ ...formFromDataset('first-names'), ...over }, { uploadChars: null });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.settings;
};

describe('settingsDiff', () => {
  it('names each changed field with its old and new value, in the form’s order', () => {
    const a = settings({ lr: '0.003', hidden: '128' });
    const b = settings({ lr: '0.01', hidden: '256', bidirectional: false });
    expect(settingsDiff(a, b)).toEqual(['hidden 128 → 256', 'lr 0.003 → 0.01']);
    expect(diffLabel(a, b)).toBe('hidden 128 → 256 · lr 0.003 → 0.01');
  });
  it('says when nothing changed, and marks a first run', () => {
    expect(diffLabel(settings(), settings())).toBe('same settings');
    expect(diffLabel(null, settings())).toBe('first run');
  });
  it('shows switches as on/off and another dataset by its id', () => {
    expect(settingsDiff(settings(), { ...settings(), bidirectional: true })).toEqual(['bidirectional off → on']);
    expect(settingsDiff(settings(), settings({ ...formFromDataset('tagging') }))[0]).toBe('data first-names → tagging');
  });
});
