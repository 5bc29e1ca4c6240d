// The README and docs/ against the tree they describe: a rename that breaks a doc fails here. Every
// relative link (and its #anchor) resolves, every repository path written as `code` or named in a shell
// command exists (unless a build or a run makes it), and a code block that shows a region of a source
// file is that region, verbatim: <!-- include: path#name --> above the block, and in the source the
// lines between ones that end `docs:begin name` and `docs:end name`.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README_MAX_LINES = 200;

type Token = ReturnType<InstanceType<typeof MarkdownIt>['parse']>[number];

function docFiles(): string[] {
  const docs = join(ROOT, 'docs');
  return [
    'README.md',
    ...readdirSync(docs, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.md'))
      .map((f) => join('docs', f)),
  ];
}

const markdown = new MarkdownIt({ html: true });
const parse = (file: string) => markdown.parse(readFileSync(join(ROOT, file), 'utf8'), {});

/** Inline tokens (link targets, images, code spans) anywhere in the document, fences excluded. */
function inlineTokens(tokens: Token[]): Token[] {
  return tokens.flatMap((t) => (t.type === 'inline' ? (t.children ?? []) : []));
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(tokens: Token[]): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  tokens.forEach((t, i) => {
    if (t.type !== 'heading_open') return;
    const text = (tokens[i + 1].children ?? []).map((c) => (c.type === 'text' || c.type === 'code_inline' ? c.content : '')).join('');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n ? `${slug}-${n}` : slug);
  });
  return out;
}

