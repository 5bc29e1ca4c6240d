// Steps per second over a sliding window of wall time. Steps are counted when submitted; the
// trainer keeps only a few slices queued, so submitted and finished steps differ by a bounded amount.

export class RateMeter {
  private marks: { time: number; count: number }[] = [];

  constructor(private windowMs = 2000) {}

  mark(count: number, time = performance.now()): void {
    this.marks.push({ time, count });
    while (this.marks.length > 2 && time - this.marks[1].time >= this.windowMs) this.marks.shift();
  }

  /** Counts per second, or null until two marks span some time. */
  perSecond(): number | null {
    const first = this.marks[0];
    const last = this.marks[this.marks.length - 1];
    if (!first || last.time - first.time < 200) return null;
    return ((last.count - first.count) * 1000) / (last.time - first.time);
  }

  reset(): void {
    this.marks.length = 0;
  }
}
