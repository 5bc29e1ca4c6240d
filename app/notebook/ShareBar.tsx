// The notebook's toolbar: edit/view, Copy link (the whole document in the fragment; over about 8 kB
// a .md download is offered instead), Download .md, and when it was last saved in this browser.

import { useState } from 'react';
import { encodeNotebookLink, LINK_COMFORT_CHARS } from './shareLink.ts';

export function ShareBar(props: { markdown: string; editing: boolean; onToggleEdit(): void; onDownload(): void; saved: number | null }) {
  const [link, setLink] = useState<{ url: string; copied: boolean } | { tooLong: number } | { error: string } | null>(null);
  const copy = async () => {
    let url: string;
    try {
      url = `${location.origin}${location.pathname}#${encodeNotebookLink(props.markdown)}`;
    } catch (e) {
      return setLink({ error: (e as Error).message });
    }
    if (url.length > LINK_COMFORT_CHARS) return setLink({ tooLong: url.length });
    let copied = true;
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      copied = false; // no clipboard permission: the link is shown to copy by hand
    }
    setLink({ url, copied });
  };
  return (
    <div className="nb-sharebar">
      <button type="button" onClick={props.onToggleEdit} data-testid="nb-edit">
        {props.editing ? 'Done editing' : 'Edit'}
      </button>
      <button type="button" onClick={() => void copy()} data-testid="nb-copy-link">
        Copy link
      </button>
      <button type="button" onClick={props.onDownload}>
        Download .md
      </button>
      {props.saved !== null && <span className="muted nb-saved">Saved in this browser at {new Date(props.saved).toLocaleTimeString()}</span>}
      {link && 'url' in link && (
        <p className="nb-link">
          {link.copied ? 'Link copied.' : 'Copy this link:'}{' '}
          <input readOnly value={link.url} data-testid="nb-link" onFocus={(e) => e.target.select()} aria-label="Share link" />
        </p>
      )}
      {link && 'tooLong' in link && (
        <p className="nb-link" data-testid="nb-link-too-long">
          This notebook makes a link of {link.tooLong.toLocaleString('en-US')} characters; links over about 8 kB break in many apps.{' '}
          <button type="button" className="small" onClick={props.onDownload}>
            Download .md instead
          </button>
        </p>
      )}
      {link && 'error' in link && <p className="nb-link error">{link.error}</p>}
    </div>
  );
}
