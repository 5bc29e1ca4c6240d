// A model's parameters in one flat buffer: named tensors one after the other, each starting at a
// multiple of 64 floats (256 bytes), WebGPU's storage offset alignment, so any tensor can be bound
// on its own and read as vec4. The optimizer sees one buffer; the weights files see named tensors.

export interface ParamSpec {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

export interface ParamLayout {
  specs: ParamSpec[];
  byName: Map<string, ParamSpec>;
  /** Total floats in the flat buffer, padding included. */
  total: number;
}

const ALIGN = 64;

/** Tensors one after the other in a flat buffer, each starting on an ALIGN-float boundary. */
export function layoutOf(shapes: readonly [string, number[]][]): ParamLayout {
  const specs: ParamSpec[] = [];
  let offset = 0;
  for (const [name, shape] of shapes) {
    const size = shape.reduce((a, b) => a * b, 1);
    specs.push({ name, shape, offset, size });
    offset += Math.ceil(size / ALIGN) * ALIGN;
  }
  return { specs, byName: new Map(specs.map((s) => [s.name, s])), total: offset };
}

/** A view of one named tensor inside a flat buffer. */
export function tensorView<A extends Float32Array | Float64Array>(flat: A, spec: ParamSpec): A {
  return flat.subarray(spec.offset, spec.offset + spec.size) as A;
}
