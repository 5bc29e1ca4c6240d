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

  it('asks the worker once per round, however many saves wait', async () => {
    const { scheduler, writes, asks } = setup();
    const first = scheduler.save();
    expect(asks()).toBe(1);
    void scheduler.save();
    void scheduler.save();
    expect(asks(), 'no second request while one is in flight').toBe(1);
    scheduler.received(30);
    expect(writes.map((w) => w.checkpoint)).toEqual([30]);
    expect(asks(), 'nor while its checkpoint is being written').toBe(1);
    writes[0].done(30);
    await expect(first).resolves.toBe(30);
  });

  it('saves asked for during a round share the next round', async () => {
    const { scheduler, writes, asks } = setup();
    const first = scheduler.save();
    const second = scheduler.save();
    const third = scheduler.save();
    scheduler.received(30);
    writes[0].done(30);
    await first;
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

  it('a failed write rejects the saves of its round', async () => {
    const { scheduler, writes } = setup();
    const failed = scheduler.save();
    scheduler.received(10);
    writes[0].fail(new Error('quota'));
    await expect(failed).rejects.toThrow('quota');
    expect(scheduler.busy).toBe(false);
  });

  it('the round after a failed write goes ahead', async () => {
    const { scheduler, writes, asks } = setup();
    const failed = scheduler.save().catch((e: Error) => e.message);
    const later = scheduler.save();
    scheduler.received(10);
    writes[0].fail(new Error('quota'));
    expect(await failed).toBe('quota');
    await flush();
    expect(asks()).toBe(2);
    scheduler.received(20);
    writes[1].done(20);
    await expect(later).resolves.toBe(20);
  });

  it('gives up on a worker that does not answer within the timeout', async () => {
    const { scheduler } = setup(5000);
    const caught = expect(scheduler.save()).rejects.toThrow('The training worker did not send a checkpoint within 5 s.');
    vi.advanceTimersByTime(4999);
    expect(scheduler.busy).toBe(true);
    vi.advanceTimersByTime(1);
    await caught;
    expect(scheduler.busy).toBe(false);
  });

  it('drops a checkpoint that arrives after it gave up', async () => {
    const { scheduler, writes } = setup(5000);
    const caught = expect(scheduler.save()).rejects.toThrow('The training worker did not send a checkpoint within 5 s.');
    vi.advanceTimersByTime(5000);
    await caught;
    scheduler.received(7);
    expect(writes, 'a checkpoint nobody asked for now is not written').toEqual([]);
  });

  it('asks again on the next save after giving up', async () => {
    const { scheduler, writes, asks } = setup(5000);
    const caught = expect(scheduler.save()).rejects.toThrow('The training worker did not send a checkpoint within 5 s.');
    vi.advanceTimersByTime(5000);
    await caught;
    const next = scheduler.save();
    expect(asks()).toBe(2);
    scheduler.received(8);
    writes[0].done(8);
    await expect(next).resolves.toBe(8);
  });

  it('does not time out a round whose checkpoint arrived', async () => {
    const { scheduler, writes } = setup(5000);
    const save = scheduler.save();
    scheduler.received(8);
    vi.advanceTimersByTime(10_000);
    writes[0].done(8);
    await expect(save).resolves.toBe(8);
  });
});
