// A file upload as a small button (the input itself is hidden, so the label is what shows) and a note
// beside it: what the loaded file holds, or what a file may be.

import type { ReactNode, Ref } from 'react';

export function UploadButton({
  id,
  label,
  accept,
  inputRef,
  disabled,
  onFile,
  note,
}: {
  /** The input's id and test id. */
  id: string;
  label: string;
  accept: string;
  inputRef: Ref<HTMLInputElement>;
  disabled?: boolean;
  onFile: (file: File) => void;
  note: ReactNode;
}) {
  return (
    <div className="upload">
      <label className="button small" htmlFor={id}>
        {label}
      </label>
      <input
        ref={inputRef}
        id={id}
        data-testid={id}
        className="visually-hidden"
        type="file"
        accept={accept}
        disabled={disabled}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = ''; // the same file may be chosen again after a fix
          if (file) onFile(file);
        }}
      />
      <span className="upload-note">{note}</span>
    </div>
  );
}
