/**
 * Builds models/eval/auto-eval.ts into dist-eval/ (same SSR bundling as the CLI: cli/vite.config.ts).
 * Vite's SSR build: our TypeScript (src/core, src/stages, their JSON manifests) is bundled;
 * packages (onnxruntime-node, sharp: native code) and node: builtins stay external.
 *   npm run eval:auto
 */
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  root,
  publicDir: false,
  logLevel: 'warn',
  build: {
    ssr: true,
    target: 'node20',
    outDir: 'dist-eval',
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    rollupOptions: {
      input: {
        'auto-eval': fileURLToPath(new URL('./auto-eval.ts', import.meta.url)),
      },
      output: { format: 'es', entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' },
    },
  },
  ssr: { target: 'node' },
});
