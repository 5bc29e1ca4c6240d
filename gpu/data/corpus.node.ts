// The bundled corpus for Node (the page gets the same text from public/data, written at build time).
// @ts-expect-error plain JS module shared with the build script
import { mobyDick as read } from './corpus.js';

export const mobyDick = (chapters = 10): string => read(chapters) as string;
