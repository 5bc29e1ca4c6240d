// The GPU in use (adapter, backend, the limits the worker works within), or, without WebGPU, what
// is missing and how to get it.

import { useStore } from '../store/index.ts';
import type { KernelReport } from '../../gpu/session/protocol.ts';

/** The limits that bound what can be trained, shown first. */
const KEY_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupStorageSize',
];

/** How the step kernels were chosen, in words. */
const KERNEL_SOURCE: Record<KernelReport['source'], (ms: number, timing?: string) => string> = {
  default: () => 'the default for a CPU adapter',
  measured: (ms, timing) => `measured on this device in ${(ms / 1000).toFixed(1)} s${timing ? `, by ${timing}` : ''}`,
  cache: () => 'measured on this device before',
  recorded: () => 'recorded with this run',
  given: () => 'as named',
};

const SEQ2SEQ_CELLS: Record<string, string> = { 'rnn-tanh': 'RNN (tanh)', 'rnn-relu': 'RNN (ReLU)', gru: 'GRU', lstm: 'LSTM' };
const ATTENTION_TEXT: Record<string, string> = { none: 'no attention', dot: 'dot attention', general: 'general attention', additive: 'additive attention' };

export function DevicePanel() {
  const device = useStore((s) => s.device);
  const deviceError = useStore((s) => s.deviceError);
  const model = useStore((s) => s.model);
  const treeModel = useStore((s) => s.treeModel);
  const treeCell = useStore((s) => (s.applied?.cell === 'tree-rnn' ? 'Tree RNN' : 'Tree-LSTM'));
  const seq2seqModel = useStore((s) => s.seq2seqModel);
  const applied = useStore((s) => s.applied);
  return (
    <section className="panel device wide" aria-labelledby="device-title">
      <header className="panel-head">
        <h2 id="device-title">Device</h2>
      </header>
      {!device ? (
        <p className="muted">{deviceError ? 'No device: nothing can be trained.' : 'Looking for a WebGPU adapter…'}</p>
      ) : (
        <>
          <dl className="kv">
            <dt>Adapter</dt>
            <dd data-testid="adapter">{device.adapter}</dd>
            <dt>Backend</dt>
            <dd>{device.backend}</dd>
            {model && (
              <>
                <dt>Model</dt>
                <dd>
                  {model.config.bidirectional ? 'bidirectional ' : ''}
                  {model.config.cell.toUpperCase()} {model.config.layers}×{model.config.hidden}, {model.paramCount.toLocaleString('en-US')} parameters
                  {model.vocabulary && `, vocabulary ${model.vocabulary.length}`}
                </dd>
              </>
            )}
            {model?.kernels && (
              <>
                <dt>Step kernels</dt>
                <dd data-testid="step-kernels">
                  {model.kernels.name} <span className="muted">({KERNEL_SOURCE[model.kernels.source](model.kernels.tookMs, model.kernels.timing)})</span>
                </dd>
              </>
            )}
            {seq2seqModel && applied && (
              <>
                <dt>Model</dt>
                <dd>
                  {applied.bidirectional ? 'bidirectional ' : ''}
                  {SEQ2SEQ_CELLS[applied.cell] ?? applied.cell} encoder–decoder {applied.layers}×{applied.hidden}, {ATTENTION_TEXT[applied.attention]},{' '}
                  {seq2seqModel.paramCount.toLocaleString('en-US')} parameters, vocabulary {seq2seqModel.vocabulary.length}
                </dd>
              </>
            )}
            {treeModel && (
              <>
                <dt>Model</dt>
                <dd>
                  {treeCell} ×{treeModel.hidden}, {treeModel.paramCount.toLocaleString('en-US')} parameters, {treeModel.classes.length} classes
                </dd>
              </>
            )}
          </dl>
          {model?.kernels && Object.keys(model.kernels.measured).length > 0 && (
            <details>
              <summary>What each step kernel measured</summary>
              <table className="kernels">
                <thead>
                  <tr>
                    <th scope="col">Pass: kernel</th>
                    <th scope="col">ms for T steps</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(model.kernels.measured)
                    .sort(([, a], [, b]) => a - b)
                    .map(([k, ms]) => (
                      <tr key={k}>
                        <td>{k}</td>
                        <td>{ms.toFixed(3)}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
              {!!model.kernels.rejected?.length && (
                <p className="muted">Not used, their results differed from the default kernels’ on this device: {model.kernels.rejected.join(', ')}.</p>
              )}
            </details>
          )}
          <details hidden={Object.keys(device.limits).length === 0}>
            <summary>Limits in use</summary>
            <dl className="kv limits">
              {sortedLimits(device.limits).map(([k, v]) => (
                <div key={k} className="kv-row">
                  <dt>{k}</dt>
                  <dd>{v.toLocaleString('en-US')}</dd>
                </div>
              ))}
            </dl>
          </details>
        </>
      )}
    </section>
  );
}

function sortedLimits(limits: Record<string, number>): [string, number][] {
  const rank = (k: string) => (KEY_LIMITS.includes(k) ? KEY_LIMITS.indexOf(k) : KEY_LIMITS.length);
  return Object.entries(limits).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}
