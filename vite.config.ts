import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
// @ts-expect-error plain JS build script without types
import { prepareData } from './scripts/prepare-data.js';
// @ts-expect-error plain JS build script without types
import { contentSecurityPolicy } from './scripts/csp.js';

export default defineConfig({
  // Relative asset URLs: the build works from any sub-path of a static host.
  base: './',
  plugins: [react(), contentSecurityPolicy(), { name: 'rnnlab-data', buildStart: () => prepareData(), configureServer: () => prepareData() }],
  build: {
    target: 'es2022',
    rollupOptions: { input: { main: 'index.html', notebook: 'notebook.html', bench: 'bench.html' } },
  },
  worker: { format: 'es' },
  preview: { port: 4173, strictPort: false },
});
