// A plain static file server for the built page (dist/), on a free port of localhost: the build as a
// static host serves it, without Vite. Used by the gallery timings and by the e2e check that the
// build works from a sub-path. Plain JS, so Node scripts import it without a loader.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

/** @type {Record<string, string>} */
const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.md': 'text/markdown',
  '.txt': 'text/plain',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};

/**
 * Serves the files under `root` at the URL path `prefix` (a folder's URL serves its index.html);
 * anything outside the prefix is a 404, as on a shared host. `onRequest` sees every path asked for.
 * @param {{ root: string, prefix?: string, onRequest?: (path: string) => void }} options
 * @returns {Promise<{ origin: string, close(): Promise<void> }>}
 */
export async function serveStatic({ root, prefix = '/', onRequest }) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    onRequest?.(path);
    if (!path.startsWith(prefix)) return void res.writeHead(404).end();
    const rel = normalize(path.slice(prefix.length) || 'index.html').replace(/^(\.\.[/\\])+/, '');
    try {
      const body = await readFile(join(root, rel.endsWith('/') ? `${rel}index.html` : rel));
      res.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, 'localhost', () => resolve(undefined)));
  const address = server.address();
  return {
    origin: `http://localhost:${typeof address === 'object' && address ? address.port : 0}`,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}
