// The seq2seq readout on the GPU (readoutGpu.ts) against the float64 reference: attention.ts's
// memoryKeys / readout / readoutBackward / memoryKeysBackward with reference.ts's loss (cross-entropy,
// mean over the real target steps). Logits, α, the loss, every readout gradient, ∂L/∂s and ∂L/∂e
// within 1e-4 of each tensor's max |value|, for every attention kind on awkward shapes: widths below
// and above one workgroup (64), ragged sources and targets, a one-step target, a step padded in every
// sequence. Padding holds NaN (memory, states) and the outputs start as NaN (grads, dStates,
// dMemory): nothing padded is read, every output is written; the results equal a run with zero padding.
import { describe, expect, it } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { expectClose } from '../testing/compare.ts';
import { encode } from '../core/dispatch.ts';
import { readBuffer } from '../core/readBuffer.ts';
import { Rng } from '../core/rng.ts';
import { tensorView, type ParamLayout } from '../core/paramLayout.ts';
import { ATTENTIONS, type Attention, type Seq2SeqConfig } from './config.ts';
import { initParams, paramLayout } from './params.ts';
import { memoryKeys, memoryKeysBackward, readout, readoutBackward, type Tensor } from './attention.ts';
import { logSumExp } from './reference.ts';
import { readoutKernels } from './readoutGpu.ts';

const gpu = useGpu();
const TOL = 1e-4;
const READOUT = [
  'attention.weight',
  'attention.query.weight',
  'attention.key.weight',
  'attention.v.weight',
  'combine.weight',
  'combine.bias',
  'out.weight',
  'out.bias',
];

interface Case {
  W: number;
  V: number;
  S: number;
  U: number;
  A: number;
  sourceLengths: number[];
  targetLengths: number[];
}

const CASES: Case[] = [
  { W: 3, V: 5, S: 4, U: 3, A: 2, sourceLengths: [4, 1, 2], targetLengths: [1, 3, 2] },
  { W: 20, V: 13, S: 7, U: 6, A: 9, sourceLengths: [3, 7, 1, 5, 6], targetLengths: [6, 1, 4, 2, 5] },
  // Over 64 columns and 64 source steps (the kernels' loops wrap); step 3 is padding in both sequences.
  { W: 70, V: 9, S: 67, U: 4, A: 65, sourceLengths: [67, 30], targetLengths: [2, 3] },
];

interface Inputs {
  cfg: Seq2SeqConfig;
  layout: ParamLayout;
  params: Float32Array;
  /** [S·B, W] and [U·B, W]; padded rows hold NaN. */
  memory: Float32Array;
  states: Float32Array;
  targets: Uint32Array;
  sourceLengths: Uint32Array;
  targetLengths: Uint32Array;
}

function inputs(attention: Attention, c: Case, seed: number): Inputs {
  const cfg: Seq2SeqConfig = {
    cell: 'rnn',
    nonlinearity: 'tanh',
    layers: 1,
    hidden: c.W,
    vocab: c.V,
    attention,
    ...(attention === 'additive' ? { attentionSize: c.A } : {}),
  };
  const rng = new Rng(seed);
  const B = c.sourceLengths.length;
  /** [T·B, W] uniform in (−1, 1) on real rows, NaN on padded ones. */
  const rows = (T: number, lengths: number[]) =>
    Float32Array.from({ length: T * B * c.W }, (_, k) => (Math.floor(k / c.W / B) < lengths[Math.floor(k / c.W) % B] ? 2 * rng.uniform() - 1 : NaN));
  return {
    cfg,
    layout: paramLayout(cfg),
    params: initParams(cfg, seed).map((x) => 2 * x), // ×2: out of tanh's linear range
    memory: rows(c.S, c.sourceLengths),
    states: rows(c.U, c.targetLengths),
    targets: Uint32Array.from({ length: c.U * B }, (_, r) => (Math.floor(r / B) < c.targetLengths[r % B] ? rng.int(c.V) : 999_999)),
    sourceLengths: Uint32Array.from(c.sourceLengths),
    targetLengths: Uint32Array.from(c.targetLengths),
  };
}

const tensor = <A extends Float32Array | Float64Array>(layout: ParamLayout, flat: A, name: string): A => tensorView(flat, layout.byName.get(name)!);

interface Result {
  logits: Float64Array;
  alignment: Float64Array | null;
  loss: number;
  grads: Float64Array;
  dStates: Float64Array;
  dMemory: Float64Array;
}

/** The float64 readout over every real (u, b), as reference.ts's lossAndGrad runs it. */
function reference(x: Inputs, c: Case): Result {
  const { cfg, layout } = x;
  const { S, U, W, V } = c;
  const B = c.sourceLengths.length;
  const flat = Float64Array.from(x.params);
  const grads = new Float64Array(layout.total);
  const view =
    (a: Float64Array): Tensor =>
    (name) =>
      tensor(layout, a, name);
  const [p, g] = [view(flat), view(grads)];
  const mem = memoryKeys(cfg, p, Float64Array.from(x.memory), S, B, x.sourceLengths);
  const N = c.targetLengths.reduce((a, n) => a + n, 0);
  const out: Result = {
    logits: new Float64Array(U * B * V),
    alignment: cfg.attention === 'none' ? null : new Float64Array(U * B * S),
    loss: 0,
    grads,
    dStates: new Float64Array(U * B * W),
    dMemory: new Float64Array(S * B * W),
  };
  const dKeys = new Float64Array(mem.keys.length);
  for (let r = 0; r < U * B; r++) {
    const [u, b] = [Math.floor(r / B), r % B];
    if (u >= x.targetLengths[b]) continue;
    const s = Float64Array.from(x.states.subarray(r * W, (r + 1) * W));
    const { logits: z, alpha } = readout(cfg, p, mem, b, s);
    out.logits.set(z, r * V);
    out.alignment?.set(alpha, r * S);
    const lse = logSumExp(z);
    const y = x.targets[r];
    out.loss += (lse - z[y]) / N;
    const dz = z.map((zo, o) => (Math.exp(zo - lse) - (o === y ? 1 : 0)) / N);
    out.dStates.set(readoutBackward(cfg, p, g, mem, b, s, dz, dKeys, out.dMemory), r * W);
  }
  memoryKeysBackward(cfg, p, g, mem, dKeys, out.dMemory);
  return out;
}

