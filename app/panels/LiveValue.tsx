// A number that changes many times a second, written straight into the DOM (at most once per
// animation frame) instead of through React state.

import { useEffect, useRef } from 'react';
import { onFrame, type Signal } from '../metrics/signal.ts';

export function LiveValue({ signal, read, testId }: { signal: Signal; read: () => string; testId?: string }) {
  const el = useRef<HTMLSpanElement>(null);
  useEffect(
    () =>
      onFrame([signal], () => {
        const text = read();
        if (el.current && el.current.textContent !== text) el.current.textContent = text;
      }),
    [signal, read],
  );
  return (
    <span ref={el} data-testid={testId}>
      –
    </span>
  );
}
