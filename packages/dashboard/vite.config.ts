import { defineConfig } from 'vite';

// Relative asset URLs so the node can serve dist/ at any path prefix; no CDN, everything bundled.
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
