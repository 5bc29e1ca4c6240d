// Yields to the event loop through a MessageChannel: unlike nested setTimeout(0), which browsers
// clamp to 4 ms, a message task runs as soon as input, rendering and other tasks have had their turn.

const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();

export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });
}
