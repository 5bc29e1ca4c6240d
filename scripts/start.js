// `npm start`: builds the page if dist/ is missing or older than its sources, then serves dist/.
// A static preview, not the dev server: what runs is exactly what would be deployed.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const BUILT = join(root, 'dist', 'index.html');
/** Everything the build reads; a change to any of them makes dist/ stale. */
const SOURCES = ['app', 'gpu', 'shaders', 'bench', 'index.html', 'bench.html', 'vite.config.ts'];

/** Newest modification time under `path` (a file or a folder, searched recursively). */
function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stat.mtimeMs);
}

function isStale() {
  if (!existsSync(BUILT)) return true;
  const built = statSync(BUILT).mtimeMs;
  return SOURCES.some((source) => newestMtime(join(root, source)) > built);
}

if (isStale()) {
  console.log('Building rnnlab (dist/ is missing or older than its sources)…');
  try {
    await build({ root, logLevel: 'warn' });
  } catch (e) {
    // The message names the file and the cause; a stack trace from inside the bundler adds nothing.
    const message = e instanceof Error ? e.message : String(e);
    console.error(
      `\nrnnlab: the build failed.\n${message
        .split('\n')
        .filter((line) => !/^\s+at /.test(line))
        .join('\n')}`,
    );
    process.exit(1);
  }
}

const server = await preview({ root, logLevel: 'warn' });
const url = server.resolvedUrls?.local[0] ?? `http://localhost:${server.config.preview.port}/`;
console.log(`\n  rnnlab is running at ${url}\n  (open it in a browser with WebGPU; Ctrl+C stops the server)\n`);
