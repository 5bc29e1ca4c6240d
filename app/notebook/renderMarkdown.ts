// A notebook's Markdown → HTML pieces and trainer cells. markdown-it with raw HTML off (tags are
// shown as text, so no script, style or event attribute can get in), links only to http(s), mailto
// or within the page, images only from this site's own relative paths (a shared notebook must not
// make the page fetch a URL it names), and $…$ / $$…$$ math through KaTeX (which refuses \href and
// friends unless trusted; it is not). Top-level ```rnn fences become cells; everything between two
// cells is one HTML piece.

import MarkdownIt from 'markdown-it';
import katexPlugin from '@vscode/markdown-it-katex';

type Md = InstanceType<typeof MarkdownIt>;
type Token = ReturnType<Md['parse']>[number];
import { parseCell, type CellParse } from './cellConfig.ts';

export type NotebookPiece = { kind: 'html'; html: string } | { kind: 'cell'; index: number; source: string; parse: CellParse };

export interface RenderedNotebook {
  /** The first level-1 heading's text, or null. */
  title: string | null;
  pieces: NotebookPiece[];
  /** Cells in order (the same objects as in pieces). */
  cells: Extract<NotebookPiece, { kind: 'cell' }>[];
}

/** Notebooks larger than this are refused before parsing (about 100 printed pages). */
export const MAX_MARKDOWN_CHARS = 512 * 1024;
export const MAX_CELLS = 24;

/** A notebook over MAX_MARKDOWN_CHARS: refused before parsing. The only error renderNotebook throws. */
export class NotebookTooLargeError extends Error {
  override name = 'NotebookTooLargeError';
}

const SAFE_LINK = /^(https?:|mailto:)/i;

function isRelativeSafe(url: string): boolean {
  // No scheme, no host (//host), no absolute path (/api/…: a path of the site outside the page's
  // folder), no way up and out of the page's folder; a backslash counts as a slash, as browsers read it.
  const decoded = decodeSafely(url);
  return !/^[a-z][a-z0-9+.-]*:/i.test(url) && !/^[\\/]/.test(url) && !/^[\\/]/.test(decoded) && !/(^|[\\/])\.\.([\\/]|$)/.test(decoded);
}

function decodeSafely(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return url;
  }
}

function createRenderer(): Md {
  const md = new MarkdownIt({ html: false, linkify: false, typographer: true });
  const plugin = ((katexPlugin as unknown as { default?: typeof katexPlugin }).default ?? katexPlugin) as typeof katexPlugin;
  md.use(plugin, { throwOnError: false, enableBareBlocks: false, enableMathBlockInHtml: false, enableMathInlineInHtml: false });
  md.validateLink = (url) => {
    const u = url.trim();
    return u.startsWith('#') || SAFE_LINK.test(u) || isRelativeSafe(u);
  };
  // Links leave the page in a new tab, without handing it a reference back.
  const linkOpen = md.renderer.rules.link_open ?? ((tokens, i, options, _env, self) => self.renderToken(tokens, i, options));
  md.renderer.rules.link_open = (tokens, i, options, env, self) => {
    const href = String(tokens[i].attrGet('href') ?? '');
    if (!href.startsWith('#')) {
      tokens[i].attrSet('target', '_blank');
      tokens[i].attrSet('rel', 'noopener noreferrer nofollow');
    }
    return linkOpen(tokens, i, options, env, self);
  };
  // An image from elsewhere becomes a plain link: nothing is fetched unless the reader clicks.
  const image = md.renderer.rules.image!;
  md.renderer.rules.image = (tokens, i, options, env, self) => {
    const src = String(tokens[i].attrGet('src') ?? '');
    if (isRelativeSafe(src) && !src.startsWith('#')) {
      tokens[i].attrSet('loading', 'lazy');
      return image(tokens, i, options, env, self);
    }
    const alt = md.utils.escapeHtml(tokens[i].content || 'image');
    return SAFE_LINK.test(src)
      ? `<a href="${md.utils.escapeHtml(src)}" target="_blank" rel="noopener noreferrer nofollow" class="external-image">[image: ${alt}]</a>`
      : `<span class="external-image">[image: ${alt}]</span>`;
  };
  return md;
}

let renderer: Md | null = null;

export function renderNotebook(markdown: string): RenderedNotebook {
  if (markdown.length > MAX_MARKDOWN_CHARS)
    throw new NotebookTooLargeError(
      `This notebook is ${Math.round(markdown.length / 1024)} KB of text; notebooks of up to ${MAX_MARKDOWN_CHARS / 1024} KB are opened.`,
    );
  const md = (renderer ??= createRenderer());
  const env = {};
  const tokens = md.parse(markdown, env);
  const pieces: NotebookPiece[] = [];
  const cells: RenderedNotebook['cells'] = [];
  let run: Token[] = [];
  const flush = () => {
    if (run.length) pieces.push({ kind: 'html', html: md.renderer.render(run, md.options, env) });
    run = [];
  };
  for (const t of tokens) {
    if (t.type === 'fence' && t.level === 0 && t.info.trim().split(/\s+/)[0] === 'rnn') {
      flush();
      const index = cells.length;
      const cell = {
        kind: 'cell' as const,
        index,
        source: t.content,
        parse:
          index < MAX_CELLS
            ? parseCell(t.content, index + 1)
            : ({ ok: false, problems: [{ cell: index + 1, field: '', message: `a notebook holds at most ${MAX_CELLS} trainer cells.` }] } as CellParse),
      };
      cells.push(cell);
      pieces.push(cell);
    } else run.push(t);
  }
  flush();
  return { title: firstHeading(tokens), pieces, cells };
}

function firstHeading(tokens: Token[]): string | null {
  const at = tokens.findIndex((t) => t.type === 'heading_open' && t.tag === 'h1');
  const inline = at >= 0 ? tokens[at + 1] : null;
  return (
    inline?.children
      ?.filter((c) => c.type === 'text' || c.type === 'code_inline')
      .map((c) => c.content)
      .join('') || null
  );
}
