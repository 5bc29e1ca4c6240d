// The CLI's files: reading them with errors that name the file, and writing them atomically.

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { CliError } from './errors.ts';
import { ConfigError } from '../../gpu/core/validate.ts';
import { SafetensorsError } from '../../gpu/io/safetensors.ts';

export function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new CliError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export function readText(path: string): string {
  return new TextDecoder().decode(readBytes(path));
}

export function readJson(path: string): unknown {
  const text = readText(path);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
}

/** Runs `parse`, turning config and file errors into one-line CLI errors that name the file. */
export function inFile<T>(path: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(`${path}: ${e.message}`);
    if (e instanceof SafetensorsError) throw new CliError(`${path}: ${e.message}${e.offset !== undefined ? ` (byte offset ${e.offset})` : ''}`);
    throw e;
  }
}

/** Writes atomically: a half-written file never replaces a good one. */
export function writeOutput(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    // Durable: the new file's bytes reach the disk before it replaces the old one, and the rename
    // before we go on, so a crash leaves the previous file or the new one, whole.
    const fd = openSync(tmp, 'w');
    try {
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    syncDir(dirname(path));
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new CliError(`${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** fsync of a directory (its rename); some filesystems refuse it, which is no reason to fail. */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // EISDIR/EPERM/EINVAL on some platforms: the file itself was synced.
  }
}
