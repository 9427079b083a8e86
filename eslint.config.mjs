import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-output/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Every combined stop is given back when its operation ends (main/core/signals.ts).
    files: ['main/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'AbortSignal', property: 'any', message: 'Use joinSignals (main/core/signals.ts) and release it: AbortSignal.any keeps each composite among a long-lived source\'s dependants (nodejs/node#55351), one per transfer, for good.' },
      ],
    },
  },
  {
    // The core runs in plain Node (the CLI, the tests) as well as in Electron's main process.
    files: ['main/core/**/*.ts', 'main/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'main/core and main/cli are plain Node: pass what they need in from main/app instead.' }], patterns: ['electron/*', '**/app/**'] },
      ],
    },
  },
  {
    // The renderer reaches main only through the preload's named methods.
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['electron'], patterns: ['**/main/**', 'node:*'] }],
    },
  },
);
