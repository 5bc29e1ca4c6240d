// A real Dawn device behind a proxy that can fail on demand, for fault-injection tests of code that
// takes a GpuContext: `lose()` loses the device as a crashed GPU process would (its `lost` promise
// resolves with reason 'unknown', after the device is destroyed so that every later readback
// fails), and `failNextScope('out-of-memory')` makes the next popErrorScope of that filter report an
// error, as an allocation the driver refuses does. Everything else goes to the real device.

import { GpuContext, type DeviceLimits } from '../core/context.ts';
import { requestNodeDevice } from '../core/device.node.ts';

export interface FaultyDevice {
  ctx: GpuContext;
  /** Loses the device now; resolves once its `lost` promise has. */
  lose(message?: string): Promise<void>;
  /** The next popErrorScope of this filter reports `message` as its error. */
  failNextScope(filter: GPUErrorFilter, message: string): void;
  destroy(): void;
}

export async function faultyDevice(limits: Partial<DeviceLimits> = {}): Promise<FaultyDevice> {
  const real = (await requestNodeDevice()).device;
  let resolveLost!: (info: GPUDeviceLostInfo) => void;
  const lost = new Promise<GPUDeviceLostInfo>((r) => (resolveLost = r));
  // The real device's own loss ('destroyed', by lose() or destroy()) reaches no one: the proxy's does.
  const scopes: GPUErrorFilter[] = [];
  const failing = new Map<GPUErrorFilter, string>();
  const device = new Proxy(real, {
    get(target, key) {
      if (key === 'lost') return lost;
      if (key === 'pushErrorScope')
        return (filter: GPUErrorFilter) => {
          scopes.push(filter);
          target.pushErrorScope(filter);
        };
      if (key === 'popErrorScope')
        return async () => {
          const filter = scopes.pop();
          const error = await target.popErrorScope();
          const injected = filter && failing.get(filter);
          if (injected === undefined) return error;
          failing.delete(filter!);
          return { message: injected } as GPUError;
        };
      const v = Reflect.get(target, key, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as GPUDevice;
  const ctx = new GpuContext(device, { name: 'faulty Dawn device', backend: 'test' }, { limits });
  return {
    ctx,
    async lose(message = 'injected: the GPU process crashed') {
      real.destroy();
      resolveLost({ reason: 'unknown', message } as GPUDeviceLostInfo);
      await lost;
    },
    failNextScope(filter, message) {
      failing.set(filter, message);
    },
    destroy() {
      real.destroy();
    },
  };
}
