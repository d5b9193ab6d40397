// Builds the two renderer pages into out/renderer. Relative base: the pages
// are served from the app:// protocol in Electron and from the browser host.
import { defineConfig } from 'vite';

/** A file next to this config, as a file-system path (no Node types in the renderer's tsconfig). */
function here(relative: string): string {
  const path = decodeURIComponent(new URL(relative, import.meta.url).pathname);
  return /^\/[A-Za-z]:\//.test(path) ? path.slice(1) : path; // file:///C:/… on Windows
}

export default defineConfig({
  root: here('.'),
  base: './',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: here('../out/renderer'),
    emptyOutDir: true,
    target: 'chrome120',
    // Chromium supports modulepreload; no polyfill, nothing inline (CSP script-src 'self').
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      input: { clerk: here('clerk.html'), outward: here('outward.html') },
      // antd's "use client" directives mean nothing in a client-only bundle.
      onLog(level, log, handler) {
        if (log.code === 'MODULE_LEVEL_DIRECTIVE') return;
        handler(level, log);
      },
    },
  },
});
