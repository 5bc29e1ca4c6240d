// One Dawn device per test file. A missing adapter fails the file (it never skips), and any
// uncaptured GPU error fails the test that caused it.
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { requestNodeDevice } from '../core/device.node.ts';
import type { GpuContext } from '../core/context.ts';

export function useGpu(): () => GpuContext {
  let ctx: GpuContext | undefined;
  beforeAll(async () => {
    ctx = await requestNodeDevice();
  });
  afterEach(() => {
    if (!ctx) return;
    const errors = ctx.errors.splice(0);
    expect(errors, 'uncaptured WebGPU errors').toEqual([]);
    expect(ctx.lostReason, 'device lost').toBeNull();
  });
  afterAll(() => ctx?.device.destroy());
  return () => {
    if (!ctx) throw new Error('no GPU device');
    return ctx;
  };
}
