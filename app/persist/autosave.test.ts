// When the autosave asks the worker for a checkpoint: every 10 s of training or every 500 steps,
// whichever comes first; when training stops; when the page is hidden or goes away; never for a
// session with no trained step. (The write itself: saveScheduler.test.ts; the record: sessionRecord.test.ts.)
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SavedCheckpoint } from '../../gpu/session/protocol.ts';

// The page's globals the autosave listens on, before it is imported.
const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' as DocumentVisibilityState });
const win = new EventTarget();
vi.stubGlobal('document', doc);
vi.stubGlobal('window', win);

const { Autosave } = await import('./autosave.ts');
const { useStore } = await import('../store/index.ts');

/** Lets the answered round finish (its write fails here: no IndexedDB in Node, which ends the round all the same). */
async function flush() {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('Autosave', () => {
  let asks = 0;
  beforeAll(() => {
    vi.useFakeTimers();
    // One instance, as the page has; the worker answers each ask at once.
    const autosave: InstanceType<typeof Autosave> = new Autosave({
      ask: () => {
        asks++;
        queueMicrotask(() => autosave.received({ step: 0 } as SavedCheckpoint));
      },
      record: (c) => ({ checkpoint: c }) as never,
    });
  });
  afterAll(() => vi.useRealTimers());
  beforeEach(async () => {
    useStore.setState({ phase: 'idle', steps: 0, carriedSteps: 0 });
    await flush();
    asks = 0;
  });
  const asked = async () => {
    await flush();
    const n = asks;
    asks = 0;
    return n;
  };

  it('every 10 s of training', async () => {
    useStore.setState({ phase: 'training', steps: 10 });
    vi.advanceTimersByTime(9_999);
    expect(await asked()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(await asked()).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(await asked()).toBe(1);
  });

  it('every 500 steps when they come faster than 10 s, the steps of kept weights counted too', async () => {
    useStore.setState({ phase: 'training', steps: 1 });
    useStore.setState({ steps: 300 });
    expect(await asked()).toBe(0);
    useStore.setState({ steps: 501 });
    expect(await asked(), '500 steps since the last ask by steps').toBe(1);
    useStore.setState({ steps: 900 });
    expect(await asked()).toBe(0);
    useStore.setState({ steps: 1001 });
    expect(await asked()).toBe(1);
    // A new trainer over kept weights counts from 0, its weights' step goes on.
    useStore.setState({ steps: 0, carriedSteps: 1001 });
    useStore.setState({ steps: 499 });
    expect(await asked()).toBe(0);
    useStore.setState({ steps: 500 });
    expect(await asked()).toBe(1);
  });

  it('when training stops, and when the page is hidden or goes away; not for an untrained session', async () => {
    useStore.setState({ phase: 'training', steps: 5 });
    useStore.setState({ phase: 'paused' });
    expect(await asked()).toBe(1);
    doc.visibilityState = 'hidden';
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(await asked()).toBe(1);
    win.dispatchEvent(new Event('pagehide'));
    expect(await asked()).toBe(1);
    useStore.setState({ phase: 'idle', steps: 0, carriedSteps: 0 });
    await asked();
    win.dispatchEvent(new Event('pagehide'));
    expect(await asked(), 'nothing trained: nothing to save').toBe(0);
  });
});
