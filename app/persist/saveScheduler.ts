// One save at a time: ask the worker for a checkpoint, write it, then (if more saves were asked for
// meanwhile) one more round for all of them. A save asked for during a round cannot use that round's
// checkpoint, which may predate what it wants kept, so it waits for the next one.

export interface SaveRound<C> {
  /** Asks the worker for a checkpoint; the answer comes back through `received`. */
  ask(): void;
  /** Stores a checkpoint; resolves with the step it saved. */
  write(checkpoint: C): Promise<number>;
  /** How long the worker may take to answer before the round fails. */
  answerTimeoutMs: number;
}

interface Waiter {
  resolve(step: number): void;
  reject(error: Error): void;
}

export class SaveScheduler<C> {
  /** The waiters of the round in progress, or null when idle. */
  private current: Waiter[] | null = null;
  /** Saves asked for during the current round. */
  private next: Waiter[] = [];
  private asking = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly round: SaveRound<C>) {}

  /** True while a checkpoint is asked for or being written. */
  get busy(): boolean {
    return this.current !== null;
  }

  /** Resolves with the saved step once a checkpoint taken after this call is stored. */
  save(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      if (this.current) this.next.push({ resolve, reject });
      else this.begin([{ resolve, reject }]);
    });
  }

  /** The worker's checkpoint. One nobody waits for (a late answer after a timeout) is dropped. */
  received(checkpoint: C): void {
    if (!this.asking) return;
    this.asking = false;
    clearTimeout(this.timer);
    let written: Promise<number>;
    try {
      written = this.round.write(checkpoint);
    } catch (e) {
      written = Promise.reject(e);
    }
    written.then(
      (step) => this.finish((w) => w.resolve(step)),
      (e: unknown) => this.finish((w) => w.reject(e instanceof Error ? e : new Error(String(e)))),
    );
  }

  private begin(waiters: Waiter[]): void {
    this.current = waiters;
    this.asking = true;
    const seconds = this.round.answerTimeoutMs / 1000;
    this.timer = setTimeout(() => {
      this.asking = false;
      this.finish((w) => w.reject(new Error(`The training worker did not send a checkpoint within ${seconds} s.`)));
    }, this.round.answerTimeoutMs);
    this.round.ask();
  }

  private finish(settle: (w: Waiter) => void): void {
    const done = this.current ?? [];
    this.current = null;
    done.forEach(settle);
    if (this.next.length) {
      const waiting = this.next;
      this.next = [];
      this.begin(waiting);
    }
  }
}
