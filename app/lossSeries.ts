// The loss of every step, kept outside React: losses arrive in windows from the GPU readback,
// and the chart redraws from here on its own schedule.

export class LossSeries {
  /** values[step] is that step's loss; NaN marks a step whose readback was dropped. */
  readonly values: number[] = [];
  private listeners = new Set<() => void>();

  put(firstStep: number, losses: ArrayLike<number>): void {
    while (this.values.length < firstStep) this.values.push(NaN);
    for (let i = 0; i < losses.length; i++) this.values[firstStep + i] = losses[i];
    this.notify();
  }

  clear(): void {
    this.values.length = 0;
    this.notify();
  }

  /** The latest loss, or null before any arrived. */
  get last(): number | null {
    return this.values.length ? this.values[this.values.length - 1] : null;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
