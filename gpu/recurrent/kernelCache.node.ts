// The tuner's cache in Node (the CLI, the bench): one JSON file of choices by key, at
// $RNNLAB_CACHE_DIR/step-kernels.json (default ~/.cache/rnnlab). A file that cannot be read or
// parsed is an empty cache; a write that fails leaves the choice unsaved, never the run stopped.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CachedChoice, KernelCache } from './tuner.ts';

export const defaultKernelCachePath = () => join(process.env.RNNLAB_CACHE_DIR ?? join(homedir(), '.cache', 'rnnlab'), 'step-kernels.json');

export function fileKernelCache(path = defaultKernelCachePath()): KernelCache {
  const read = async (): Promise<Record<string, CachedChoice>> => {
    try {
      const data = JSON.parse(await readFile(path, 'utf8'));
      return data && typeof data === 'object' && !Array.isArray(data) ? data : {};
    } catch {
      return {};
    }
  };
  return {
    get: async (key) => {
      const c = (await read())[key];
      return c && typeof c.kernels === 'string' && c.measured && typeof c.measured === 'object' ? c : undefined;
    },
    set: async (key, choice) => {
      const all = { ...(await read()), [key]: choice };
      await mkdir(dirname(path), { recursive: true });
      // Written aside and renamed: a reader never sees half a file.
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(all, null, 1));
      await rename(tmp, path);
    },
  };
}
