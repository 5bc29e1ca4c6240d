// What the training sessions (GPU recurrent, CPU fallback, trees) share: their status, the training
// loop's start and stop, and how they post to the page (nothing once disposed). Each session owns its
// model (`active`) and its loop body (`run`).

import type { FromWorker, SessionStatus } from './protocol.ts';

export type Post = (msg: FromWorker, transfer?: Transferable[]) => void;

export abstract class SessionBase<A extends { trainer: { steps: number } }> {
  protected active: A | null = null;
  protected status: SessionStatus = 'idle';
  protected loop: Promise<void> | null = null;
  protected wanted = false;
  /** A stop requested by configure/reset/dispose: no validation or status at the end of the loop. */
  protected quiet = false;
  /**
   * The step of the last validation, -1 when the weights changed since (a new model, an import): the
   * stop at the end of a loop does not validate the same weights twice (a pause right after a
   * periodic validation would post the same numbers and frame again).
   */
  protected validatedAt = -1;
  protected disposed = false;

  constructor(private readonly postMessage: Post) {}

  /** The training loop: runs while `wanted`, then validates and pauses unless `quiet`. */
  protected abstract run(): Promise<void>;

  protected start(): void {
    this.wanted = true;
    this.setStatus('training');
    this.loop = this.run().finally(() => (this.loop = null));
  }

  /** Stops the loop without validating or posting (the caller replaces or drops the model). */
  protected async stop(): Promise<void> {
    this.quiet = true;
    this.wanted = false;
    await this.loop;
    this.quiet = false;
  }

  /** Also post the connectivity analysis at each validation (recurrent models; see gpu/recurrent/connectivity.ts). */
  showConnectivity = false;
  /** Training stops by itself at this step count. */
  protected stopAt = Infinity;

  /** Starts (or keeps) training until paused, or until the step count reaches `until`. */
  async train(until = Infinity): Promise<void> {
    if (!this.requireActive()) return;
    if (this.loop && this.wanted) return void (this.stopAt = until); // already training: a new end
    await this.loop; // winding down after a pause, or a runSteps
    if (this.active!.trainer.steps >= until) return this.postStatus();
    this.stopAt = until;
    this.start();
  }

  /** Stops training; once the queued steps finished: validation and status 'paused'. */
  async pause(): Promise<void> {
    if (!this.loop) return this.postStatus();
    this.wanted = false;
    await this.loop;
  }

  /** One training step (one truncated-BPTT chunk, or one batch of trees), then paused. */
  step(): Promise<void> {
    return this.runSteps(1);
  }

  /** Trains `n` steps, then stops as a pause does. Resolves when stopped. */
  async runSteps(n: number): Promise<void> {
    if (!this.requireActive()) return;
    this.wanted = false;
    await this.loop;
    this.stopAt = this.active!.trainer.steps + n;
    this.start();
    await this.loop;
    this.stopAt = Infinity;
  }

  protected requireActive(): boolean {
    if (!this.active) this.error('No model yet: send a configuration first.', false);
    return this.active !== null;
  }

  protected setStatus(status: SessionStatus, post = true): void {
    this.status = status;
    if (post) this.postStatus();
  }

  protected postStatus(): void {
    this.post({ type: 'status', status: this.status, steps: this.active?.trainer.steps ?? 0 });
  }

  protected error(message: string, fatal: boolean): void {
    this.post({ type: 'error', message, fatal });
  }

  protected post(msg: FromWorker, transfer: Transferable[] = []): void {
    if (!this.disposed) this.postMessage(msg, transfer);
  }
}
