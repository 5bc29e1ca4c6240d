// Train / Pause / Step / Reset and the session's state. Train reads "Resume" once there are steps.

import { useShallow } from 'zustand/react/shallow';
import { lab } from '../lab/pageLab.ts';
import { SaveStatus } from '../persist/SaveStatus.tsx';
import { useStore } from '../store/index.ts';
import { noDevice, type Phase } from '../store/sessionSlice.ts';

const PHASE_TEXT: Record<Phase, string> = {
  starting: 'Starting…',
  configuring: 'Preparing…',
  idle: 'Ready',
  training: 'Training',
  paused: 'Paused',
  failed: 'Stopped',
};

export function RunControls() {
  const { phase, steps, carriedSteps, hasErrors, unavailable } = useStore(
    useShallow((s) => ({
      phase: s.phase,
      steps: s.steps,
      carriedSteps: s.carriedSteps,
      hasErrors: Object.keys(s.errors).length > 0,
      unavailable: noDevice(s),
    })),
  );
  const ready = phase === 'idle' || phase === 'paused';
  return (
    <div className="run-controls">
      <div className="buttons">
        <button type="button" className="primary" onClick={() => lab.train()} disabled={!ready || hasErrors}>
          {phase === 'paused' && steps > 0 ? 'Resume' : 'Train'}
        </button>
        <button type="button" onClick={() => lab.pause()} disabled={phase !== 'training'}>
          Pause
        </button>
        <button type="button" onClick={() => lab.step()} disabled={!ready || hasErrors} title="Train one step, then pause">
          Step
        </button>
        <button
          type="button"
          onClick={() => lab.reset()}
          disabled={unavailable || phase === 'starting' || phase === 'configuring'}
          title="Fresh weights, same settings"
        >
          Reset
        </button>
      </div>
      <p className="run-state">
        <span className={`status status-${phase}`} data-testid="status">
          {PHASE_TEXT[phase]}
        </span>
        <a className="to-settings" href="#settings">
          Settings ↓
        </a>
        <span className="steps">
          step <strong data-testid="steps">{steps.toLocaleString('en-US')}</strong>
          {/* Weights kept across settings, or imported from a file that records their steps: the curves count from 0, the weights did not. */}
          {carriedSteps > 0 && (
            <span className="muted" data-testid="trained-steps">
              {' '}
              (weights trained {(carriedSteps + steps).toLocaleString('en-US')} steps)
            </span>
          )}
        </span>
      </p>
      <SaveStatus />
    </div>
  );
}
