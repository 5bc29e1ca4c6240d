// A minimal change notification: listeners are told that something changed, never what.
// Readers pull the current state when they are ready (see onFrame).

export class Signal {
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  notify(): void {
    for (const listener of this.listeners) listener();
  }
}

/**
 * Calls `draw` at most once per animation frame after `signal` fired (and once now), however many
 * windows arrived meanwhile: the cost of drawing depends on the frame rate, not on the step rate.
 */
export function onFrame(signals: Signal[], draw: () => void): () => void {
  let frame = 0;
  const request = () => {
    if (!frame)
      frame = requestAnimationFrame(() => {
        frame = 0;
        draw();
      });
  };
  const unsubscribes = signals.map((s) => s.subscribe(request));
  request();
  return () => {
    unsubscribes.forEach((u) => u());
    cancelAnimationFrame(frame);
  };
}
