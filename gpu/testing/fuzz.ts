// The shared fuzz harness: the contract every parser of outside data is held to, and arbitraries
// that mutate valid inputs rather than only throwing random bytes at a parser.
//
// For each generated input, `checkParse` runs the parser and asserts:
//   - it returns, or throws only one of its documented error classes (never a TypeError, a
//     RangeError or a bare Error from deep inside);
//   - it finishes within a time bound (a hang shows up as a case over the bound; see `scaled` for
//     inputs near the size caps, where superlinear behaviour shows);
//   - the typed arrays and arrays it allocates stay within a bound derived from the input and the
//     stated caps (the meter refuses the allocation that would pass it, so a bug cannot exhaust memory);
//   - no `__proto__` / `constructor` / `prototype` key in the input reaches a prototype: the shared
//     prototypes are unchanged afterwards, and every object in the output has a standard prototype.
// Round trips (writer → parser) are asserted by each suite where a writer exists.
//
// Case counts: RNNLAB_FUZZ_RUNS (default 200, what `npm test` runs); `npm run fuzz` sets 10,000.
// The seed is RNNLAB_FUZZ_SEED (default below), printed by `npm run fuzz`; a failure prints its own
// seed and path, so `RNNLAB_FUZZ_SEED=<seed>` reproduces it.
//
// Adding a parser: write `<name>.fuzz.test.ts` beside it, build inputs with `mutatedBytes`,
// `mutatedText` or `mutatedJson` from valid ones, and call `checkParse` in an `fc.property`. It runs
// in `npm test` (small count) and in `npm run fuzz` (10,000 cases) with no further registration.
// TODO(gpu/tree): the bracket-tree parser (gpu/tree/parse.ts, being written) gets its suite from
// `bracketTexts` below + `checkParse` once its API settles: gpu/tree/parse.fuzz.test.ts holds
// the todo and what the properties are.

import fc from 'fast-check';
import { afterAll, it } from 'vitest';

export const FUZZ_RUNS = Math.max(1, Number(process.env.RNNLAB_FUZZ_RUNS ?? 200));
export const FUZZ_SEED = Number(process.env.RNNLAB_FUZZ_SEED ?? 20260707);
/** Multiplies every time bound (a slow or busy machine). */
const SLOW = Math.max(1, Number(process.env.RNNLAB_FUZZ_SLOW ?? 1));

/** fast-check parameters for a property: the run count (scaled by `share`), the seed, no shrinking past 10 s. */
export function fuzzParams(share = 1): fc.Parameters<unknown> {
  return { numRuns: Math.max(1, Math.round(FUZZ_RUNS * share)), seed: FUZZ_SEED, interruptAfterTimeLimit: undefined, endOnFailure: false };
}

