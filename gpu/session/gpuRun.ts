// What a run on the GPU does alike for every family (family.ts's Run): its trainer's weights and
// optimizer state in and out, and the last good state it rolls back to. A family's run adds what one
// step, one validation and its data stream are.

import type { OptimizerSnapshot } from '../optimizer/state.ts';
import type { FlatModel, Trainer } from '../training/trainer.ts';
import type { LastGood, Run } from './family.ts';

export abstract class GpuRun<T extends Trainer<FlatModel>> implements Run {
  lastGood!: LastGood;

  constructor(readonly trainer: T) {}

  /** The initial weights are the first good state (step 0, a fresh optimizer); a fresh init is read back once. */
  async start(params: Float32Array | null): Promise<this> {
    this.lastGood = { step: 0, params: params ?? (await this.trainer.readParams()), optimizer: null };
    return this;
  }

  abstract trainStep(): void;
  abstract validate(showConnectivity: boolean): Promise<void>;
  abstract takeThroughput(steps: number): number;
  abstract resumeAt(step: number): void;

  get steps(): number {
    return this.trainer.steps;
  }

  get optimizer() {
    return this.trainer.optimizer;
  }

  finish(): Promise<void> {
    return this.trainer.flushMetrics();
  }

  readParams(): Promise<Float32Array> {
    return this.trainer.readParams();
  }

  readCheckpoint() {
    return this.trainer.readCheckpoint();
  }

  load(params: Float32Array, optimizer: OptimizerSnapshot | null): void {
    this.trainer.setState(params, optimizer);
    this.lastGood = { step: this.trainer.steps, params, optimizer };
  }

  rollBack(): number {
    const { step, params, optimizer } = this.lastGood;
    this.trainer.setState(params, optimizer);
    return step;
  }

  destroy(): void {
    this.trainer.destroy();
  }
}
