// `rnnlab train`'s log: one JSON line per metrics window (the last step's loss, the window's mean loss,
// the gradient norm, skipped steps if any, ms per step and a throughput), for sequence and tree runs.

import type { MetricsWindow } from '../../gpu/training/metrics.ts';

const round2 = (x: number) => Math.round(x * 100) / 100;

export class MetricsLog {
  private last = performance.now();

  /** `throughput(msPerStep, steps, step)`: the line's throughput field, e.g. {tokens_per_s: …}, and any other of the line's `step` (steps done). */
  constructor(private throughput: (msPerStep: number, steps: number, step: number) => Record<string, number>) {}

  /** Time from now on counts toward the next line (what came before, a validation say, does not). */
  restartClock(): void {
    this.last = performance.now();
  }

  /** The trainer's onMetrics. */
  readonly window = ({ firstStep, losses, gradNorms, skipped }: MetricsWindow): void => {
    const now = performance.now();
    const ms = (now - this.last) / losses.length;
    this.last = now;
    const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
    const skips = skipped.reduce((a, b) => a + b, 0);
    console.log(
      JSON.stringify({
        step: firstStep + losses.length,
        loss: losses[losses.length - 1],
        loss_mean: mean,
        grad_norm: gradNorms[gradNorms.length - 1],
        ...(skips ? { skipped_steps: skips } : {}),
        ms_per_step: round2(ms),
        ...this.throughput(ms, losses.length, firstStep + losses.length),
      }),
    );
  };
}