/** Test timeout for a property of `runs` cases at about `msPerCase` each (vitest's default would cut 10,000 cases short). */
export function fuzzTimeout(msPerCase = 5, share = 1): number {
  return 60_000 + Math.round(FUZZ_RUNS * share * msPerCase * SLOW);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ErrorClass = abstract new (...args: any[]) => Error;

export interface ParserContract<I, O> {
  name: string;
  parse(input: I): O;
  /** The error classes the parser documents; anything else thrown is a bug. */
  throws?: readonly ErrorClass[];
  /** Milliseconds one parse may take (default 1000; times RNNLAB_FUZZ_SLOW). */
  maxMs?: number;
  /** Bytes of typed arrays and array slots (8 bytes each) one parse may allocate. */
  maxAllocated?: (input: I) => number;
  /** Further checks on a successful result (sizes against caps, invariants); throw to fail. */
  checkOutput?: (output: O, input: I) => void;
}

export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

/** Thrown by the allocation meter instead of making an allocation past the parser's budget. */
export class AllocationCapExceeded extends Error {
  override name = 'AllocationCapExceeded';
}

/**
 * Runs `contract.parse(input)` under the contract. Returns the output, or undefined when the parser
 * refused the input with a documented error. Throws ContractViolation (with the input's size and the
 * reason) otherwise.
 */
/** Per contract: inputs accepted and refused (printed per file by `npm run fuzz`, so a suite that only ever refuses shows). */
const outcomes = new Map<string, { accepted: number; refused: number }>();
if (process.env.RNNLAB_FUZZ_REPORT)
  afterAll(() => {
    for (const [name, o] of outcomes) console.log(`fuzz outcome: ${name}: ${o.accepted} accepted, ${o.refused} refused`);
  });

function count(name: string, accepted: boolean): void {
  const o = outcomes.get(name) ?? { accepted: 0, refused: 0 };
  if (accepted) o.accepted++;
  else o.refused++;
  outcomes.set(name, o);
}

export function checkParse<I, O>(contract: ParserContract<I, O>, input: I): O | undefined {
  const before = prototypeSnapshot();
  const budget = contract.maxAllocated?.(input) ?? Infinity;
  const t0 = performance.now();
  let output: O | undefined;
  let thrown: unknown;
  let threw = false;
  const meter = armMeter(budget);
  try {
    output = contract.parse(input);
  } catch (e) {
    threw = true;
    thrown = e;
  } finally {
    meter.disarm();
  }
  const ms = performance.now() - t0;
  const fail = (why: string): never => {
    throw new ContractViolation(`${contract.name}: ${why} (input: ${describe(input)})`);
  };
  const after = prototypeSnapshot();
  if (after !== before) fail(`a shared prototype changed: ${before} → ${after}`);
  if (threw) {
    if (thrown instanceof AllocationCapExceeded) fail(thrown.message);
    const documented = contract.throws ?? [];
    if (!documented.some((c) => thrown instanceof c))
      fail(
        `threw an undocumented ${(thrown as Error)?.name ?? typeof thrown}: ${(thrown as Error)?.message ?? String(thrown)}\n${(thrown as Error)?.stack ?? ''}`,
      );
    const message = (thrown as Error).message;
    if (typeof message !== 'string' || message.trim() === '') fail(`threw ${(thrown as Error).name} with an empty message`);
  }
  const limit = (contract.maxMs ?? 1000) * SLOW;
  if (ms > limit) fail(`took ${ms.toFixed(0)} ms, over the ${limit} ms bound`);
  const refusal = threw || (typeof output === 'object' && output !== null && (output as { ok?: unknown }).ok === false);
  count(contract.name, !refusal);
  if (threw) return undefined;
  const foreign = foreignPrototype(output);
  if (foreign) fail(`the output holds an object with a non-standard prototype at ${foreign}`);
  contract.checkOutput?.(output as O, input);
  return output;
}

/** A test that holds `contract` on every input `inputs` generates: `share` of the run count, about `msPerCase` each (fuzzTimeout). */
export function fuzzContract<I, O>(name: string, inputs: fc.Arbitrary<I>, contract: ParserContract<I, O>, msPerCase = 5, share = 1): void {
  it(
    name,
    () =>
      fc.assert(
        fc.property(inputs, (input) => void checkParse(contract, input)),
        fuzzParams(share),
      ),
    fuzzTimeout(msPerCase, share),
  );
}

// ---------------------------------------------------------------- prototype pollution

const SHARED = [Object.prototype, Array.prototype, Function.prototype, String.prototype, Number.prototype, Map.prototype, Set.prototype];

/** Own keys (with their value types) of the shared prototypes, and what a fresh object inherits. */
function prototypeSnapshot(): string {
  const parts = SHARED.map((p) =>
    Reflect.ownKeys(p)
      .map((k) => `${String(k)}:${typeof (Object.getOwnPropertyDescriptor(p, k)?.value ?? 'accessor')}`)
      .join(','),
  );
  const probe: Record<string, unknown> = {};
  const inherited = ['polluted', 'isAdmin', 'kind', 'hidden', 'lr', 'x', 'dtype', 'shape'].filter((k) => probe[k] !== undefined);
  return `${parts.join('/')}|${inherited.join(',')}|${Object.getPrototypeOf(probe) === Object.prototype}`;
}

const STANDARD = new Set<unknown>([
  null,
  Object.prototype,
  Array.prototype,
  Map.prototype,
  Set.prototype,
  Date.prototype,
  RegExp.prototype,
  Error.prototype,
  ArrayBuffer.prototype,
  Uint8Array.prototype,
  Int8Array.prototype,
  Uint16Array.prototype,
  Int16Array.prototype,
  Uint32Array.prototype,
  Int32Array.prototype,
  Float32Array.prototype,
  Float64Array.prototype,
  Uint8ClampedArray.prototype,
  BigInt64Array.prototype,
  BigUint64Array.prototype,
]);

/** Path to the first object in `value` whose prototype is not a standard one (at most 20,000 objects visited). */
function foreignPrototype(value: unknown): string | null {
  const seen = new Set<object>();
  const stack: [unknown, string][] = [[value, '$']];
  while (stack.length && seen.size < 20_000) {
    const [v, path] = stack.pop()!;
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    const proto = Object.getPrototypeOf(v);
    // Class instances of this project (a Map subclass, a CharVocab) have prototypes whose own prototype chain ends in a standard one.
    if (!STANDARD.has(proto) && !isClassPrototype(proto)) return path;
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue;
    if (v instanceof Map) {
      for (const [k, x] of v) stack.push([x, `${path}.get(${JSON.stringify(String(k)).slice(0, 40)})`]);
      continue;
    }
    for (const k of Object.keys(v)) stack.push([(v as Record<string, unknown>)[k], `${path}[${JSON.stringify(k).slice(0, 40)}]`]);
  }
  return null;
}

/** A prototype made by `class` syntax (its constructor is a class whose prototype it is). */
function isClassPrototype(proto: object): boolean {
  const own = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
  return typeof own === 'function' && own.prototype === proto && /^class[\s{]/.test(Function.prototype.toString.call(own));
}

// ---------------------------------------------------------------- allocation meter

const METERED = [
  'ArrayBuffer',
  'Uint8Array',
  'Int8Array',
  'Uint16Array',
  'Int16Array',
  'Uint32Array',
  'Int32Array',
  'Float32Array',
  'Float64Array',
  'Array',
] as const;
const g = globalThis as unknown as Record<string, unknown>;
const ORIGINALS = Object.fromEntries(METERED.map((n) => [n, g[n]])) as Record<(typeof METERED)[number], { BYTES_PER_ELEMENT?: number; prototype: object }>;

function elementBytes(name: string): number {
  if (name === 'ArrayBuffer') return 1;
  if (name === 'Array') return 8;
  return ORIGINALS[name as (typeof METERED)[number]].BYTES_PER_ELEMENT ?? 8;
}

function countOf(name: string, args: unknown[]): number {
  const a = args[0];
  if (typeof a === 'number') return name === 'Array' && args.length !== 1 ? args.length : a;
  if (a instanceof (ORIGINALS.ArrayBuffer as unknown as typeof ArrayBuffer) || (typeof SharedArrayBuffer !== 'undefined' && a instanceof SharedArrayBuffer))
    return 0; // a view
  if (name === 'Array') return args.length;
  if (a && typeof a === 'object' && 'length' in a) return Number((a as { length: unknown }).length) || 0;
  return 0;
}

/**
 * Replaces the typed-array, ArrayBuffer and Array constructors (and their `from`) by counting
 * proxies until `disarm`. Code that captured a constructor before (libraries' module-level aliases)
 * is not counted: the meter bounds this project's allocations, the ones that follow input sizes.
 */
function armMeter(budget: number): { disarm(): void } {
  if (!Number.isFinite(budget)) return { disarm() {} };
  let used = 0;
  const charge = (name: string, n: number) => {
    used += n * elementBytes(name);
    if (used > budget) throw new AllocationCapExceeded(`allocated more than its budget of ${budget} bytes (a ${name} of ${n} elements brought it to ${used})`);
  };
  for (const name of METERED) {
    const original = ORIGINALS[name] as unknown as new (...args: unknown[]) => unknown;
    const proxy: object = new Proxy(original, {
      construct(target, args, newTarget) {
        charge(name, countOf(name, args));
        return Reflect.construct(target, args, newTarget === proxy ? target : newTarget);
      },
      apply(target, thisArg, args) {
        // Array(n) without new.
        charge(name, countOf(name, args));
        return Reflect.apply(target as unknown as (...a: unknown[]) => unknown, thisArg, args);
      },
      get(target, key, receiver) {
        const v = Reflect.get(target, key, receiver);
        if (key === 'from' && typeof v === 'function')
          return (source: unknown, ...rest: unknown[]) => {
            const len = source && typeof source === 'object' && 'length' in source ? Number((source as { length: unknown }).length) || 0 : 0;
            charge(name, len);
            return (v as (...a: unknown[]) => unknown).call(target, source, ...rest);
          };
        return v;
      },
    });
    g[name] = proxy;
  }
  return {
    disarm() {
      for (const name of METERED) g[name] = ORIGINALS[name];
    },
  };
}

function describe(input: unknown): string {
  if (input instanceof Uint8Array) return `${input.length} bytes, starting ${JSON.stringify(new TextDecoder().decode(input.subarray(0, 80)))}`;
  if (typeof input === 'string') return `${input.length} chars, starting ${JSON.stringify(input.slice(0, 120))}`;
  try {
    const s = JSON.stringify(input);
    return s.length > 200 ? `${s.slice(0, 200)}…` : s;
  } catch {
    return String(input);
  }
}

// ---------------------------------------------------------------- arbitraries: mutations

/** Bytes that matter to the formats fuzzed here: JSON punctuation, quotes, digits, UTF-8 lead bytes, extremes. */
const INTERESTING_BYTES = [
  0x00, 0xff, 0x7f, 0x80, 0xc0, 0xe0, 0xf0, 0xf8, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x30, 0x39, 0x2d, 0x2e, 0x65, 0x0a, 0x0d, 0x20, 0x3b, 0x09,
];
/** Lengths a length field is tried with: zero, small, around the caps and past every safe integer. */
export const INTERESTING_LENGTHS = [0, 1, 7, 8, 9, 255, 256, 65535, 65536, 2 ** 24, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53];

type ByteOp =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; n: number }
  | { op: 'duplicate'; at: number; n: number; to: number }
  | { op: 'u64'; at: number; value: bigint }
  | { op: 'append'; bytes: Uint8Array };

const byteOp: fc.Arbitrary<ByteOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.nat(255)) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 256 }), to: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('u64' as const),
      at: fc.oneof(fc.constant(0), fc.nat()),
      value: fc.oneof(fc.constantFrom(...INTERESTING_LENGTHS.map(BigInt), 2n ** 64n - 1n, 2n ** 63n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }) },
);

