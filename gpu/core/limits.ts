// What a compute pipeline asks of the device, read from its WGSL before the pipeline is made: the
// workgroup size (per dimension and invocations in all), the workgroup storage its entry point
// uses, and its bindings. PipelineCache checks these against the device's limits, so a kernel that
// cannot run on this GPU is refused with the limit's name, instead of an asynchronous validation
// error and a step that silently computes nothing.
//
// The reader understands what this project's shaders write: `const`/`override` integer
// declarations, integer expressions (+ - * / % and parentheses, u/i suffixes), `@workgroup_size(...)`
// and `var<workgroup>` of scalars, vectors, matrices, atomics and fixed-size arrays of them. Anything
// else (a struct in workgroup storage, an unknown function in an expression) makes the figure
// unknown: no refusal from here, and the device's own validation (in an error scope) still applies.

export interface PipelineLimits {
  maxComputeWorkgroupSizeX: number;
  maxComputeWorkgroupSizeY: number;
  maxComputeWorkgroupSizeZ: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupStorageSize: number;
  maxStorageBuffersPerShaderStage: number;
  maxUniformBuffersPerShaderStage: number;
  maxBindGroups: number;
  maxDynamicUniformBuffersPerPipelineLayout: number;
}

export interface KernelRequirements {
  /** [x, y, z], or null when it could not be worked out. */
  workgroupSize: [number, number, number] | null;
  /** Bytes of workgroup storage the entry point uses (each variable rounded up to 16), or null. */
  workgroupBytes: number | null;
}

/** A kernel this device cannot run, refused before its pipeline is made. */
export class KernelLimitError extends Error {
  constructor(
    readonly limit: keyof PipelineLimits,
    readonly value: number,
    readonly requested: number,
    message: string,
  ) {
    super(message);
    this.name = 'KernelLimitError';
  }
}

/** Override constants the kernels take, by the settings a user changes. */
const SETTING_OF: Record<string, string> = { H: 'hidden', B: 'batchSize', T: 'tbptt', V: 'vocab', O: 'output', F: 'features' };

type Env = Map<string, string>;

/** The module's `const` and `override` declarations: name → expression text (overrides take `constants` first). */
function declarations(code: string, constants: Record<string, number | boolean>): Env {
  const env: Env = new Map();
  const re = /\b(const|override)\s+([A-Za-z_]\w*)\s*(?::\s*[\w<>]+\s*)?(?:=\s*([^;]+))?;/g;
  for (let m; (m = re.exec(code));) {
    const [, kind, name, expr] = m;
    if (kind === 'override' && Object.hasOwn(constants, name)) env.set(name, String(Number(constants[name])));
    else if (expr !== undefined) env.set(name, expr.trim());
  }
  return env;
}

