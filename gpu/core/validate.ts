// Strict parsing of user-written configs (CLI configs, batch files, worker requests): each check
// names the field it refused, so a typo never trains the wrong model.

export class ConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(field ? `${field}: ${message}` : message);
    this.name = 'ConfigError';
  }
}

type Obj = Record<string, unknown>;

export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function field(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export function intIn(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ConfigError(path, `must be an integer, got ${JSON.stringify(v)}`);
  if (v < min || v > max) throw new ConfigError(path, `must be between ${min} and ${max}, got ${v}`);
  return v;
}

export function oneOf<T extends string>(v: unknown, path: string, options: readonly T[]): T {
  if (typeof v !== 'string' || !options.includes(v as T))
    throw new ConfigError(path, `must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

export function numberIn(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(path, `must be a finite number, got ${JSON.stringify(v)}`);
  if (v < min || v > max) throw new ConfigError(path, `must be between ${min} and ${max}, got ${v}`);
  return v;
}

/** Refuses keys the schema does not know, so a misspelt option is an error, not a silent default. */
export function noUnknownKeys(o: Obj, path: string, known: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) throw new ConfigError(field(path, k), `unknown field (expected one of ${known.join(', ')})`);
  }
}