export function applyByteOps(base: Uint8Array, ops: readonly ByteOp[]): Uint8Array {
  let b: Uint8Array = new Uint8Array(base);
  for (const o of ops) {
    const at = b.length ? (o.op === 'append' ? 0 : o.at % (b.length + 1)) : 0;
    switch (o.op) {
      case 'flip':
        if (b.length) b[at % b.length] ^= 1 << o.bit;
        break;
      case 'set':
        if (b.length) b[at % b.length] = o.byte;
        break;
      case 'truncate':
        b = b.slice(0, at);
        break;
      case 'insert':
        b = concat(b.subarray(0, at), o.bytes, b.subarray(at));
        break;
      case 'delete':
        b = concat(b.subarray(0, at), b.subarray(at + o.n));
        break;
      case 'duplicate': {
        const piece = b.slice(at, at + o.n);
        const to = b.length ? o.to % (b.length + 1) : 0;
        b = concat(b.subarray(0, to), piece, b.subarray(to));
        break;
      }
      case 'u64':
        if (b.length >= 8) new DataView(b.buffer, b.byteOffset).setBigUint64(Math.min(at, b.length - 8) & ~0, o.value, true);
        break;
      case 'append':
        b = concat(b, o.bytes);
        break;
    }
  }
  return b;
}