/** Evaluates an integer expression; null when it holds anything this reader does not know. */
export function evalInt(expr: string, env: Env, depth = 0): number | null {
  if (depth > 20) return null;
  const tokens = expr.match(/0[xX][0-9a-fA-F]+[iu]?|\d+[iu]?|[A-Za-z_]\w*|[-+*/%()]|\S/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const primary = (): number | null => {
    const t = tokens[at++];
    if (t === undefined) return null;
    if (t === '(') {
      const v = sum();
      return tokens[at++] === ')' ? v : null;
    }
    if (t === '-') {
      const v = primary();
      return v === null ? null : -v;
    }
    if (/^0[xX]/.test(t)) return parseInt(t.replace(/[iu]$/, ''), 16);
    if (/^\d/.test(t)) return Number(t.replace(/[iu]$/, ''));
    if (/^[A-Za-z_]/.test(t)) {
      const e = env.get(t);
      return e === undefined ? null : evalInt(e, env, depth + 1);
    }
    return null;
  };
  const product = (): number | null => {
    let v = primary();
    while (v !== null && (peek() === '*' || peek() === '/' || peek() === '%')) {
      const op = tokens[at++];
      const r = primary();
      if (r === null || (op !== '*' && r === 0)) return null;
      v = op === '*' ? v * r : op === '/' ? Math.trunc(v / r) : v % r;
    }
    return v;
  };
  const sum = (): number | null => {
    let v = product();
    while (v !== null && (peek() === '+' || peek() === '-')) {
      const op = tokens[at++];
      const r = product();
      if (r === null) return null;
      v = op === '+' ? v + r : v - r;
    }
    return v;
  };
  const v = sum();
  return v !== null && at === tokens.length && Number.isSafeInteger(v) ? v : null;
}

/** Splits "a, b, c" at top-level commas. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let level = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(' || s[i] === '<') level++;
    else if (s[i] === ')' || s[i] === '>') level--;
    else if (s[i] === ',' && level === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out.map((a) => a.trim()).filter((a) => a !== '');
}

/** [size, alignment] of a WGSL type in workgroup storage, or null. */
function typeLayout(type: string, env: Env): [number, number] | null {
  const t = type.replace(/\s+/g, '');
  const scalar: Record<string, number> = { f32: 4, u32: 4, i32: 4, f16: 2, bool: 4, 'atomic<u32>': 4, 'atomic<i32>': 4 };
  if (scalar[t] !== undefined) return [scalar[t], scalar[t]];
  const short = /^vec([234])([fiuh])$/.exec(t);
  const vec = short ? [short[1], short[2] === 'h' ? 'f16' : 'f32'] : /^vec([234])<(\w+)>$/.exec(t)?.slice(1);
  if (vec) {
    const n = Number(vec[0]);
    const s = vec[1] === 'f16' ? 2 : 4;
    const align = (n === 3 ? 4 : n) * s;
    return [n * s, align];
  }
  const mat = /^mat([234])x([234])(?:<(\w+)>|([fh]))$/.exec(t);
  if (mat) {
    const [c, r] = [Number(mat[1]), Number(mat[2])];
    const s = mat[3] === 'f16' || mat[4] === 'h' ? 2 : 4;
    const align = (r === 3 ? 4 : r) * s;
    return [c * align, align];
  }
  const arr = /^array<(.+)>$/.exec(t);
  if (arr) {
    const args = splitArgs(arr[1]);
    if (args.length !== 2) return null;
    const inner = typeLayout(args[0], env);
    const n = evalInt(args[1], env);
    if (!inner || n === null || n <= 0) return null;
    const stride = Math.ceil(inner[0] / inner[1]) * inner[1];
    return [n * stride, inner[1]];
  }
  return null;
}

/** The body of `fn name(...) ... { ... }` (braces matched), or null. */
function functionBody(code: string, name: string): string | null {
  const m = new RegExp(`\\bfn\\s+${name}\\s*\\(`).exec(code);
  if (!m) return null;
  const open = code.indexOf('{', m.index);
  if (open < 0) return null;
  let level = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === '{') level++;
    else if (code[i] === '}' && --level === 0) return code.slice(open, i + 1);
  }
  return null;
}

/** Text of the entry point and of every function it calls, directly or not. */
function reachableText(code: string, entry: string): string | null {
  const body = functionBody(code, entry);
  if (body === null) return null;
  const fns = [...code.matchAll(/\bfn\s+([A-Za-z_]\w*)/g)].map((m) => m[1]).filter((f) => f !== entry);
  const seen = new Set<string>();
  let text = body;
  for (let changed = true; changed;) {
    changed = false;
    for (const f of fns)
      if (!seen.has(f) && new RegExp(`\\b${f}\\s*\\(`).test(text)) {
        seen.add(f);
        text += functionBody(code, f) ?? '';
        changed = true;
      }
  }
  return text;
}

/** The text inside `@workgroup_size(…)` among the attributes of `fn entry`, or null. */
function workgroupSizeArgs(src: string, entry: string): string | null {
  const fn = new RegExp(`\\bfn\\s+${entry}\\s*\\(`).exec(src);
  if (!fn) return null;
  // The attributes sit between the previous declaration's end and the fn keyword.
  const before = src.slice(0, fn.index);
  const start = Math.max(before.lastIndexOf(';'), before.lastIndexOf('}')) + 1;
  const attrs = before.slice(start);
  const at = attrs.indexOf('@workgroup_size');
  if (at < 0) return null;
  const open = attrs.indexOf('(', at);
  let level = 0;
  for (let i = open; i >= 0 && i < attrs.length; i++) {
    if (attrs[i] === '(') level++;
    else if (attrs[i] === ')' && --level === 0) return attrs.slice(open + 1, i);
  }
  return null;
}

function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
}

