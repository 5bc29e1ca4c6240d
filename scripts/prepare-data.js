// Writes the datasets the page loads into public/data/ (run by the Vite config before a build or dev server).
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mobyDick } from './corpus.js';

export function prepareData(root = fileURLToPath(new URL('..', import.meta.url))) {
  const dir = `${root}/public/data`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/moby-dick.txt`;
  if (!existsSync(file)) writeFileSync(file, mobyDick(10));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) prepareData();
