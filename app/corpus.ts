// The training text. Vite's config writes it into public/data before a build; the URL is
// relative because the app is built with base './' and may be served from any sub-path.

export const CORPUS_URL = 'data/moby-dick.txt';

export async function loadCorpus(): Promise<string> {
  const response = await fetch(CORPUS_URL);
  if (!response.ok) throw new Error(`Could not load the corpus ${CORPUS_URL}: HTTP ${response.status}.`);
  return response.text();
}
