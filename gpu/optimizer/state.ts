// Optimizer state as safetensors, beside the weights file (`model.safetensors` →
// `model.optim.safetensors`), so the weights file stays a plain state_dict that PyTorch loads with
// strict=True. Tensor names follow torch.optim's state: `exp_avg.<param>`, `exp_avg_sq.<param>`
// (Adam, AdamW), `momentum_buffer.<param>` (SGD). The step count and the optimizer settings travel
// in __metadata__, so a resumed run continues exactly where the saved one stopped.

import { decodeSafetensors, encodeSafetensors, SafetensorsError, type TensorF32 } from '../io/safetensors.ts';
import type { ParamLayout } from '../core/paramLayout.ts';
import type { OptimizerConfig } from './config.ts';

/** The optimizer's state as torch keeps it, for checkpoints: a resumed run continues exactly. */
export interface OptimizerSnapshot {
  step: number;
  skippedTotal: number;
  /** Adam's exp_avg / SGD's momentum_buffer, flat layout. */
  m: Float32Array;
  /** Adam's exp_avg_sq (empty for SGD). */
  v: Float32Array;
}

export const OPTIMIZER_KEY = 'rnnlab.optimizer';
const STEP_KEY = 'rnnlab.step';
const SKIPPED_KEY = 'rnnlab.skipped_steps';

/** Where the optimizer state of a weights file lives. */
export const optimizerPath = (weightsPath: string): string => weightsPath.replace(/(\.safetensors)?$/, '.optim.safetensors');

function slots(o: OptimizerConfig): ['m' | 'v', string][] {
  return o.kind === 'sgd'
    ? [['m', 'momentum_buffer']]
    : [
        ['m', 'exp_avg'],
        ['v', 'exp_avg_sq'],
      ];
}

/**
 * The optimizer state of any flat parameter layout (a recurrent model's, a tree model's): one tensor
 * per parameter and moment, named as torch.optim names them; `meta` describes the model.
 */
export function encodeLayoutOptimizerState(layout: ParamLayout, meta: Record<string, string>, o: OptimizerConfig, s: OptimizerSnapshot): Uint8Array {
  const tensors: [string, TensorF32][] = [];
  for (const [slot, prefix] of slots(o))
    for (const spec of layout.specs) tensors.push([`${prefix}.${spec.name}`, { shape: spec.shape, data: s[slot].slice(spec.offset, spec.offset + spec.size) }]);
  return encodeSafetensors(tensors, {
    ...meta,
    [OPTIMIZER_KEY]: JSON.stringify(o),
    [STEP_KEY]: String(s.step),
    [SKIPPED_KEY]: String(s.skippedTotal),
  });
}

/** Reads optimizer state saved for this layout and optimizer kind; anything else is refused with the reason. */
export function decodeLayoutOptimizerState(bytes: Uint8Array, layout: ParamLayout, o: OptimizerConfig): OptimizerSnapshot {
  const { tensors, metadata } = decodeSafetensors(bytes);
  let saved: { kind?: string };
  try {
    saved = JSON.parse(metadata[OPTIMIZER_KEY] ?? 'null') ?? {};
  } catch {
    throw new SafetensorsError(`__metadata__ "${OPTIMIZER_KEY}" is not valid JSON`);
  }
  if (saved.kind !== o.kind) throw new SafetensorsError(`the saved optimizer state is for "${saved.kind ?? 'unknown'}", this run uses "${o.kind}"`);
  const step = Number(metadata[STEP_KEY]);
  if (!Number.isInteger(step) || step < 0) throw new SafetensorsError(`__metadata__ "${STEP_KEY}" must be a non-negative integer`);
  const out: OptimizerSnapshot = {
    step,
    skippedTotal: Number(metadata[SKIPPED_KEY] ?? 0) || 0,
    m: new Float32Array(layout.total),
    v: new Float32Array(o.kind === 'sgd' ? 0 : layout.total),
  };
  const expected = new Set<string>();
  for (const [slot, prefix] of slots(o))
    for (const spec of layout.specs) {
      const name = `${prefix}.${spec.name}`;
      expected.add(name);
      const t = tensors.get(name);
      if (!t) throw new SafetensorsError(`missing tensor ${name}`, { tensor: name });
      if (t.shape.join() !== spec.shape.join())
        throw new SafetensorsError(`tensor "${name}" has shape [${t.shape}], the model needs [${spec.shape}]`, { tensor: name });
      if (!t.data.every(Number.isFinite)) throw new SafetensorsError(`tensor "${name}" holds a non-finite value`, { tensor: name });
      out[slot].set(t.data, spec.offset);
    }
  for (const name of tensors.keys()) if (!expected.has(name)) throw new SafetensorsError(`unexpected tensor "${name}"`, { tensor: name });
  return out;
}
