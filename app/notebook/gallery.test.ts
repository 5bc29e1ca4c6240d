// The gallery's notebooks (public/gallery/) are part of the product: each must parse, every cell
// must be valid, and the index must list exactly the files that exist.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderNotebook } from './renderMarkdown.ts';

const dir = new URL('../../public/gallery/', import.meta.url);
const index = JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')) as { id: string; title: string }[];

describe('the gallery', () => {
  it('lists every notebook file once', () => {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.md'))
      .map((f) => f.replace(/\.md$/, ''))
      .sort();
    expect(index.map((n) => n.id).sort()).toEqual(files);
  });

  for (const { id, title } of index) {
    const nb = () => renderNotebook(readFileSync(new URL(`${id}.md`, dir), 'utf8'));

    it(`${id}: has the indexed title`, () => {
      expect(nb().title).toBe(title);
    });

    it(`${id}: every cell is valid`, () => {
      const { cells } = nb();
      expect(cells.length).toBeGreaterThan(0);
      for (const c of cells) expect(c.parse.ok ? [] : c.parse.problems, `cell ${c.index + 1} of ${id}`).toEqual([]);
    });
  }
});
