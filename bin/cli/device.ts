// The CLI's GPU: one Dawn device for a command's run. Dawn is loaded only here, when a command runs,
// so help and argument errors never load it, let alone probe the machine's drivers.

import type { GpuContext } from '../../gpu/core/context.ts';

/** A GPU failure during a run (an uncaptured error, a lost device): reported, exit status 1. */
export class GpuRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuRunError';
  }
}

let verbose = false;

/** --verbose: name the adapter on stderr (bin/rnnlab.js then also lets Dawn's own messages through). */
export function setVerbose(on: boolean): void {
  verbose = on;
}

/** A line for --verbose only (stderr), so stdout stays the run's JSON lines. */
export function sayVerbose(line: string): void {
  if (verbose) console.error(`rnnlab: ${line}`);
}

export async function withDevice<T>(run: (ctx: GpuContext) => Promise<T>): Promise<T> {
  const { withNodeDevice } = await import('../../gpu/core/device.node.ts');
  return withNodeDevice(async (ctx) => {
    if (verbose) console.error(`rnnlab: adapter: ${ctx.adapter.name} (${ctx.adapter.backend})`);
    const result = await run(ctx);
    if (ctx.errors.length) throw new GpuRunError(`GPU errors: ${ctx.errors.join('; ')}`);
    if (ctx.lostReason) throw new GpuRunError(`GPU device lost: ${ctx.lostReason}`);
    return result;
  });
}
