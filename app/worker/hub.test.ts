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

describe('WorkerHub', () => {
  it('tags each session’s messages and routes replies by tag; device messages reach every session, also later ones', () => {
    const { hub, workers } = hubWithFakes();
    const a: FromWorker[] = [];
    const b: FromWorker[] = [];
    const ca = hub.open((m) => a.push(m), 'page');
    const cb = hub.open((m) => b.push(m));
    expect([ca.id, cb.id]).toEqual(['page-0', 'cell-1']);
    ca.send({ type: 'train' });
    expect(workers[0].posted).toEqual([
      { type: 'init', baseUrl: 'https://example.org/rnnlab/' },
      { type: 'train', session: 'page-0' },
    ]);
    const device: FromWorker = { type: 'device', adapter: 'Fake GPU', backend: 'vulkan', limits: {} };
    workers[0].reply(device);
    workers[0].reply(status(7, 'cell-1'));
    expect(a).toEqual([device]);
    expect(b).toEqual([device, { ...status(7), session: 'cell-1' }]);
    const late: FromWorker[] = [];
    hub.open((m) => late.push(m));
    expect(late).toEqual([device]);
  });

  it('a crash: the worker is stopped, every session told why (with this page’s advice), nothing more arrives or is sent', () => {
    const { hub, workers } = hubWithFakes('Reset starts a new worker with fresh weights.');
    const got: FromWorker[] = [];
    const channel = hub.open((m) => got.push(m), 'page');
    workers[0].crash('Uncaught Error: injected');
    const message = 'The training worker failed to start or crashed: Uncaught Error: injected. Reset starts a new worker with fresh weights.';
    expect(hub.lost).toBe(message);
    expect(workers[0].terminated).toBe(true);
    expect(got).toEqual([{ type: 'error', message, fatal: true }]);
    workers[0].reply(status(12, 'page-0'));
    channel.send({ type: 'saveCheckpoint' });
    expect(got).toHaveLength(1);
    expect(workers[0].posted).toHaveLength(1); // init only

    expect(hub.revive()).toBe(true);
    expect(hub.lost).toBeNull();
    expect(hub.generation).toBe(2);
    channel.send({ type: 'train' });
    expect(workers[1].posted).toEqual([
      { type: 'init', baseUrl: 'https://example.org/rnnlab/' },
      { type: 'train', session: 'page-0' },
    ]);
    workers[1].reply(status(1, 'page-0'));
    expect(got.at(-1)).toEqual({ ...status(1), session: 'page-0' });
    expect(hub.revive()).toBe(false);
  });

  it('a crash without details says where to look; a message that cannot be read fails every session', () => {
    const { hub, workers } = hubWithFakes();
    const got: FromWorker[] = [];
    hub.open((m) => got.push(m));
    workers[0].onmessageerror!();
    expect(got).toEqual([{ type: 'error', message: 'A message from the training worker could not be read.', fatal: true }]);
    expect(hub.lost).toBeNull();
    workers[0].crash('');
    expect(hub.lost).toBe(
      'The training worker failed to start or crashed: no details (see the browser console). Reset starts a new worker; each cell trains again from fresh weights.',
    );
  });
});
