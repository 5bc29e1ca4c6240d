// The notebooks page: the gallery and saved notebooks on the front page; a notebook opened from the
// gallery, a share link, a saved copy or a dropped .md file; its edit view; Copy link and Download.
// A bad link or file shows its error above the gallery and changes nothing that was saved.

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { WorkerHub } from '../worker/hub.ts';
import { Editor, NEW_NOTEBOOK } from './Editor.tsx';
import { FrontPage } from './FrontPage.tsx';
import { NotebookView, useCellLabs } from './NotebookView.tsx';
import { NotebookStorageError, listNotebooks, newNotebookId, saveNotebook } from './notebookStore.ts';
import { renderNotebook, type RenderedNotebook } from './renderMarkdown.ts';
import { ShareBar } from './ShareBar.tsx';
import { notebookFromFile, notebookFromLocation, NotebookSourceError, type NotebookOrigin, type NotebookSource } from './source.ts';
import { installNotebookTestApi } from './testApi.ts';

const SAVE_DELAY_MS = 800;

export function NotebookPage() {
  const [source, setSource] = useState<NotebookSource | null>(null);
  const [loading, setLoading] = useState(true);
  const [problem, setProblem] = useState<string | null>(null);
  const [markdown, setMarkdown] = useState('');
  const [editing, setEditing] = useState(false);
  const [savedId, setSavedId] = useState<string | null>(null);
  const [saveState, setSaveState] = useState<{ error: string | null; at: number | null }>({ error: null, at: null });
  const [hub, setHub] = useState<WorkerHub | null>(null);
  const dirty = useRef(false);

  const open = (s: NotebookSource, fromDrop: boolean) => {
    setSource(s);
    setMarkdown(s.markdown);
    setProblem(null);
    setEditing(false);
    setSavedId(s.origin.kind === 'saved' ? s.origin.id : null);
    // Links and files are kept in the browser as soon as they open; gallery notebooks once edited.
    dirty.current = s.origin.kind === 'link' || s.origin.kind === 'file';
    if (fromDrop) history.replaceState(null, '', location.pathname);
  };

  useEffect(() => {
    notebookFromLocation(location, document.baseURI)
      .then((s) => s && open(s, false))
      .catch((e) => setProblem(e instanceof NotebookSourceError ? e.message : `This notebook could not be opened: ${(e as Error).message}`))
      .finally(() => setLoading(false));
    // A new link pasted into the address bar changes only the fragment: open it.
    const onHash = () => location.reload();
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  const rendered = useMemo<RenderedNotebook | { error: string } | null>(() => {
    if (!source || editing) return null;
    try {
      return renderNotebook(markdown);
    } catch (e) {
      return { error: (e as Error).message };
    }
  }, [source, editing, markdown]);

  useEffect(() => {
    // The worker starts with the first notebook that renders (not in render: StrictMode renders twice).
    // eslint-disable-next-line react-hooks/set-state-in-effect
    if (rendered && !('error' in rendered) && !hub) setHub(new WorkerHub());
  }, [rendered, hub]);
  const labs = useCellLabs(rendered && !('error' in rendered) ? rendered : null, hub);
  useEffect(() =>
    installNotebookTestApi({ labs, title: rendered && !('error' in rendered) ? rendered.title : null, problem, markdown, savedId, saveError: saveState.error }),
  );

  const persist = useCallback(async () => {
    const title = safeTitle(markdown);
    try {
      let id = savedId;
      if (!id) id = (await listNotebooks()).find((n) => n.markdown === markdown)?.id ?? newNotebookId();
      const now = Date.now();
      await saveNotebook({ id, title, markdown, origin: originName(source!.origin), createdAt: now, updatedAt: now });
      dirty.current = false;
      setSavedId(id);
      setSaveState({ error: null, at: now });
      if (source!.origin.kind !== 'link') history.replaceState(null, '', `?saved=${encodeURIComponent(id)}`);
    } catch (e) {
      setSaveState({ error: e instanceof NotebookStorageError ? e.message : `The notebook was not saved: ${(e as Error).message}`, at: null });
    }
  }, [markdown, savedId, source]);

  // Autosave: a short pause after the last change, one notebook record per notebook.
  useEffect(() => {
    if (!source || !dirty.current) return;
    const t = setTimeout(() => void persist(), SAVE_DELAY_MS);
    return () => clearTimeout(t);
  }, [markdown, source, persist]);

  const onFile = async (file: File) => {
    try {
      open(await notebookFromFile(file), true);
    } catch (e) {
      setProblem(e instanceof NotebookSourceError ? e.message : String(e));
    }
  };

  useEffect(() => {
    const over = (e: DragEvent) => e.preventDefault();
    const drop = (e: DragEvent) => {
      e.preventDefault();
      const f = e.dataTransfer?.files[0];
      if (f) void onFile(f);
    };
    addEventListener('dragover', over);
    addEventListener('drop', drop);
    return () => {
      removeEventListener('dragover', over);
      removeEventListener('drop', drop);
    };
  });

  const edit = (text: string) => {
    dirty.current = true;
    setMarkdown(text);
  };

  return (
    <div className="nb-page">
      <header className="topbar">
        <h1>
          <a href="./notebook.html">rnnlab notebooks</a>
        </h1>
        <p className="tagline">Read, train, share: recurrent networks explained with live trainers.</p>
        <nav className="nb-nav">
          <a href="./">Trainer app</a>
        </nav>
      </header>
      {problem && (
        <div className="banner banner-error" role="alert" data-testid="nb-problem">
          <p>{problem}</p>
        </div>
      )}
      {saveState.error && (
        <div className="banner banner-warning" role="alert" data-testid="nb-save-error">
          <p>{saveState.error}</p>
          <button type="button" className="small" onClick={() => download(markdown)}>
            Download .md
          </button>
        </div>
      )}
      {loading ? (
        <p className="muted nb-loading">Opening…</p>
      ) : source ? (
        <main className="nb-main">
          <ShareBar
            markdown={markdown}
            editing={editing}
            onToggleEdit={() => setEditing((e) => !e)}
            onDownload={() => download(markdown)}
            saved={saveState.at}
          />
          {editing ? (
            <Editor markdown={markdown} onChange={edit} />
          ) : rendered && 'error' in rendered ? (
            <p className="nb-banner error">{rendered.error}</p>
          ) : rendered ? (
            <NotebookView notebook={rendered} labs={labs} />
          ) : null}
        </main>
      ) : (
        <FrontPage onFile={onFile} onNew={() => open({ markdown: NEW_NOTEBOOK, origin: { kind: 'file', name: 'new' } }, true)} />
      )}
    </div>
  );
}

function originName(o: NotebookOrigin): string {
  return o.kind === 'gallery' ? `gallery:${o.id}` : o.kind === 'saved' ? 'saved' : o.kind;
}

function safeTitle(markdown: string): string {
  const m = /^#\s+(.+)$/m.exec(markdown);
  return (
    (m ? m[1] : 'Untitled notebook')
      .replace(/[*_`$]/g, '')
      .trim()
      .slice(0, 120) || 'Untitled notebook'
  );
}

export function download(markdown: string): void {
  const blob = new Blob([markdown], { type: 'text/markdown' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `${
    safeTitle(markdown)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'notebook'
  }.md`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
