// The GPU's grouping of rows by token against groupRowsByToken, the CPU's: equal, element for element
// (tokenWeightGrad's sums run in the order it gives), for small and large vocabularies, tokens that
// never occur, and a single token everywhere.
import { describe, expect, it } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { readBuffer } from '../core/readBuffer.ts';
import { encode } from '../core/dispatch.ts';
import { Rng } from '../core/rng.ts';
import { groupRowsByToken } from '../data/batch.ts';
import { groupTokens } from './groupTokens.ts';

const gpu = useGpu();

describe('groupTokens (GPU) vs groupRowsByToken (CPU)', () => {
  const cases: [string, number, (rng: Rng, r: number) => number, number][] = [
    ['random tokens, V 7', 7, (rng) => rng.int(7), 300],
    ['V 1000, most never occur', 1000, (rng) => rng.int(1000), 777],
    ['one token everywhere', 5, () => 3, 64],
    ['more rows than a workgroup has invocations, skewed', 12, (rng) => (rng.uniform() < 0.7 ? 0 : rng.int(12)), 1030],
  ];
  for (const [name, V, draw, rows] of cases)
    it(name, async () => {
      const ctx = gpu();
      const rng = new Rng(rows);
      const tokens = Uint32Array.from({ length: rows }, (_, r) => draw(rng, r));
      const tokBuf = ctx.storage('tokens', rows * 4);
      const offsets = ctx.storage('offsets', (V + 1) * 4);
      const order = ctx.storage('rows', rows * 4);
      ctx.device.queue.writeBuffer(tokBuf, 0, tokens);
      // Junk first: the kernel must write every element.
      ctx.device.queue.writeBuffer(offsets, 0, new Uint32Array(V + 1).fill(12345));
      ctx.device.queue.writeBuffer(order, 0, new Uint32Array(rows).fill(54321));
      const d = groupTokens(ctx, { V, rows }, tokBuf, offsets, order);
      const enc = ctx.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      encode(pass, d);
      pass.end();
      ctx.device.queue.submit([enc.finish()]);
      const want = groupRowsByToken(tokens, V);
      const asU32 = async (b: GPUBuffer, n: number) => new Uint32Array((await readBuffer(ctx, b, n)).buffer);
      expect(Array.from(await asU32(offsets, V + 1))).toEqual(Array.from(want.offsets));
      expect(Array.from(await asU32(order, rows))).toEqual(Array.from(want.rows));
    });
});
