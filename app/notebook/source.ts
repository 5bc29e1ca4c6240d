// Where a notebook comes from: a share link (#nb1.…), the gallery (?g=<id>, only ids the gallery's
// index lists, so no link can make the page fetch a path it names), a saved notebook (?saved=<id>),
// or a dropped/opened .md file. Each failure is a NotebookSourceError with a message for the reader.

import { decodeNotebookLink, isNotebookLink, MAX_NOTEBOOK_BYTES, NotebookLinkError } from './shareLink.ts';
import { loadNotebook } from './notebookStore.ts';

export interface GalleryEntry {
  id: string;
  title: string;
  summary: string;
}

export type NotebookOrigin = { kind: 'gallery'; id: string } | { kind: 'link' } | { kind: 'saved'; id: string } | { kind: 'file'; name: string };

export interface NotebookSource {
  markdown: string;
  origin: NotebookOrigin;
}

export class NotebookSourceError extends Error {
  override name = 'NotebookSourceError';
}

const GALLERY_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

export async function loadGalleryIndex(base: string): Promise<GalleryEntry[]> {
  const r = await fetch(new URL('gallery/index.json', base));
  if (!r.ok) throw new NotebookSourceError(`The gallery could not be loaded (HTTP ${r.status}).`);
  const list = (await r.json()) as unknown;
  if (!Array.isArray(list)) throw new NotebookSourceError('The gallery index is damaged.');
  return list.filter((e): e is GalleryEntry => !!e && typeof e.id === 'string' && GALLERY_ID.test(e.id) && typeof e.title === 'string');
}

/** The notebook the page's address asks for, or null for the gallery's front page. */
export async function notebookFromLocation(loc: { hash: string; search: string }, base: string): Promise<NotebookSource | null> {
  if (loc.hash.length > 1 && isNotebookLink(loc.hash)) {
    try {
      return { markdown: decodeNotebookLink(loc.hash), origin: { kind: 'link' } };
    } catch (e) {
      throw new NotebookSourceError((e as NotebookLinkError).message);
    }
  }
  const params = new URLSearchParams(loc.search);
  const gallery = params.get('g');
  if (gallery !== null) {
    const index = await loadGalleryIndex(base);
    if (!index.some((e) => e.id === gallery)) throw new NotebookSourceError(`There is no gallery notebook called “${gallery.slice(0, 64)}”.`);
    const r = await fetch(new URL(`gallery/${gallery}.md`, base));
    if (!r.ok) throw new NotebookSourceError(`The gallery notebook “${gallery}” could not be loaded (HTTP ${r.status}).`);
    return { markdown: await r.text(), origin: { kind: 'gallery', id: gallery } };
  }
  const saved = params.get('saved');
  if (saved !== null) {
    const n = await loadNotebook(saved);
    if (!n) throw new NotebookSourceError('This saved notebook is not in this browser (it may have been deleted, or saved in another browser).');
    return { markdown: n.markdown, origin: { kind: 'saved', id: n.id } };
  }
  return null;
}

/** Reads a dropped or chosen file as a notebook: Markdown text, UTF-8, at most MAX_NOTEBOOK_BYTES. */
export async function notebookFromFile(file: File): Promise<NotebookSource> {
  if (!/\.(md|markdown|txt)$/i.test(file.name)) throw new NotebookSourceError(`“${file.name}” is not a Markdown file (.md).`);
  if (file.size > MAX_NOTEBOOK_BYTES)
    throw new NotebookSourceError(`“${file.name}” is ${Math.round(file.size / 1024)} KB; notebooks of up to ${MAX_NOTEBOOK_BYTES / 1024} KB are opened.`);
  if (file.size === 0) throw new NotebookSourceError(`“${file.name}” is empty.`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes.includes(0)) throw new NotebookSourceError(`“${file.name}” is a binary file, not Markdown.`);
  try {
    return { markdown: new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, ''), origin: { kind: 'file', name: file.name } };
  } catch {
    throw new NotebookSourceError(`“${file.name}” is not UTF-8 text.`);
  }
}