/** Valid inputs from `valid`, then 0–4 byte-level mutations (about a fifth stay valid). */
export function mutatedBytes(valid: fc.Arbitrary<Uint8Array>, maxOps = 4): fc.Arbitrary<Uint8Array> {
  return fc.tuple(valid, fc.array(byteOp, { maxLength: maxOps })).map(([b, ops]) => applyByteOps(b, ops));
}

/** Pieces of text that break parsers: hostile markup, unusual Unicode, escapes, delimiters, prototype keys. */
export const INTERESTING_TEXT = [
  '\u0000',
  '\uFEFF',
  '\uFFFD',
  '\u202E',
  '\u2028',
  '\uD800',
  '\uDC00',
  '😀',
  'é',
  '\r\n',
  '\r',
  '\n',
  '\t',
  '\\',
  '"',
  "'",
  '`',
  '```',
  '~~~',
  '$',
  '$$',
  '{',
  '}',
  '[',
  ']',
  '(',
  ')',
  '<',
  '>',
  '&',
  '#',
  '*',
  '_',
  '|',
  ':',
  ';',
  ',',
  '%',
  '%00',
  '%2e%2e%2f',
  '../',
  '..\\',
  '//',
  '__proto__',
  'constructor',
  'prototype',
  '__proto__: x',
  'constructor: x',
  '"__proto__": {"polluted": 1}',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:x',
  'file:///etc/passwd',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<iframe src="https://evil.example">',
  '<style>*{}</style>',
  '1e308',
  '-1e309',
  'NaN',
  'Infinity',
  '-0',
  '0x10',
  '9007199254740993',
  '1,5',
  '1.5e-3',
];

