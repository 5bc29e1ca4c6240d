// The repository's layout as docs/architecture.md states it: imports point down only, through the
// layers below (a module may import its own layer or a lower one, never a higher one, and one model
// family never imports another), and no two folders' names differ only by a plural. Tests and the
// test helpers in gpu/testing may reach across (a test of the optimizer trains a recurrent model).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Layers from the bottom; folders of one layer may import each other, except the families. */
const LAYERS: string[][] = [
  ['gpu/core', 'shaders'],
  ['gpu/kernels', 'gpu/data', 'gpu/io', 'gpu/optimizer'],
  ['gpu/training'],
  ['gpu/recurrent', 'gpu/tree'],
  // Encoder-decoder models are built of recurrent stacks: a family one layer above them.
  ['gpu/seq2seq'],
  ['gpu/session'],
  ['app'],
  ['bin', 'bench', 'scripts', 'e2e'],
];
const FAMILIES = new Set(['gpu/recurrent', 'gpu/tree']);

const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n');
const files = tracked.filter((f) => /\.(ts|tsx|js)$/.test(f));

/** The layer folder of a path (the longest listed prefix), or null for files outside the layers. */
function folderOf(path: string): string | null {
  const all = LAYERS.flat().sort((a, b) => b.length - a.length);
  return all.find((f) => path === f || path.startsWith(`${f}/`)) ?? null;
}
const rank = (folder: string) => LAYERS.findIndex((l) => l.includes(folder));
const isTest = (f: string) => /\.(test|spec|fuzz\.test)\.tsx?$/.test(f) || f.startsWith('gpu/testing/');

/** Relative imports of a module, resolved to repository paths (query strings such as ?raw dropped). */
function imports(file: string): string[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|new URL\(\s*)['"](\.{1,2}\/[^'"?]+)/g)].map((m) => m[1]);
  return specs.map((s) => normalize(join(dirname(file), s)).replace(/\\/g, '/'));
}

describe('the layout', () => {
  /** Each import of a module (tests and the test helpers aside) between two layer folders. */
  const layerImports = () =>
    files.flatMap((file) => {
      const from = folderOf(file);
      if (!from || isTest(file)) return [];
      return imports(file).flatMap((target) => {
        const to = folderOf(target);
        return to && !target.startsWith('gpu/testing/') ? [{ file, target, from, to }] : [];
      });
    });

  it('imports point down the layers (or stay in their own)', () => {
    const wrong = layerImports().filter(({ from, to }) => rank(to) > rank(from));
    expect(wrong.map(({ file, target }) => `${file} imports ${target}`)).toEqual([]);
  });

  it('no model family imports another', () => {
    const wrong = layerImports().filter(({ from, to }) => FAMILIES.has(from) && FAMILIES.has(to) && from !== to);
    expect(wrong.map(({ file, target }) => `${file} imports ${target}`)).toEqual([]);
  });

  it('only tests, the bench and the tools use the test helpers in gpu/testing', () => {
    const wrong = files.filter((f) => !isTest(f) && !/^(bench|scripts|bin)\//.test(f) && imports(f).some((t) => t.startsWith('gpu/testing/')));
    expect(wrong).toEqual([]);
  });

  it('no two folders have names that differ only by a plural', () => {
    const folders = new Set(tracked.flatMap((f) => f.split('/').slice(0, -1)));
    const twins = [...folders].filter((name) => folders.has(`${name}s`) || folders.has(`${name}es`));
    expect(twins).toEqual([]);
  });

  it('every layer folder exists (the list above is the layout, not a wish)', () => {
    for (const folder of LAYERS.flat())
      expect(
        tracked.some((f) => f.startsWith(`${folder}/`)),
        folder,
      ).toBe(true);
  });
});