/** What the entry point `entry` of `code`, specialised with `constants`, asks of the device. */
export function kernelRequirements(code: string, entry: string, constants: Record<string, number | boolean>): KernelRequirements {
  const src = stripComments(code);
  const env = declarations(src, constants);
  let workgroupSize: KernelRequirements['workgroupSize'] = null;
  const args = workgroupSizeArgs(src, entry);
  if (args !== null) {
    const dims = splitArgs(args).map((a) => evalInt(a, env));
    if (dims.length >= 1 && dims.length <= 3 && dims.every((d) => d !== null && d > 0)) {
      const [x, y = 1, z = 1] = dims as number[];
      workgroupSize = [x, y, z];
    }
  }
  let workgroupBytes: number | null = 0;
  const used = reachableText(src, entry);
  // Type aliases (a cell's `alias Gates = vec4<f32>`), resolved before a type is measured.
  const aliases = [...src.matchAll(/\balias\s+([A-Za-z_]\w*)\s*=\s*([^;]+);/g)].map(([, n, t]) => [new RegExp(`\\b${n}\\b`, 'g'), t.trim()] as const);
  const resolve = (type: string) => aliases.reduce((t, [name, to]) => t.replace(name, to), type);
  for (const m of src.matchAll(/var\s*<\s*workgroup\s*>\s*([A-Za-z_]\w*)\s*:\s*([^;]+);/g)) {
    const [, name, type] = m;
    if (used !== null && !new RegExp(`\\b${name}\\b`).test(used)) continue;
    const layout = typeLayout(resolve(type), env);
    if (!layout) {
      workgroupBytes = null;
      break;
    }
    workgroupBytes += Math.ceil(layout[0] / 16) * 16;
  }
  return { workgroupSize, workgroupBytes };
}

/**
 * Throws KernelLimitError when the kernel asks for more than `limits` allow: the limit's name, what
 * the kernel needs, and (for a need that grows with an override such as H) the largest value of it
 * that fits.
 */
export function checkKernelLimits(
  limits: PipelineLimits,
  label: string,
  code: string,
  entry: string,
  constants: Record<string, number | boolean>,
  bindings: { storage: number; uniform: number; groups: number; dynamicUniform: number },
): void {
  const refuse = (limit: keyof PipelineLimits, need: number, what: string, size: (c: Record<string, number | boolean>) => number | null) => {
    const value = limits[limit];
    const fits = largestFitting(constants, size, value);
    const hint = fits ? ` At the other settings, ${fits} fits.` : ' It does not depend on the model settings: this GPU cannot run this kernel.';
    throw new KernelLimitError(limit, value, need, `${label}: needs ${what} ${need}, more than this GPU's ${limit} (${value}).${hint}`);
  };
  const req = kernelRequirements(code, entry, constants);
  if (req.workgroupSize) {
    const axes = ['X', 'Y', 'Z'] as const;
    req.workgroupSize.forEach((n, i) => {
      const limit = `maxComputeWorkgroupSize${axes[i]}` as const;
      if (n > limits[limit])
        refuse(limit, n, `a workgroup size in ${axes[i].toLowerCase()} of`, (c) => kernelRequirements(code, entry, c).workgroupSize?.[i] ?? null);
    });
    const invocations = req.workgroupSize[0] * req.workgroupSize[1] * req.workgroupSize[2];
    if (invocations > limits.maxComputeInvocationsPerWorkgroup)
      refuse('maxComputeInvocationsPerWorkgroup', invocations, 'invocations per workgroup:', (c) => {
        const s = kernelRequirements(code, entry, c).workgroupSize;
        return s && s[0] * s[1] * s[2];
      });
  }
  if (req.workgroupBytes !== null && req.workgroupBytes > limits.maxComputeWorkgroupStorageSize)
    refuse('maxComputeWorkgroupStorageSize', req.workgroupBytes, 'bytes of workgroup storage:', (c) => kernelRequirements(code, entry, c).workgroupBytes);
  const fixed = (limit: keyof PipelineLimits, need: number, what: string) => {
    if (need > limits[limit]) refuse(limit, need, what, () => need);
  };
  fixed('maxStorageBuffersPerShaderStage', bindings.storage, 'storage buffers:');
  fixed('maxUniformBuffersPerShaderStage', bindings.uniform, 'uniform buffers:');
  fixed('maxBindGroups', bindings.groups, 'bind groups:');
  fixed('maxDynamicUniformBuffersPerPipelineLayout', bindings.dynamicUniform, 'dynamic uniform buffers:');
}

/** "hidden ≤ 724" for the first integer override whose lowering makes `size` fit `limit`; null if none does. */
function largestFitting(
  constants: Record<string, number | boolean>,
  size: (c: Record<string, number | boolean>) => number | null,
  limit: number,
): string | null {
  for (const [name, value] of Object.entries(constants)) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 1) continue;
    const at = (v: number) => size({ ...constants, [name]: v });
    const base = at(value);
    if (base === null || at(1) === null || at(1)! > limit || at(1) === base) continue;
    let [lo, hi] = [1, value]; // at(lo) fits, at(hi) does not
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (at(mid)! <= limit) lo = mid;
      else hi = mid;
    }
    return `${SETTING_OF[name] ?? name} ≤ ${lo}`;
  }
  return null;
}
