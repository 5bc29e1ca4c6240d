import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SaveScheduler } from './saveScheduler.ts';

/** A worker that answers `ask` when told to, and a store whose writes finish when told to. */
function setup(timeoutMs = 1000) {
  let asks = 0;
  const writes: { checkpoint: number; done(step: number): void; fail(e: Error): void }[] = [];
  const scheduler = new SaveScheduler<number>({
    ask: () => void asks++,
    write: (checkpoint) => new Promise<number>((done, fail) => writes.push({ checkpoint, done, fail })),
    answerTimeoutMs: timeoutMs,
  });
  return { scheduler, writes, asks: () => asks };
}

/** Lets settled promises run their callbacks (the scheduler starts the next round in one). */
async function flush() {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('SaveScheduler', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('asks once per round; saves asked for meanwhile share the next round', async () => {
    const { scheduler, writes, asks } = setup();
    const first = scheduler.save();
    expect(asks()).toBe(1);
    const second = scheduler.save();
    const third = scheduler.save();
    expect(asks(), 'no second request while one is in flight').toBe(1);

    scheduler.received(30);
    expect(writes.map((w) => w.checkpoint)).toEqual([30]);
    expect(asks(), 'nor while its checkpoint is being written').toBe(1);
    writes[0].done(30);
    await expect(first).resolves.toBe(30);
    await flush();
    expect(asks(), 'one round for the two saves asked for meanwhile').toBe(2);
    expect(scheduler.busy).toBe(true);

    scheduler.received(42);
    writes[1].done(42);
    await expect(second).resolves.toBe(42);
    await expect(third).resolves.toBe(42);
    expect(scheduler.busy).toBe(false);
    expect(asks()).toBe(2);
  });

  it('a failed write rejects its round only; the next round goes ahead', async () => {
    const { scheduler, writes, asks } = setup();
    const failed = scheduler.save();
    const later = scheduler.save();
    scheduler.received(10);
    writes[0].fail(new Error('quota'));
    await expect(failed).rejects.toThrow('quota');
    await flush();
    expect(asks()).toBe(2);
    scheduler.received(20);
    writes[1].done(20);
    await expect(later).resolves.toBe(20);
  });

  it('gives up on a worker that does not answer, and drops its late answer', async () => {
    const { scheduler, writes, asks } = setup(5000);
    const unanswered = scheduler.save();
    const caught = expect(unanswered).rejects.toThrow('The training worker did not send a checkpoint within 5 s.');
    vi.advanceTimersByTime(4999);
    expect(scheduler.busy).toBe(true);
    vi.advanceTimersByTime(1);
    await caught;
    expect(scheduler.busy).toBe(false);
    scheduler.received(7);
    expect(writes, 'a checkpoint nobody asked for now is not written').toEqual([]);

    const next = scheduler.save();
    expect(asks()).toBe(2);
    scheduler.received(8);
    vi.advanceTimersByTime(10_000); // the answer came: no timeout any more
    writes[0].done(8);
    await expect(next).resolves.toBe(8);
  });
});
