// One file per run, to hand a run to someone else: a safetensors file holding the run's weights under
// their own names (so PyTorch reads them, after dropping the rest), its optimizer state under
// `optimizer/…`, its curves under `curves/…`, and under the metadata key `rnnlab.run` the rest as
// JSON: name, settings (the checkpoint's config, an uploaded file's text included), step, validation
// points, samples and sampling settings. Importing one stores it as a new run (runStore.ts).

import { decodeSafetensors, encodeSafetensors, SafetensorsError, type TensorF32 } from '../../gpu/io/safetensors.ts';
import type { SavedCheckpoint } from '../../gpu/session/protocol.ts';
import type { StoredSession } from './sessionStore.ts';

export const RUN_FILE_KEY = 'rnnlab.run';
const FORMAT = 1;
const OPTIMIZER = 'optimizer/';
const CURVES = 'curves/';
const CURVE_NAMES = ['losses', 'gradNorms', 'msPerStep', 'tokensPerSec'] as const;

interface RunFileMeta {
  format: number;
  name: string;
  createdAt: number;
  savedAt: number;
  step: number;
  carriedSteps: number;
  config: SavedCheckpoint['config'];
  kernels?: unknown;
  validation: StoredSession['validation'];
  samples?: StoredSession['samples'];
  sampling?: StoredSession['sampling'];
  weightsMetadata: Record<string, string>;
  optimizerMetadata: Record<string, string>;
}

export class RunFileError extends Error {}

/** The run file of a stored run's record. */
export function encodeRunFile(record: StoredSession, run: { name: string; createdAt: number }): Uint8Array {
  const c = record.checkpoint;
  const weights = decodeSafetensors(new Uint8Array(c.weights));
  const optimizer = decodeSafetensors(new Uint8Array(c.optimizer));
  const tensors: [string, TensorF32][] = [];
  for (const [name, t] of weights.tensors) tensors.push([name, { shape: t.shape, data: t.data }]);
  for (const [name, t] of optimizer.tensors) tensors.push([OPTIMIZER + name, { shape: t.shape, data: t.data }]);
  for (const k of CURVE_NAMES) {
    const a = record[k];
    if (a) tensors.push([CURVES + k, { shape: [a.length], data: a }]);
  }
  const meta: RunFileMeta = {
    format: FORMAT,
    name: run.name,
    createdAt: run.createdAt,
    savedAt: record.savedAt,
    step: c.step,
    carriedSteps: record.carriedSteps,
    config: c.config,
    ...('kernels' in c && c.kernels ? { kernels: c.kernels } : {}),
    validation: record.validation,
    ...(record.samples ? { samples: record.samples } : {}),
    ...(record.sampling ? { sampling: record.sampling } : {}),
    weightsMetadata: weights.metadata,
    optimizerMetadata: optimizer.metadata,
  };
  return encodeSafetensors(tensors, { ...weights.metadata, [RUN_FILE_KEY]: JSON.stringify(meta) });
}

/** A run file back as a record and the name it had; a file that is not one is refused, saying what it is. */
export function decodeRunFile(bytes: Uint8Array, fileName: string): { record: StoredSession; name: string; createdAt: number } {
  let file: ReturnType<typeof decodeSafetensors>;
  try {
    file = decodeSafetensors(bytes);
  } catch (e) {
    throw new RunFileError(`“${fileName}” is not a run file: ${e instanceof SafetensorsError ? e.message : String(e)}.`);
  }
  const raw = file.metadata[RUN_FILE_KEY];
  if (raw === undefined) throw new RunFileError(`“${fileName}” holds weights but no run (no ${RUN_FILE_KEY} in it): load weights with Import under Weights.`);
  let meta: RunFileMeta;
  try {
    meta = JSON.parse(raw) as RunFileMeta;
  } catch {
    throw new RunFileError(`“${fileName}”: its ${RUN_FILE_KEY} is not JSON.`);
  }
  if (meta.format !== FORMAT) throw new RunFileError(`“${fileName}” is a run file of format ${meta.format}; this page reads format ${FORMAT}.`);
  if (!meta.config || !Number.isInteger(meta.step) || meta.step < 0 || typeof meta.name !== 'string' || !Array.isArray(meta.validation))
    throw new RunFileError(`“${fileName}”: its ${RUN_FILE_KEY} lacks the run's settings, step, name or validation points.`);
  const weights: [string, TensorF32][] = [];
  const optimizer: [string, TensorF32][] = [];
  const curves: Partial<Record<(typeof CURVE_NAMES)[number], Float32Array>> = {};
  for (const [name, t] of file.tensors) {
    if (name.startsWith(OPTIMIZER)) optimizer.push([name.slice(OPTIMIZER.length), { shape: t.shape, data: t.data }]);
    else if (name.startsWith(CURVES)) {
      const k = name.slice(CURVES.length) as (typeof CURVE_NAMES)[number];
      if (CURVE_NAMES.includes(k)) curves[k] = t.data;
    } else weights.push([name, { shape: t.shape, data: t.data }]);
  }
  if (!curves.losses) throw new RunFileError(`“${fileName}” has no loss curve (curves/losses).`);
  const toBuffer = (a: Uint8Array) => a.slice().buffer;
  const checkpoint = {
    config: meta.config,
    step: meta.step,
    ...(meta.kernels ? { kernels: meta.kernels } : {}),
    weights: toBuffer(encodeSafetensors(weights, meta.weightsMetadata)),
    optimizer: toBuffer(encodeSafetensors(optimizer, meta.optimizerMetadata)),
  } as SavedCheckpoint;
  const record: StoredSession = {
    checkpoint,
    losses: curves.losses,
    ...(curves.gradNorms ? { gradNorms: curves.gradNorms } : {}),
    ...(curves.msPerStep ? { msPerStep: curves.msPerStep } : {}),
    ...(curves.tokensPerSec ? { tokensPerSec: curves.tokensPerSec } : {}),
    validation: meta.validation,
    savedAt: meta.savedAt,
    carriedSteps: meta.carriedSteps ?? 0,
    ...(meta.samples ? { samples: meta.samples } : {}),
    ...(meta.sampling ? { sampling: meta.sampling } : {}),
  };
  return { record, name: meta.name, createdAt: meta.createdAt ?? meta.savedAt };
}
