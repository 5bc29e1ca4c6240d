// The Content-Security-Policy of the built pages, as a <meta> tag Vite puts first in each page's
// <head> at build time (the dev server's React refresh needs an inline script, so `vite dev` has none).
//
// - script-src 'self': the bundles only; no inline script, no eval (zod runs jitless for this).
// - worker-src 'self': the training and CSV workers are files of the build.
// - style-src 'self' 'unsafe-inline': the stylesheets, and the style attributes KaTeX writes into a
//   notebook's maths (markdown-it emits no raw HTML, so no <style> element can come from a notebook).
// - img-src 'self' data:: a notebook's images from the site's own folder; data: for the empty favicon.
// - connect-src 'self': the corpora and gallery notebooks; nothing is fetched from elsewhere.
// - font-src 'self' data:: KaTeX's fonts (Vite inlines the smallest as data: URLs). object-src, base-uri, form-action: 'none'.
// WebAssembly is not used by the pages, so there is no 'wasm-unsafe-eval'.

/** @type {Record<string, string[]>} */
export const CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'worker-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
};

export const CSP = Object.entries(CSP_DIRECTIVES)
  .map(([k, v]) => `${k} ${v.join(' ')}`)
  .join('; ');

/** Vite plugin: the policy in every built page (index, notebook, bench). */
export function contentSecurityPolicy() {
  return {
    name: 'rnnlab-csp',
    apply: /** @type {const} */ ('build'),
    transformIndexHtml: {
      order: /** @type {const} */ ('pre'),
      handler: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP }, injectTo: /** @type {const} */ ('head-prepend') }],
    },
  };
}
