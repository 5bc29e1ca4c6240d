// The headline numbers: latest training loss, validation loss, throughput.

import { lab } from '../lab/pageLab.ts';
import { fmt } from '../charts/theme.ts';
import { LiveValue } from './LiveValue.tsx';
import { useStore } from '../store/index.ts';

const { metrics } = lab;

const lastFinite = (read: () => number) => () => fmt(read(), 4);
const readLoss = lastFinite(() => {
  // The newest window may end in a dropped step; look back a little for a value.
  for (let s = metrics.loss.end - 1; s >= Math.max(metrics.loss.start, metrics.loss.end - 50); s--) {
    const v = metrics.loss.at(s);
    if (Number.isFinite(v)) return v;
  }
  return NaN;
});
const readValidation = () => fmt(metrics.validation.at(-1)?.loss, 4);
const readTokens = () => fmt(metrics.tokensPerSec.latest());
const readMs = () => fmt(metrics.msPerStep.latest());

export function StatsRow() {
  // A tree model's throughput counts tree nodes.
  const tree = useStore((s) => s.treeModel !== null);
  return (
    <dl className="stats">
      <Stat label="Loss">
        <LiveValue signal={metrics.series} read={readLoss} testId="loss" />
      </Stat>
      <Stat label="Validation">
        <LiveValue signal={metrics.series} read={readValidation} testId="validation" />
      </Stat>
      <Stat label={tree ? 'Nodes/s' : 'Tokens/s'}>
        <LiveValue signal={metrics.series} read={readTokens} />
      </Stat>
      <Stat label="ms/step">
        <LiveValue signal={metrics.series} read={readMs} />
      </Stat>
    </dl>
  );
}

function Stat({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
