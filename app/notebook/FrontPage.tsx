// The notebooks front page: the gallery, the notebooks saved in this browser (delete asks first),
// and ways to open one's own: a .md file (or drop it anywhere on the page) or a new notebook.

import { useEffect, useRef, useState } from 'react';
import { deleteNotebook, listNotebooks, type SavedNotebook } from './notebookStore.ts';
import { loadGalleryIndex, type GalleryEntry } from './source.ts';

export function FrontPage({ onFile, onNew }: { onFile(file: File): void; onNew(): void }) {
  const [gallery, setGallery] = useState<GalleryEntry[] | { error: string } | null>(null);
  const [saved, setSaved] = useState<SavedNotebook[] | { error: string } | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const refresh = () =>
    listNotebooks()
      .then(setSaved)
      .catch((e: Error) => setSaved({ error: e.message }));
  useEffect(() => {
    loadGalleryIndex(document.baseURI)
      .then(setGallery)
      .catch((e: Error) => setGallery({ error: e.message }));
    void refresh();
  }, []);

  return (
    <main className="nb-front">
      <section aria-labelledby="gallery-title">
        <h2 id="gallery-title">Gallery</h2>
        {gallery && 'error' in gallery ? (
          <p className="nb-banner error">{gallery.error}</p>
        ) : (
          <ul className="nb-cards" data-testid="nb-gallery">
            {gallery?.map((g) => (
              <li key={g.id}>
                <a href={`?g=${g.id}`}>
                  <strong>{g.title}</strong>
                  <span>{g.summary}</span>
                </a>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="saved-title">
        <h2 id="saved-title">Saved in this browser</h2>
        {saved && 'error' in saved ? (
          <p className="nb-banner error">{saved.error}</p>
        ) : saved && saved.length ? (
          <ul className="nb-saved-list" data-testid="nb-saved-list">
            {saved.map((n) => (
              <li key={n.id}>
                <a href={`?saved=${encodeURIComponent(n.id)}`}>{n.title}</a>
                <span className="muted"> · {new Date(n.updatedAt).toLocaleString()}</span>
                {confirming === n.id ? (
                  <span className="nb-confirm" role="alert">
                    Delete “{n.title}”? It cannot be undone.{' '}
                    <button
                      type="button"
                      className="small danger"
                      onClick={() =>
                        void deleteNotebook(n.id)
                          .then(refresh)
                          .then(() => setConfirming(null))
                      }
                    >
                      Delete
                    </button>
                    <button type="button" className="small" onClick={() => setConfirming(null)}>
                      Keep
                    </button>
                  </span>
                ) : (
                  <button type="button" className="small" onClick={() => setConfirming(n.id)} aria-label={`Delete ${n.title}`}>
                    Delete
                  </button>
                )}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">Notebooks you open from a link or a file, or edit, are kept here.</p>
        )}
      </section>
      <section aria-labelledby="own-title">
        <h2 id="own-title">Your own</h2>
        <p>
          <button type="button" onClick={() => input.current?.click()}>
            Open a .md file…
          </button>{' '}
          <button type="button" onClick={onNew}>
            New notebook
          </button>{' '}
          <span className="muted">or drop a .md file anywhere on this page.</span>
        </p>
        <input
          ref={input}
          type="file"
          accept=".md,.markdown,text/markdown,text/plain"
          className="visually-hidden"
          data-testid="nb-open-file"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) onFile(f);
          }}
        />
      </section>
    </main>
  );
}
