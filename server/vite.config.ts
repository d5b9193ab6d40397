// Builds the hall server into one ES module, out/server/main.mjs, run with
// plain `node` (what `npm run server` does). Running the sources needs Node's
// TypeScript stripper (≈17 MB resident) and ~50 module files; the bundle does
// not, which keeps an idle hall server under 100 MB. better-sqlite3 (native)
// stays in node_modules; the pinyin dictionary becomes a chunk of its own,
// loaded only when a hall is first seeded.
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

export default defineConfig({
  root,
  logLevel: 'warn',
  ssr: { noExternal: true },
  build: {
    ssr: fileURLToPath(new URL('main.ts', import.meta.url)),
    outDir: 'out/server',
    emptyOutDir: true,
    minify: false,
    sourcemap: false,
    copyPublicDir: false,
    reportCompressedSize: false,
    target: 'node22',
    rollupOptions: {
      external: (id) => builtins.has(id) || id === 'better-sqlite3' || id === 'pg' || id === 'libpq',
      output: { format: 'es', entryFileNames: 'main.mjs', chunkFileNames: '[name].mjs' },
    },
  },
});
