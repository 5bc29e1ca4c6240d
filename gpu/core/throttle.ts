// Keeps a bounded number of training steps queued on the GPU without ever letting it idle:
// before submitting step n we wait for step n - depth to finish, so the CPU stays `depth` steps ahead.

export class InFlight {
  private done: Promise<void>[] = [];

  constructor(
    private device: GPUDevice,
    readonly depth = 2,
  ) {}

  /** Call after each submit. */
  async submitted(): Promise<void> {
    this.done.push(this.device.queue.onSubmittedWorkDone());
    if (this.done.length > this.depth) await this.done.shift();
  }

  async drain(): Promise<void> {
    await Promise.all(this.done.splice(0));
  }
}
