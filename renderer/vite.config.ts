// Builds the two renderer pages into out/renderer. Relative base: the pages
// are served from the app:// protocol in Electron and from the browser host.
import { readdirSync, readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';

/** A file next to this config, as a file-system path (also on Windows). */
function here(relative: string): string {
  const path = decodeURIComponent(new URL(relative, import.meta.url).pathname);
  return /^\/[A-Za-z]:\//.test(path) ? path.slice(1) : path; // file:///C:/… on Windows
}

/** The announcement clips (resources/voice/*.wav) go to out/renderer/voice/, served beside the pages. */
function voiceClips(): Plugin {
  const dir = here('../resources/voice/');
  return {
    name: 'halldesk-voice-clips',
    generateBundle() {
      for (const file of readdirSync(dir).filter((name) => name.endsWith('.wav'))) {
        this.emitFile({ type: 'asset', fileName: `voice/${file}`, source: readFileSync(dir + file) });
      }
    },
  };
}

export default defineConfig({
  plugins: [voiceClips()],
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
