import { chmodSync } from 'node:fs';
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: {
        // The app's main process and the `ferry` CLI share main/core; both are built here.
        input: { index: resolve(__dirname, 'main/app/index.ts'), cli: resolve(__dirname, 'main/cli/index.ts') },
        output: {
          banner: (chunk: { name: string }) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : ''),
        },
      },
    },
    plugins: [
      {
        // `npm link` marks the CLI executable once; every build writes it anew, so the build marks it too.
        name: 'ferry-cli-executable',
        writeBundle(options: { dir?: string }, bundle: Record<string, unknown>) {
          if (options.dir && 'cli.js' in bundle) chmodSync(resolve(options.dir, 'cli.js'), 0o755);
        },
      },
    ],
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rolldownOptions: { input: { index: resolve(__dirname, 'preload/index.ts') } },
    },
  },
  renderer: {
    root: 'renderer',
    build: {
      outDir: 'out/renderer',
      minify: true,
      rolldownOptions: { input: { index: resolve(__dirname, 'renderer/index.html') } },
    },
    plugins: [
      react(),
      {
        // The dev server needs inline scripts (React refresh) and a socket; built files get the strict policy.
        name: 'ferry-dev-csp',
        apply: 'serve',
        transformIndexHtml: (html: string) => html.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace("connect-src 'none'", "connect-src 'self' ws:"),
      },
    ],
  },
});
