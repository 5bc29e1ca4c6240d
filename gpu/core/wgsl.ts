// Kernels composed from WGSL fragments. Module-scope declarations in WGSL may come in any order, so a
// kernel is its fragments' sources and its own, joined: a fragment states one idea once (σ, a layer's
// input, the blocked W_hh loop of the step kernels), and a kernel's own file only what is its own (a
// cell's gate update, its gradient). Fragments call functions the kernel supplies (a cell's `cell()`),
// like a template. Sizes stay `override` constants, set per pipeline; PipelineCache keys pipelines and
// shader modules on the composed text.

/** The source of a kernel made of `parts` (its fragments and its own file), each one once. */
export function composeWgsl(...parts: string[]): string {
  if (new Set(parts).size !== parts.length) throw new Error('composeWgsl: a fragment is included twice (its declarations would clash)');
  return parts.join('\n');
}
