// Layering by runtime (see ../shared/DESIGN.md): imports only point downward.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'path', 'http', 'https', 'net', 'child_process', 'os', 'crypto'];
const electronOnlyInShell = {
  name: 'electron',
  message: "Only main/electron/ (and the preload bridge) may import 'electron'.",
};
// sim/ (device simulators, test tools) imports the product's codecs; the
// product never imports sim/ (the blocks at the end).
const simOffLimits = {
  group: ['**/sim/**', '**/sim'],
  message: 'Product code must not import from sim/ (simulators and test tools; see DESIGN.md).',
};
// A feature's handler map (main/<feature>/handlers.ts) is joined in one
// place, main/counter.ts; features do not call each other's handlers.
const handlersOnlyInCounter = {
  group: ['**/handlers.ts'],
  message: "Only main/counter.ts imports a feature's handlers.ts (see docs/architecture.md).",
};
const layer = (forbidden, extraPaths = []) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: [electronOnlyInShell, ...extraPaths],
      patterns: forbidden.map((dir) => ({
        group: [`**/${dir}/**`, `**/${dir}`],
        message: `This layer must not import from ${dir}/ (see DESIGN.md, layers by runtime).`,
      })),
    },
  ],
});

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', '.data/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnlyInShell],
          patterns: [
            { group: nodeBuiltins, message: 'common/ is pure: no Node built-ins, no I/O.' },
            { group: ['better-sqlite3', 'serialport', 'ws', 'react', 'react-dom', 'zustand', 'antd'], message: 'common/ is pure.' },
            { group: ['**/main/**', '**/server/**', '**/renderer/**', '**/preload/**'], message: 'common/ imports nothing above it.' },
          ],
        },
      ],
    },
  },
  { files: ['main/**/*.ts'], ignores: ['main/electron/**'], rules: layer(['renderer', 'server', 'preload']) },
  {
    files: ['main/electron/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/renderer/**', '**/server/**'], message: 'The shell does not import renderer or server code.' }] },
      ],
    },
  },
  {
    files: ['preload/**/*.ts'],
    rules: {
      // Sandboxed preload: only 'electron' and our own pure name list (types may come from anywhere).
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!electron$|\\.\\./common/ipc-names\\.ts$)',
              allowTypeImports: true,
              message: 'The preload imports only electron and common/ipc-names.ts.',
            },
          ],
        },
      ],
    },
  },
  { files: ['server/**/*.ts'], rules: layer(['main', 'renderer', 'preload']) },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...layer(['main', 'server', 'preload'], [{ name: 'better-sqlite3', message: 'Not in the renderer.' }]),
    },
  },
  // Product code never imports sim/. Under the rule name the layers above do
  // not use, so it adds to them: in a flat config a later block's options for
  // a rule replace an earlier block's. The preload is the other way round (it
  // turns no-restricted-imports off, and its own list lets type imports through).
  {
    files: ['main/**/*.ts', 'common/**/*.ts', 'server/**/*.ts', 'renderer/**/*.{ts,tsx}'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [simOffLimits] }] },
  },
  { files: ['preload/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [simOffLimits] }] } },
  // The same rule name as the sim block, so its list repeats simOffLimits.
  {
    files: ['main/**/*.ts'],
    ignores: ['main/counter.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [simOffLimits, handlersOnlyInCounter] }] },
  },
);
