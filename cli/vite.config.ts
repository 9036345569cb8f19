/**
 * Builds the command line (cli/heirloom.ts + its worker) into dist-cli/ as Node ESM, with
 * Vite's SSR build: our TypeScript (src/core, src/stages, their JSON manifests) is bundled;
 * packages (onnxruntime-node, sharp: native code) and node: builtins stay external.
 *   npm run build:cli
 */
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  publicDir: false,
  logLevel: 'warn',
  build: {
    ssr: true,
    target: 'node20',
    outDir: 'dist-cli',
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    rollupOptions: {
      input: {
        heirloom: fileURLToPath(new URL('./heirloom.ts', import.meta.url)),
        worker: fileURLToPath(new URL('./worker.ts', import.meta.url)),
      },
      output: { format: 'es', entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' },
    },
  },
  ssr: { target: 'node' },
});
