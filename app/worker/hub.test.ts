// The hub's routing and its handling of a worker that crashed, with a stand-in for the Worker.

import { describe, expect, it } from 'vitest';
import type { FromWorker } from '../../gpu/session/protocol.ts';
import { WorkerHub } from './hub.ts';

class FakeWorker {
  posted: unknown[] = [];
  terminated = false;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onerror: ((e: { message: string; preventDefault(): void }) => void) | null = null;
  onmessageerror: (() => void) | null = null;
  postMessage(m: unknown): void {
    if (!this.terminated) this.posted.push(m);
  }
  terminate(): void {
    this.terminated = true;
  }
  reply(m: FromWorker & { session?: string }): void {
    this.onmessage?.({ data: m });
  }
  crash(message: string): void {
    this.onerror?.({ message, preventDefault: () => {} });
  }
}

function hubWithFakes(afterCrash?: string) {
  const workers: FakeWorker[] = [];
  const createWorker = () => {
    const w = new FakeWorker();
    workers.push(w);
    return w as unknown as Worker;
  };
  return { hub: new WorkerHub({ createWorker, afterCrash, baseUrl: 'https://example.org/rnnlab/' }), workers };
}

const status = (steps: number, session?: string): FromWorker & { session?: string } => ({ type: 'status', status: 'training', steps, session });

const device: FromWorker = { type: 'device', adapter: 'Fake GPU', backend: 'vulkan', limits: {} };
const init = { type: 'init', baseUrl: 'https://example.org/rnnlab/', kernelTuning: 'auto' };
const ADVICE = 'Reset starts a new worker with fresh weights.';
const CRASHED = `The training worker failed to start or crashed: Uncaught Error: injected. ${ADVICE}`;

/** A hub with the page's session (page-0) and a cell's (cell-1), and what each received. */
function twoSessions(afterCrash?: string) {
  const { hub, workers } = hubWithFakes(afterCrash);
  const page: FromWorker[] = [];
  const cell: FromWorker[] = [];
  const channels = [hub.open((m) => page.push(m), 'page'), hub.open((m) => cell.push(m))];
  return { hub, workers, page, cell, channels };
}

describe('WorkerHub', () => {
  it('names each session by its kind and a counter', () => {
    const { channels } = twoSessions();
    expect(channels.map((c) => c.id)).toEqual(['page-0', 'cell-1']);
  });

  it('tags what a session sends with its id, after the worker’s init', () => {
    const { workers, channels } = twoSessions();
    channels[0].send({ type: 'train' });
    expect(workers[0].posted).toEqual([init, { type: 'train', session: 'page-0' }]);
  });

  it('routes a reply to the session its tag names', () => {
    const { workers, page, cell } = twoSessions();
    workers[0].reply(status(7, 'cell-1'));
    expect(cell).toEqual([{ ...status(7), session: 'cell-1' }]);
    expect(page).toEqual([]);
  });

  it('sends the device message to every session, also to one opened later', () => {
    const { hub, workers, page, cell } = twoSessions();
    workers[0].reply(device);
    const late: FromWorker[] = [];
    hub.open((m) => late.push(m));
    expect([page, cell, late]).toEqual([[device], [device], [device]]);
  });

  it('a crash stops the worker', () => {
    const { workers } = twoSessions(ADVICE);
    workers[0].crash('Uncaught Error: injected');
    expect(workers[0].terminated).toBe(true);
  });

  it('a crash tells every session why, with this page’s advice', () => {
    const { hub, workers, page, cell } = twoSessions(ADVICE);
    workers[0].crash('Uncaught Error: injected');
    expect(hub.lost).toBe(CRASHED);
    expect([page, cell]).toEqual([[{ type: 'error', message: CRASHED, fatal: true }], [{ type: 'error', message: CRASHED, fatal: true }]]);
  });

  it('after a crash nothing more arrives from the worker or is sent to it', () => {
    const { workers, page, channels } = twoSessions(ADVICE);
    workers[0].crash('Uncaught Error: injected');
    workers[0].reply(status(12, 'page-0'));
    channels[0].send({ type: 'saveCheckpoint' });
    expect(page).toHaveLength(1);
    expect(workers[0].posted).toEqual([init]);
  });

  it('revive after a crash starts a new worker that the sessions use', () => {
    const { hub, workers, page, channels } = twoSessions(ADVICE);
    workers[0].crash('Uncaught Error: injected');
    expect(hub.revive()).toBe(true);
    expect(hub.lost).toBeNull();
    expect(hub.generation).toBe(2);
    channels[0].send({ type: 'train' });
    expect(workers[1].posted).toEqual([init, { type: 'train', session: 'page-0' }]);
    workers[1].reply(status(1, 'page-0'));
    expect(page.at(-1)).toEqual({ ...status(1), session: 'page-0' });
  });

  it('revive does nothing while the worker runs', () => {
    const { hub, workers } = twoSessions();
    expect(hub.revive()).toBe(false);
    expect([workers.length, hub.generation]).toEqual([1, 1]);
  });

  it('a message that cannot be read fails every session, the worker kept', () => {
    const { hub, workers, page, cell } = twoSessions();
    workers[0].onmessageerror!();
    const unreadable = { type: 'error', message: 'A message from the training worker could not be read.', fatal: true };
    expect([page, cell]).toEqual([[unreadable], [unreadable]]);
    expect(hub.lost).toBeNull();
  });

  it('a crash without details says where to look', () => {
    const { hub, workers } = hubWithFakes();
    hub.open(() => {});
    workers[0].crash('');
    expect(hub.lost).toBe(
      'The training worker failed to start or crashed: no details (see the browser console). Reset starts a new worker; each cell trains again from fresh weights.',
    );
  });
});
