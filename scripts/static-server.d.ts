// Types for static-server.js, which stays plain JS so Node scripts can import it without a loader.
export function serveStatic(options: {
  root: string;
  prefix?: string;
  onRequest?: (path: string) => void;
}): Promise<{ origin: string; close(): Promise<void> }>;
