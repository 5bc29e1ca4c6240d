// The high-frequency data of a session, kept outside React state: per-step series, validation
// points and the latest heatmap frame. The page's controller writes here; charts and the heatmap
// subscribe to the signals and redraw on their own schedule (onFrame).

import type { FromWorker, HeatmapChannel, Prediction } from '../../gpu/session/protocol.ts';
import { Signal } from './signal.ts';
import { StepSeries } from './stepSeries.ts';

export interface ValidationPoint {
  step: number;
  loss: number;
}

export interface HeatmapFrame {
  step: number;
  T: number;
  channels: HeatmapChannel[];
}

/** What the model predicted for validation sequence 0 at a validation step. */
export interface PredictionFrame {
  step: number;
  prediction: Prediction;
}

export class Metrics {
  readonly loss = new StepSeries();
  readonly gradNorm = new StepSeries();
  readonly tokensPerSec = new StepSeries();
  readonly msPerStep = new StepSeries();
  /** Steps the trainer skipped (a non-finite gradient), counted. */
  skippedSteps = 0;
  readonly validation: ValidationPoint[] = [];
  heatmap: HeatmapFrame | null = null;
  /** Heatmap frames received since the last clear. */
  heatmapFrames = 0;
  prediction: PredictionFrame | null = null;

  /** Fires when a series or the validation changed. */
  readonly series = new Signal();
  /** Fires when a heatmap frame arrived. */
  readonly heatmapChanged = new Signal();
  /** Fires when a prediction arrived (or was cleared). */
  readonly predictionChanged = new Signal();

  addWindow(w: { firstStep: number; losses: Float32Array; gradNorms: Float32Array; skipped: Uint8Array; msPerStep: number; tokensPerSec: number }): void {
    this.loss.put(w.firstStep, w.losses);
    this.gradNorm.put(w.firstStep, w.gradNorms);
    // Speed is measured per window; every step of the window gets it, so all series share the x axis.
    this.msPerStep.fill(w.firstStep, w.losses.length, w.msPerStep);
    this.tokensPerSec.fill(w.firstStep, w.losses.length, w.tokensPerSec);
    for (const s of w.skipped) this.skippedSteps += s ? 1 : 0;
    this.series.notify();
  }

  addValidation(point: ValidationPoint): void {
    // A reset or reconfigure restarts the step count; a point before the last one starts a new curve.
    while (this.validation.length && this.validation[this.validation.length - 1].step >= point.step) this.validation.pop();
    this.validation.push(point);
    this.series.notify();
  }

  setHeatmap(frame: HeatmapFrame): void {
    this.heatmap = frame;
    this.heatmapFrames++;
    this.heatmapChanged.notify();
  }

  setPrediction(frame: PredictionFrame): void {
    this.prediction = frame;
    this.predictionChanged.notify();
  }

  /** Forgets the steps from `step` on and the validations after it: the trainer went back to `step`. */
  dropAfter(step: number): void {
    for (const s of [this.loss, this.gradNorm, this.tokensPerSec, this.msPerStep]) s.truncate(step);
    while (this.validation.length && this.validation[this.validation.length - 1].step > step) this.validation.pop();
    this.series.notify();
  }

  /**
   * Takes the worker's per-step data (metrics windows, validations, heatmaps, predictions, and the
   * step a recovery went back to); true when the message was one of those. The page's controller and
   * each notebook cell route their messages through here.
   */
  receive(m: FromWorker): boolean {
    switch (m.type) {
      case 'metrics':
        this.addWindow(m);
        return true;
      case 'validation':
        this.addValidation({ step: m.step, loss: m.loss });
        return true;
      case 'heatmap':
        this.setHeatmap({ step: m.step, T: m.T, channels: m.channels });
        return true;
      case 'prediction':
        this.setPrediction({ step: m.step, prediction: m.prediction });
        return true;
      case 'recovered':
        // The worker's new trainer counts on from its checkpoint's step: what was shown after it is gone.
        this.dropAfter(m.step);
        return true;
      default:
        return false;
    }
  }

  clear(): void {
    for (const s of [this.loss, this.gradNorm, this.tokensPerSec, this.msPerStep]) s.clear();
    this.skippedSteps = 0;
    this.validation.length = 0;
    this.heatmap = null;
    this.heatmapFrames = 0;
    this.series.notify();
    this.heatmapChanged.notify();
    this.prediction = null;
    this.predictionChanged.notify();
  }
}
