// Builds the counter core process of bench/counter-scale.ts
// (bench/counter-scale-core.ts: openCounter + the browser host) into one ES
// module, out/bench-counter-core/core.mjs, bundled as the Electron shell's main
// bundle is (main/electron/vite.config.ts: the same packages stay external in
// node_modules). So the bench measures the core as the shell runs it — no
// TypeScript stripper, no hundreds of module files — beside the sources.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { isMainExternal } from '../main/electron/vite.config.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  logLevel: 'warn',
  publicDir: false,
  ssr: { noExternal: true, resolve: { conditions: ['node', 'import', 'default'] } },
  build: {
    ssr: fileURLToPath(new URL('counter-scale-core.ts', import.meta.url)),
    outDir: 'out/bench-counter-core',
    emptyOutDir: true,
    minify: false,
    sourcemap: false,
    copyPublicDir: false,
    reportCompressedSize: false,
    target: 'node22',
    rollupOptions: {
      external: isMainExternal,
      output: { format: 'es', entryFileNames: 'core.mjs', chunkFileNames: '[name].mjs' },
    },
  },
});