type TextOp =
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; n: number }
  | { op: 'truncate'; at: number }
  | { op: 'duplicate'; at: number; n: number; to: number }
  | { op: 'replace'; at: number; text: string };

const textPiece = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...INTERESTING_TEXT) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8, unit: 'binary' }) },
);
const textOp: fc.Arbitrary<TextOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: textPiece }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 32 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 200 }), to: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), text: textPiece }) },
);

export function applyTextOps(base: string, ops: readonly TextOp[]): string {
  let s = base;
  for (const o of ops) {
    const at = o.at % (s.length + 1);
    switch (o.op) {
      case 'insert':
        s = s.slice(0, at) + o.text + s.slice(at);
        break;
      case 'delete':
        s = s.slice(0, at) + s.slice(at + o.n);
        break;
      case 'truncate':
        s = s.slice(0, at);
        break;
      case 'duplicate': {
        const to = o.to % (s.length + 1);
        s = s.slice(0, to) + s.slice(at, at + o.n) + s.slice(to);
        break;
      }
      case 'replace':
        s = s.slice(0, at) + o.text + s.slice(at + o.text.length);
        break;
    }
  }
  return s;
}

/** Valid texts from `valid`, then 0–`maxOps` character-level mutations with interesting pieces. */
export function mutatedText(valid: fc.Arbitrary<string>, maxOps = 4): fc.Arbitrary<string> {
  return fc.tuple(valid, fc.array(textOp, { maxLength: maxOps })).map(([s, ops]) => applyTextOps(s, ops));
}

/** JSON values that stress a config reader: wrong types, extremes, deep nesting, prototype keys. */
export const interestingJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    false,
    0,
    -0,
    -1,
    0.5,
    1e308,
    -1e308,
    2 ** 53 + 2,
    2 ** 31,
    2 ** 32,
    4097,
    65537,
    1e9,
    '',
    'x',
    '1',
    'adam',
    'lstm',
    'tokens',
    [],
    {},
    [[]],
    [[[]]],
    { kind: 'tokens', vocab: 65536 },
    { kind: 'real', features: 65536 },
  ),
  fc
    .constantFrom(
      '{"__proto__": {"polluted": "yes", "kind": "sgd", "hidden": 8}}',
      '{"constructor": {"prototype": {"polluted": "yes"}}}',
      '{"prototype": {"polluted": "yes"}}',
      '{"__proto__": null}',
    )
    .map((t) => JSON.parse(t) as unknown),
  fc.integer({ min: 1, max: 3000 }).map((d) => JSON.parse('['.repeat(d) + ']'.repeat(d)) as unknown),
  fc.integer({ min: 1, max: 3000 }).map((d) => JSON.parse('{"a":'.repeat(d) + '0' + '}'.repeat(d)) as unknown),
  fc.jsonValue({ maxDepth: 3 }),
);

type JsonOp = { op: 'replace' | 'delete' | 'addKey' | 'wrap'; path: number[]; value: unknown; key: string };

const jsonOp: fc.Arbitrary<JsonOp> = fc.record({
  op: fc.constantFrom('replace', 'replace', 'delete', 'addKey', 'wrap'),
  path: fc.array(fc.nat(), { maxLength: 6 }),
  value: interestingJson,
  key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'x', ''), fc.string({ maxLength: 6 })),
});

