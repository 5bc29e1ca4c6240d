// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { renderNotebook } from './renderMarkdown.ts';

const html = (md: string) =>
  renderNotebook(md)
    .pieces.filter((p) => p.kind === 'html')
    .map((p) => (p as { html: string }).html)
    .join('');

describe('notebook Markdown', () => {
  const md =
    '# Long *memory*\n\nText before.\n\n```rnn\ndataset: adding\n```\n\nBetween.\n\n```rnn\ndataset: copy\n```\n\n- a list\n\n  ```rnn\n  dataset: sine\n  ```\n';

  it('splits the text around the top-level rnn cells', () => {
    const nb = renderNotebook(md);
    expect(nb.pieces.map((p) => p.kind)).toEqual(['html', 'cell', 'html', 'cell', 'html']);
    expect(nb.cells.map((c) => c.parse.ok && c.parse.spec.settings?.dataset)).toEqual(['adding', 'copy']);
  });

  it('shows an rnn fence nested in a list as code, not as a cell', () => {
    expect(html('- a\n\n  ```rnn\n  dataset: sine\n  ```\n')).toContain('<code class="language-rnn">');
  });

  it('takes the first heading’s text as the title', () => {
    expect(renderNotebook(md).title).toBe('Long memory');
  });

  it('renders math with KaTeX', () => {
    const out = html('The norm $\\|\\partial y_t / \\partial x_s\\|$ and $$h_t = \\tanh(W h_{t-1})$$');
    expect(out).toContain('class="katex"');
    expect(out).not.toContain('$');
  });

  it('keeps hostile Markdown inert', () => {
    const hostile = [
      '<script>alert(1)</script>',
      '<img src=x onerror="alert(2)">',
      '[a](javascript:alert(3)) [b](JaVaScRiPt:alert(4)) [c](data:text/html;base64,PHNjcmlwdD4=) [d](vbscript:x) [e](file:///etc/passwd)',
      '![p](https://evil.example/track.png) ![q](//evil.example/x.png) ![r](../../secret.png) ![s](data:image/png;base64,AAAA)',
      '<a href="https://x" onclick="alert(5)">x</a>',
      '$\\href{javascript:alert(6)}{click}$ $\\url{javascript:alert(7)}$',
      '<iframe src="https://evil.example"></iframe>',
      '[f](<javascript:alert(8)>) [g](java&#x73;cript:alert(9))',
    ].join('\n\n');
    const out = html(hostile);
    const doc = new DOMParser().parseFromString(out, 'text/html');
    expect(doc.querySelectorAll('script, iframe, object, embed, style').length).toBe(0);
    for (const el of Array.from(doc.querySelectorAll('*'))) {
      for (const attr of Array.from(el.attributes)) {
        expect(attr.name.startsWith('on'), `${el.tagName} ${attr.name}`).toBe(false);
        if (attr.name === 'href' || attr.name === 'src') expect(attr.value, `${el.tagName} ${attr.name}`).toMatch(/^(https?:\/\/|mailto:|#|[\w./-]+$)/i);
      }
    }
    // No image fetches anything from elsewhere (or from up the tree).
    for (const img of Array.from(doc.querySelectorAll('img'))) expect(img.getAttribute('src')).toMatch(/^[\w][\w./-]*$/);
    expect(doc.querySelectorAll('img').length).toBe(0);
    expect(out).toContain('[image: p]');
    // The raw HTML is shown as text.
    expect(doc.body.textContent).toContain('<script>alert(1)</script>');
  });

  it('opens external links in a new tab without an opener', () => {
    const out = html('[docs](https://pytorch.org) [here](#cell-2)');
    expect(out).toContain('href="https://pytorch.org" target="_blank" rel="noopener noreferrer nofollow"');
    expect(out).toContain('<a href="#cell-2">');
  });

  it('refuses an oversized notebook', () => {
    expect(() => renderNotebook('x'.repeat(600 * 1024))).toThrow(/KB of text/);
  });

  it('reports the cells beyond the limit of 24 as problems', () => {
    const many = renderNotebook(Array.from({ length: 26 }, () => '```rnn\ndataset: copy\n```').join('\n\n'));
    expect(many.cells[24].parse.ok).toBe(false);
    expect(many.cells[23].parse.ok).toBe(true);
  });
});