/** .gitignore's patterns as tests on a repository path: what a build or a run makes, absent from a clean clone. */
function ignoredPaths(): (path: string) => boolean {
  const patterns = readFileSync(join(ROOT, '.gitignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const tests = patterns.map((p) => {
    const dir = p.endsWith('/');
    const body = p.replace(/\/$/, '').replace(/^\//, '');
    const glob = body.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
    // A pattern with a slash is anchored at the root; one without matches a name at any depth.
    const re = body.includes('/') ? new RegExp(`^${glob}(/|$)`) : new RegExp(`(^|/)${glob}(/|$)`);
    return (path: string) => re.test(dir ? path.replace(/\/?$/, '/') : path);
  });
  return (path) => tests.some((t) => t(path));
}

const PATH = /^\.?[A-Za-z0-9_-]+(\/[A-Za-z0-9_.*-]+)*\/[A-Za-z0-9_.*-]*$/;
const isFolder = (name: string) => existsSync(join(ROOT, name)) && statSync(join(ROOT, name)).isDirectory();

/**
 * A code span that names a repository path: a relative path with a folder (`gpu/tree/parse.ts`,
 * `bench/results/`, `.ci/run`, `shaders/tree*.wgsl`) that starts in a folder of the repository, or
 * whose last part has an extension or is a folder (so a renamed top-level folder is caught too).
 * Words with a slash (`ms/step`, `tokens/s`) and user files (`cfg.json`) are not paths.
 */
function repoPath(code: string): string | null {
  if (!PATH.test(code)) return null;
  const last = code.slice(code.lastIndexOf('/') + 1);
  return isFolder(code.slice(0, code.indexOf('/'))) || last === '' || /\.[A-Za-z0-9]+$/.test(last) ? code : null;
}

/**
 * The repository paths a command or a longer code span names (`node scripts/tree-bench.js --check`):
 * its words that start in a folder of the repository (not `path/to/file.txt`, an example).
 */
function pathsInCode(code: string): string[] {
  return code
    .split(/\s+/)
    .map((w) => w.replace(/^["'([{]+|["'),\]}:;]+$/g, ''))
    .filter((w) => PATH.test(w) && isFolder(w.slice(0, w.indexOf('/'))));
}

/** True if `path` (relative to the root; `*` in its last part) names a file or folder that exists. */
function exists(path: string): boolean {
  if (!path.includes('*')) return existsSync(join(ROOT, path));
  const dir = dirname(path);
  const re = new RegExp(
    `^${path
      .slice(dir.length + 1)
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')}$`,
  );
  return existsSync(join(ROOT, dir)) && readdirSync(join(ROOT, dir)).some((f) => re.test(f));
}

/** The lines strictly between a line ending `docs:begin <name>` and one ending `docs:end <name>`. */
function region(source: string, name: string): string | null {
  const lines = source.split('\n');
  const begin = lines.findIndex((l) => l.trimEnd().endsWith(`docs:begin ${name}`));
  const end = lines.findIndex((l) => l.trimEnd().endsWith(`docs:end ${name}`));
  return begin < 0 || end < begin ? null : lines.slice(begin + 1, end).join('\n') + '\n';
}

const ignored = ignoredPaths();
const files = docFiles();

describe('README.md', () => {
  it(`is a front door of at most ${README_MAX_LINES} lines`, () => {
    const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });
});

describe.each(files)('%s', (file) => {
  const tokens = parse(file);
  const inline = inlineTokens(tokens);

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const t of inline) {
      const target = t.type === 'link_open' ? t.attrGet('href') : t.type === 'image' ? t.attrGet('src') : null;
      if (typeof target !== 'string' || !target || /^[a-z][a-z0-9+.-]*:|^\/\//i.test(target)) continue; // http(s), mailto, …
      const [path, anchor] = target.split('#');
      const resolved = path ? relative(ROOT, join(ROOT, dirname(file), decodeURIComponent(path))) : file;
      if (resolved.startsWith('..')) broken.push(`${target}: outside the repository`);
      else if (ignored(resolved)) continue;
      else if (!existsSync(join(ROOT, resolved))) broken.push(`${target}: no such file`);
      else if (anchor !== undefined && resolved.endsWith('.md') && !anchors(parse(resolved)).has(anchor)) broken.push(`${target}: no heading #${anchor}`);
    }
    expect(broken).toEqual([]);
  });

  it('names only repository paths that exist', () => {
    const spans = inline.filter((t) => t.type === 'code_inline').map((t) => t.content);
    const commands = tokens.filter((t) => t.type === 'fence' && /^(sh|bash|shell)?$/.test(t.info.trim())).map((t) => t.content);
    const paths = [...spans.map(repoPath).filter((p): p is string => p !== null), ...[...spans, ...commands].flatMap(pathsInCode)];
    expect([...new Set(paths)].filter((p) => !ignored(p) && !exists(p))).toEqual([]);
  });

  it('shows source regions verbatim', () => {
    tokens.forEach((t, i) => {
      const m = t.type === 'html_block' ? /<!--\s*include:\s*(\S+?)#(\S+)\s*-->/.exec(t.content) : null;
      if (!m) return;
      const [, path, name] = m;
      const fence = tokens[i + 1];
      expect(fence?.type, `a code block right after the include of ${path}#${name}`).toBe('fence');
      expect(existsSync(join(ROOT, path)) && statSync(join(ROOT, path)).isFile(), `${path} exists`).toBe(true);
      const source = region(readFileSync(join(ROOT, path), 'utf8'), name);
      expect(source, `${path} has the region ${name} (docs:begin ${name} … docs:end ${name})`).not.toBeNull();
      expect(fence.content, `the code block after <!-- include: ${path}#${name} --> in ${file}`).toBe(source);
    });
  });
});

describe('the checks themselves', () => {
  it('take paths with a folder and an extension or a trailing slash, and nothing else', () => {
    const paths = ['gpu/tree/parse.ts', 'bench/results/', '.ci/run', 'shaders/tree*.wgsl', 'e2e/', 'gpu/tree', 'wgsl/gemm.wgsl'];
    expect(paths.map(repoPath)).toEqual(paths);
    expect(['ms/step', 'tokens/s', 'cfg.json', 'http://x/y.md', '/usr/lib/x.json', 'a b/c.ts', '1/6'].map(repoPath)).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });

  it('find the paths a command names, not example paths', () => {
    expect(pathsInCode('node scripts/tree-bench.js [--steps N] --config "examples/x.json"')).toEqual(['scripts/tree-bench.js', 'examples/x.json']);
    expect(pathsInCode('{"text": "path/to/file.txt"} npm run cli -- train --config cfg.json')).toEqual([]);
  });

  it('make GitHub anchors', () => {
    const tokens = markdown.parse('# The CLI\n## `train --tree`: trees\n## Faults and bad input\n## Faults and bad input\n', {});
    expect([...anchors(tokens)]).toEqual(['the-cli', 'train---tree-trees', 'faults-and-bad-input', 'faults-and-bad-input-1']);
  });

  it('find a marked region', () => {
    expect(region('a\n# docs:begin m\nx\ny\n# docs:end m\nb', 'm')).toBe('x\ny\n');
    expect(region('a\n# docs:begin m\nx', 'm')).toBeNull();
  });

  it('know what the build and the bench make', () => {
    expect(['dist/', 'public/data/moby-dick.txt', 'bench/results/latest.json', 'node_modules/vite/'].every(ignored)).toBe(true);
    expect(['bench/results/', 'public/gallery/', 'gpu/tree/parse.ts'].some(ignored)).toBe(false);
  });
});
