// A flat parameter buffer <-> a weights file's named tensors, for any parameter layout (a recurrent
// model's, a tree model's). Reading is strict: every tensor of the layout, none other, each of its
// shape and finite, so a file for another model is refused with the tensor's name.

import type { ParamLayout } from '../core/paramLayout.ts';
import { SafetensorsError, type TensorF32 } from './safetensors.ts';

/** The layout's tensors, named, as copies out of `flat`. */
export function tensorsOf(layout: ParamLayout, flat: Float32Array): [string, TensorF32][] {
  return layout.specs.map((s) => [s.name, { shape: s.shape, data: flat.slice(s.offset, s.offset + s.size) }]);
}

/**
 * The flat parameters of `layout` from a file's tensors: every tensor there, none other, each of its
 * shape and finite (SafetensorsError naming the tensor otherwise). Allocated only after the checks:
 * every tensor is in the file at its full size, so a config (in the metadata, or the caller's) that
 * names a huge model cannot make the reader allocate more than the file holds.
 */
export function paramsFromTensors(tensors: Map<string, TensorF32>, layout: ParamLayout): Float32Array {
  const missing = layout.specs.filter((s) => !tensors.has(s.name)).map((s) => s.name);
  if (missing.length) throw new SafetensorsError(`missing tensor${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  for (const name of tensors.keys())
    if (!layout.byName.has(name)) throw new SafetensorsError(`unexpected tensor "${name}" (this model has ${layout.specs.map((s) => s.name).join(', ')})`);
  for (const spec of layout.specs) {
    const t = tensors.get(spec.name)!;
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i]))
      throw new SafetensorsError(`tensor "${spec.name}" has shape [${t.shape}], the model needs [${spec.shape}]`, { tensor: spec.name });
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new SafetensorsError(`tensor "${spec.name}" holds ${t.data[bad]} at element ${bad}: weights must be finite`, { tensor: spec.name });
  }
  const params = new Float32Array(layout.total);
  for (const spec of layout.specs) params.set(tensors.get(spec.name)!.data, spec.offset);
  return params;
}
