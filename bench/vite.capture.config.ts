/**
 * Builds bench/capture-eval.ts into dist-eval/ for Node (as models/eval/vite.auto.config.ts).
 *   npm run eval:capture
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
    outDir: 'dist-eval/capture',
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    rollupOptions: {
      input: { 'capture-eval': fileURLToPath(new URL('./capture-eval.ts', import.meta.url)) },
      output: { format: 'es', entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' },
    },
  },
  ssr: { target: 'node' },
});