/** The GPU readout, forward then backward in one pass; `pad` fills padded input rows, NaN fills every output beforehand. */
async function onGpu(x: Inputs, c: Case, pad: number): Promise<Result> {
  const ctx = gpu();
  const { S, U, W, V } = c;
  const B = c.sourceLengths.length;
  const [memOff, stOff] = [B * W, 5]; // the encoder's top outputs inside a larger buffer, as a layer's hs
  const upload = (data: Float32Array | Uint32Array, offset = 0, fill = NaN) => {
    const buffer = ctx.storage('test', (data.length + offset + 3) * 4);
    const host = new Float32Array(data.length + offset + 3).fill(fill);
    ctx.device.queue.writeBuffer(buffer, 0, host);
    ctx.device.queue.writeBuffer(buffer, offset * 4, data);
    return buffer;
  };
  const padded = (a: Float32Array) => a.map((v) => (Number.isNaN(v) ? pad : v));
  const N = c.targetLengths.reduce((a, n) => a + n, 0);
  const batchInfo = ctx.createBuffer('batchInfo', 16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  ctx.device.queue.writeBuffer(batchInfo, 0, new Float32Array([1 / N, 0, 0, 0]));
  const bufs = {
    params: upload(x.params),
    grads: upload(new Float32Array(x.layout.total).fill(NaN)),
    offset: (name: string) => x.layout.byName.get(name)!.offset,
    memory: { buffer: upload(padded(x.memory), memOff, pad), offset: memOff },
    states: { buffer: upload(padded(x.states), stOff, pad), offset: stOff },
    sourceLengths: upload(x.sourceLengths),
    targetLengths: upload(x.targetLengths),
    targets: upload(x.targets),
    batchInfo,
    metrics: upload(new Float32Array(4).fill(NaN)),
    dStates: upload(new Float32Array(U * B * W).fill(NaN)),
    dMemory: upload(new Float32Array(S * B * W).fill(NaN)),
  };
  const k = readoutKernels(ctx, { S, U, B, W, V, attention: x.cfg.attention, A: c.A }, bufs);
  const enc = ctx.device.createCommandEncoder();
  const pass = enc.beginComputePass();
  for (const d of [...k.memory, ...k.forward, ...k.backward]) encode(pass, d);
  pass.end();
  ctx.device.queue.submit([enc.finish()]);
  const read = async (b: GPUBuffer, n: number) => Float64Array.from(await readBuffer(ctx, b, n));
  return {
    logits: await read(k.logits, U * B * V),
    alignment: k.alignment && (await read(k.alignment, U * B * S)),
    loss: (await read(bufs.metrics, 1))[0],
    grads: await read(bufs.grads, x.layout.total),
    dStates: await read(bufs.dStates, U * B * W),
    dMemory: await read(bufs.dMemory, S * B * W),
  };
}

describe('the seq2seq readout on the GPU vs the float64 reference (NaN in every padded row)', () => {
  let seed = 0;
  for (const attention of ATTENTIONS)
    for (const c of CASES) {
      const B = c.sourceLengths.length;
      const n = ++seed;
      it(`${attention} W=${c.W} V=${c.V} S=${c.S} U=${c.U} B=${B}${attention === 'additive' ? ` A=${c.A}` : ''}`, async () => {
        const x = inputs(attention, c, 100 + n);
        const want = reference(x, c);
        const got = await onGpu(x, c, NaN);
        // Padded rows: h̃ = 0 (or s = 0 with 'none'), so their logits are out.bias.
        const bias = Float64Array.from(tensor(x.layout, x.params, 'out.bias'));
        const real = (r: number) => Math.floor(r / B) < c.targetLengths[r % B];
        for (let r = 0; r < c.U * B; r++) if (!real(r)) expect(got.logits.subarray(r * c.V, (r + 1) * c.V)).toEqual(bias);
        expectClose(
          'logits',
          got.logits.map((v, i) => (real(Math.floor(i / c.V)) ? v : 0)),
          want.logits,
          TOL,
        );
        if (want.alignment) expectClose('alignment', got.alignment!, want.alignment, TOL);
        else expect(got.alignment).toBeNull();
        expectClose('loss', [got.loss], [want.loss], TOL);
        const names = READOUT.filter((t) => x.layout.byName.has(t));
        for (const name of names) expectClose(`∂L/∂${name}`, tensor(x.layout, got.grads, name), tensor(x.layout, want.grads, name), TOL);
        expectClose('∂L/∂s (dStates)', got.dStates, want.dStates, TOL);
        expectClose('∂L/∂e (dMemory)', got.dMemory, want.dMemory, TOL);
        // Nothing padded was read: zero padding gives the same bits.
        const zeros = await onGpu(x, c, 0);
        const outputs = (r: Result) => ({ ...r, grads: names.map((t) => tensor(x.layout, r.grads, t)) });
        expect(outputs(zeros)).toEqual(outputs(got));
      });
    }
});
