// Types for find-chromium.js, which stays plain JS so Node scripts can import it without a loader.
export function findChromium(): string;
export const CHROMIUM_ARGS: string[];