function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Applies ops to a deep copy of a JSON value; paths pick a child by index modulo the child count. */
export function applyJsonOps(value: unknown, ops: readonly JsonOp[]): unknown {
  let root = JSON.parse(JSON.stringify(value ?? null)) as unknown;
  for (const o of ops) {
    // Walk down to a parent; the last index picks the child to change.
    let parent: unknown = null;
    let key: string | number | null = null;
    let node = root;
    for (const i of o.path) {
      if (Array.isArray(node) && node.length) {
        parent = node;
        key = i % node.length;
        node = node[key];
      } else if (node && typeof node === 'object' && Object.keys(node).length) {
        const keys = Object.keys(node);
        parent = node;
        key = keys[i % keys.length];
        node = (node as Record<string, unknown>)[key];
      } else break;
    }
    const replaceWith = (v: unknown) => {
      if (parent === null) root = v;
      else if (Array.isArray(parent)) parent[key as number] = v;
      else setOwn(parent as Record<string, unknown>, key as string, v);
    };
    if (o.op === 'replace') replaceWith(o.value);
    else if (o.op === 'wrap') replaceWith([node]);
    else if (o.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else if (parent) delete (parent as Record<string, unknown>)[key as string];
    } else if (node && typeof node === 'object' && !Array.isArray(node)) setOwn(node as Record<string, unknown>, o.key, o.value);
  }
  return root;
}

/**
 * JSON text from valid values: value-level mutations (0–3), serialized, sometimes with a duplicated
 * key or a byte-level mutation of the text.
 */
export function mutatedJson(valid: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc
    .tuple(valid, fc.array(jsonOp, { maxLength: 3 }), fc.array(textOp, { maxLength: 2 }), fc.boolean(), fc.nat())
    .map(([v, ops, textOps, duplicate, which]) => {
      let text = JSON.stringify(applyJsonOps(v, ops)) ?? 'null';
      if (duplicate) {
        // The first key repeated with another value: JSON.parse keeps the last.
        const m = /\{"((?:[^"\\]|\\.)*)":/.exec(text);
        if (m) text = text.replace(m[0], `${m[0]}${which % 2 ? '"dup"' : which},"${m[1]}":`);
      }
      return textOps.length && which % 3 === 0 ? applyTextOps(text, textOps) : text;
    });
}

/**
 * A small input repeated to about `size` (bytes or chars): a parser that is fine on small inputs but
 * superlinear on some pattern shows it only near the caps. Run with few cases (`fuzzParams(0.01)`).
 */
export function scaled(piece: fc.Arbitrary<string>, size: number): fc.Arbitrary<string> {
  return fc.tuple(fc.string({ maxLength: 40 }), piece, fc.string({ maxLength: 40 })).map(([head, p, tail]) => {
    const unit = p.length ? p : ',';
    return head + unit.repeat(Math.max(1, Math.floor((size - head.length - tail.length) / unit.length))) + tail;
  });
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Bracketed trees for the tree parser's suite (see the TODO above): valid S-expressions and
 * PTB-style labelled trees, mutated; nesting far past any depth limit; brackets with many items;
 * labels past every integer range; tokens named like prototype keys.
 */
export const bracketTexts: fc.Arbitrary<string> = (() => {
  const token = fc.oneof(
    fc.stringMatching(/^[a-z0-9+*.!-]{1,4}$/),
    fc.constantFrom('__proto__', 'constructor', 'prototype', '_', '-1', '65536', '99999999999999999999', '1e3', 'NaN'),
  );
  const tree: fc.Arbitrary<string> = fc.letrec<{ t: string }>((tie) => ({
    t: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      token,
      fc
        .tuple(fc.option(fc.nat(70000), { nil: undefined }), fc.array(tie('t'), { minLength: 1, maxLength: 4 }))
        .map(([label, kids]) => `(${label === undefined ? '' : `${label} `}${kids.join(' ')})`),
    ),
  })).t;
  const deep = fc.tuple(fc.integer({ min: 200, max: 5000 }), token).map(([d, t]) => '('.repeat(d) + t + ')'.repeat(d));
  const wide = fc.tuple(fc.integer({ min: 3, max: 5000 }), token).map(([n, t]) => `(${Array(n).fill(t).join(' ')})`);
  return fc.oneof(
    {
      weight: 6,
      arbitrary: mutatedText(
        fc.array(tree, { minLength: 1, maxLength: 3 }).map((ts) => ts.join('\n')),
        3,
      ),
    },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: wide },
  );
})();
