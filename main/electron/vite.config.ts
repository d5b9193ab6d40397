// Builds the Electron shell: two bundles from one config, as two Vite
// environments built in order by `builder.buildApp`:
//   main/electron/main.ts → out/main/electron.cjs     (CommonJS, Node 22; native
//                            and Node-only packages stay external)
//   preload/preload.ts    → out/preload/preload.cjs   (CommonJS, sandboxed:
//                            everything bundled except 'electron')
// `vite build --config main/electron/vite.config.ts` runs both.
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig, type BuildEnvironmentOptions } from 'vite';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Packages the main bundle loads from node_modules at run time. */
export const MAIN_EXTERNAL_PACKAGES = ['electron', 'better-sqlite3', 'serialport', 'ws'];

const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

export function isMainExternal(id: string): boolean {
  if (builtins.has(id) || id.startsWith('node:')) return true;
  if (id.startsWith('@serialport/')) return true;
  return MAIN_EXTERNAL_PACKAGES.some((name) => id === name || id.startsWith(`${name}/`));
}

/** The preload may load 'electron' and nothing else: a sandboxed renderer has no node_modules. */
export const isPreloadExternal = (id: string): boolean => id === 'electron';

const common: BuildEnvironmentOptions = {
  emptyOutDir: true,
  minify: false,
  sourcemap: false,
  copyPublicDir: false,
  reportCompressedSize: false,
};

export function mainBuild(outDir = 'out/main'): BuildEnvironmentOptions {
  return {
    ...common,
    outDir,
    target: 'node22',
    ssr: true,
    rolldownOptions: {
      input: { electron: 'main/electron/main.ts' },
      platform: 'node',
      external: isMainExternal,
      output: { format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs' },
    },
  };
}

export function preloadBuild(outDir = 'out/preload'): BuildEnvironmentOptions {
  return {
    ...common,
    outDir,
    // Electron 45's Chromium; async/await and friends stay native, so the
    // function sent to the page's world stays self-contained.
    target: 'es2023',
    rolldownOptions: {
      input: { preload: 'preload/preload.ts' },
      platform: 'browser',
      external: isPreloadExternal,
      output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
    },
  };
}

export default defineConfig({
  root,
  publicDir: false,
  environments: {
    electronMain: {
      consumer: 'server',
      keepProcessEnv: true,
      resolve: { noExternal: true, conditions: ['node', 'import', 'default'] },
      build: mainBuild(),
    },
    preload: {
      consumer: 'client',
      build: preloadBuild(),
    },
  },
  builder: {
    async buildApp(builder) {
      await builder.build(builder.environments.electronMain!);
      await builder.build(builder.environments.preload!);
    },
  },
});
