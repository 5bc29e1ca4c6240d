// The model's score beside a trivial strategy's, so a reader sees at a glance whether it learned
// anything: a task's validation loss against its baseline, a tree task's root accuracy against always
// answering the most frequent class.

import type { ReactNode } from 'react';

export interface Score {
  label: ReactNode;
  value: ReactNode;
  testId?: string;
}

export function Versus({ model, baseline }: { model: Score; baseline: Score }) {
  return (
    <dl className="versus">
      {[model, baseline].map((s, i) => (
        <div key={i}>
          <dt>{s.label}</dt>
          <dd data-testid={s.testId}>{s.value}</dd>
        </div>
      ))}
    </dl>
  );
}
