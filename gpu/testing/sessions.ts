// Test helper: the losses of steps from..from+n−1 out of a session's `metrics` messages, whatever
// windows carried them (NaN where none did).
import type { FromWorker } from '../session/protocol.ts';

type MetricsMessage = Extract<FromWorker, { type: 'metrics' }>;

export function lossesOfSteps(msgs: readonly MetricsMessage[], from: number, n: number): Float32Array {
  const out = new Float32Array(n).fill(NaN);
  for (const m of msgs)
    m.losses.forEach((l, i) => {
      const step = m.firstStep + i;
      if (step >= from && step < from + n) out[step - from] = l;
    });
  return out;
}
