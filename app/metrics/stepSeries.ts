// One number per training step, outside React: a ring buffer that grows by doubling up to a cap and
// then forgets its oldest steps. Windows of steps arrive from the worker; a step whose window never
// arrived reads NaN, so a chart shows a gap rather than a made-up value.

const INITIAL_CAPACITY = 1024;
/** 2^21 steps (8 MiB per series) is hours of training; older steps are dropped after that. */
const MAX_CAPACITY = 1 << 21;

export class StepSeries {
  private data = new Float32Array(INITIAL_CAPACITY).fill(NaN);
  /** The oldest step held, and one past the newest. */
  private first = 0;
  private last = 0;

  get start(): number {
    return this.first;
  }

  get end(): number {
    return this.last;
  }

  get length(): number {
    return this.last - this.first;
  }

  at(step: number): number {
    if (step < this.first || step >= this.last) return NaN;
    return this.data[step & (this.data.length - 1)];
  }

  /** The value of the newest step, or NaN when there is none. */
  latest(): number {
    return this.at(this.last - 1);
  }

  put(firstStep: number, values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.set(firstStep + i, values[i]);
  }

  fill(firstStep: number, count: number, value: number): void {
    for (let i = 0; i < count; i++) this.set(firstStep + i, value);
  }

  set(step: number, value: number): void {
    if (step < this.first) return; // already forgotten
    // Nothing held, or a jump past everything held: start over at this step.
    if (this.length === 0 || step >= this.last + MAX_CAPACITY) {
      this.data.fill(NaN);
      this.first = this.last = step;
    }
    while (step >= this.first + this.data.length && this.data.length < MAX_CAPACITY) this.grow();
    // At the cap: forget the oldest steps to make room.
    while (step >= this.first + this.data.length) this.data[this.first++ & (this.data.length - 1)] = NaN;
    for (let s = this.last; s < step; s++) this.data[s & (this.data.length - 1)] = NaN;
    this.data[step & (this.data.length - 1)] = value;
    if (step >= this.last) this.last = step + 1;
  }

  /** Forgets the steps from `end` on (the trainer went back to step `end`, e.g. after a device loss). */
  truncate(end: number): void {
    for (let s = Math.max(end, this.first); s < this.last; s++) this.data[s & (this.data.length - 1)] = NaN;
    this.last = Math.max(this.first, Math.min(this.last, end));
  }

  toArray(): number[] {
    const out = new Array<number>(this.length);
    for (let s = this.first; s < this.last; s++) out[s - this.first] = this.at(s);
    return out;
  }

  clear(): void {
    this.data.fill(NaN);
    this.first = this.last = 0;
  }

  private grow(): void {
    const bigger = new Float32Array(this.data.length * 2).fill(NaN);
    for (let s = this.first; s < this.last; s++) bigger[s & (bigger.length - 1)] = this.at(s);
    this.data = bigger;
  }
}
