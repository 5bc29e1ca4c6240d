// rnnlab CLI: `train` and `grad`, on the same gpu/ code as the page (Node + Dawn).

import { parseArgs } from 'node:util';
import { readFileSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { CliError } from './errors.ts';
import { parseBatchFile } from './batchFile.ts';
import { modelForVocab, parseTrainConfig } from './trainConfig.ts';
import { ConfigError, type ModelConfig } from '../model/config.ts';
import { SafetensorsError } from '../io/safetensors.ts';
import { CONFIG_KEY, decodeWeights, encodeWeights, VOCAB_KEY } from '../io/weights.ts';
import { requestNodeDevice } from '../device.node.ts';
import type { GpuContext } from '../context.ts';
import { Trainer, readBuffer } from '../trainer.ts';
import { CharBatcher, CharVocab } from '../data/chars.ts';
import { InFlight } from '../throttle.ts';
import { mobyDick } from './corpus.ts';

const USAGE = `usage:
  rnnlab train --config cfg.json [--init w.safetensors] [--save out.safetensors] [--steps N]
  rnnlab grad --weights w.safetensors --batch batch.json [--out grads.safetensors]`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'train') return await train(rest);
    if (command === 'grad') return await grad(rest);
    if (command === undefined || command === '--help' || command === '-h') {
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    }
    throw new CliError(`unknown command "${command}"\n${USAGE}`);
  } catch (e) {
    if (e instanceof CliError) {
      console.error(`rnnlab: error: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

function options(argv: string[], spec: Record<string, { required?: boolean }>): Record<string, string | undefined> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.keys(spec).map((k) => [k, { type: 'string' as const }])),
      strict: true,
    }).values;
  } catch (e) {
    throw new CliError(`${(e as Error).message}\n${USAGE}`);
  }
  for (const [k, s] of Object.entries(spec)) if (s.required && values[k] === undefined) throw new CliError(`--${k} is required\n${USAGE}`);
  return values as Record<string, string | undefined>;
}

function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new CliError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function readJson(path: string): unknown {
  const text = new TextDecoder().decode(readBytes(path));
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
}

/** Runs `parse`, turning config and file errors into one-line CLI errors that name the file. */
function inFile<T>(path: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(`${path}: ${e.message}`);
    if (e instanceof SafetensorsError) throw new CliError(`${path}: ${e.message}${e.offset !== undefined ? ` (byte offset ${e.offset})` : ''}`);
    throw e;
  }
}

/** Writes atomically: a half-written file never replaces a good one. */
function writeOutput(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new CliError(`${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function checkStoredConfig(path: string, metadata: Record<string, string>, cfg: ModelConfig): void {
  const stored = metadata[CONFIG_KEY];
  if (stored === undefined) return;
  const a = JSON.parse(stored) as Record<string, unknown>;
  for (const k of ['cell', 'nonlinearity', 'layers'] as const)
    if (a[k] !== undefined && a[k] !== cfg[k])
      throw new CliError(`${path}: the weights were saved for ${k} ${JSON.stringify(a[k])}, the model here has ${JSON.stringify(cfg[k])}`);
}

async function withDevice<T>(run: (ctx: GpuContext) => Promise<T>): Promise<T> {
  const ctx = await requestNodeDevice();
  // Dawn's promises (mapAsync, onSubmittedWorkDone) do not hold Node's event loop open by themselves.
  const keepAlive = setInterval(() => {}, 1000);
  try {
    const result = await run(ctx);
    if (ctx.errors.length) throw new Error(`GPU errors: ${ctx.errors.join('; ')}`);
    if (ctx.lostReason) throw new Error(`GPU device lost: ${ctx.lostReason}`);
    return result;
  } finally {
    // Dawn aborts the process at exit if a device is still alive.
    ctx.device.destroy();
    clearInterval(keepAlive);
  }
}

async function grad(argv: string[]): Promise<number> {
  const o = options(argv, { weights: { required: true }, batch: { required: true }, out: {} });
  const { cfg, batch, init } = inFile(o.batch!, () => parseBatchFile(readJson(o.batch!)));
  const weights = inFile(o.weights!, () => decodeWeights(readBytes(o.weights!), cfg));
  checkStoredConfig(o.weights!, weights.metadata, cfg);
  const { loss, grads } = await withDevice(async (ctx) => {
    const trainer = new Trainer(ctx, { model: cfg, T: batch.T, B: batch.B, params: weights.params });
    trainer.computeGradients(batch, init);
    return { loss: (await readBuffer(ctx, trainer.model.buffers.metrics, 1))[0], grads: await trainer.readGrads() };
  });
  console.log(JSON.stringify({ loss }));
  if (o.out) writeOutput(o.out, encodeWeights(cfg, grads, { 'rnnlab.kind': 'gradients' }));
  return 0;
}

async function train(argv: string[]): Promise<number> {
  const o = options(argv, { config: { required: true }, init: {}, save: {}, steps: {} });
  const tc = inFile(o.config!, () => parseTrainConfig(readJson(o.config!)));
  if (o.steps !== undefined) {
    const n = Number(o.steps);
    if (!Number.isInteger(n) || n < 0) throw new CliError(`--steps must be a non-negative integer, got ${JSON.stringify(o.steps)}`);
    tc.steps = n;
  }
  const text = 'builtin' in tc.dataset ? mobyDick() : new TextDecoder('utf-8', { fatal: false }).decode(readBytes(tc.dataset.text));
  const vocab = CharVocab.fromText(text);
  const cfg = inFile(o.config!, () => modelForVocab(tc.modelFields, vocab.size));
  if (text.length < tc.seqLen + 1) throw new CliError(`${o.config}: dataset: ${text.length} characters is too short for seqLen ${tc.seqLen}`);
  let params: Float32Array | undefined;
  if (o.init) {
    const w = inFile(o.init, () => decodeWeights(readBytes(o.init!), cfg));
    checkStoredConfig(o.init, w.metadata, cfg);
    const stored = w.metadata[VOCAB_KEY];
    if (stored !== undefined && stored !== JSON.stringify(vocab.chars))
      throw new CliError(`${o.init}: the weights were trained on another character vocabulary than this dataset's`);
    params = w.params;
  }
  const tokensPerStep = tc.seqLen * tc.batchSize;
  const finalParams = await withDevice(async (ctx) => {
    let last = performance.now();
    const trainer = new Trainer(ctx, {
      model: cfg,
      T: tc.seqLen,
      B: tc.batchSize,
      optimizer: tc.optimizer,
      seed: tc.seed,
      params,
      metricsEvery: tc.logEvery,
      onMetrics: ({ firstStep, losses, gradNorms, skipped }) => {
        const now = performance.now();
        const ms = (now - last) / losses.length;
        last = now;
        const loss = losses[losses.length - 1];
        const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
        const line = { step: firstStep + losses.length, loss, loss_mean: mean, grad_norm: gradNorms[gradNorms.length - 1], ms_per_step: round(ms), tokens_per_s: Math.round((tokensPerStep * 1000) / ms) };
        const skips = skipped.reduce((a, b) => a + b, 0);
        console.log(JSON.stringify(skips ? { ...line, skipped_steps: skips } : line));
      },
    });
    const batcher = new CharBatcher(vocab.encode(text), tc.seqLen, tc.batchSize, tc.seed + 1);
    const inFlight = new InFlight(ctx.device);
    for (let s = 0; s < tc.steps; s++) {
      trainer.step(batcher.next());
      await inFlight.submitted();
    }
    await inFlight.drain();
    await trainer.flushMetrics();
    return trainer.readParams();
  });
  if (o.save) writeOutput(o.save, encodeWeights(cfg, finalParams, { [VOCAB_KEY]: JSON.stringify(vocab.chars) }));
  return 0;
}

const round = (x: number) => Math.round(x * 100) / 100;
