/**
 * Builds the command line (cli/heirloom.ts + its worker) into dist-cli/ as Node ESM, with
 * Vite's SSR build: our TypeScript (src/core, src/stages, their JSON manifests) is bundled;
 * packages (onnxruntime-node, sharp: native code) and node: builtins stay external.
 *   npm run build:cli
 * The evaluation scripts (models/eval/vite.auto.config.ts, bench/vite.capture.config.ts) are
 * bundled the same way: nodeBundleConfig.
 */
import { defineConfig, type UserConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** An SSR build of `input` (entry name -> file) into `outDir` (relative to the repository root). */
export function nodeBundleConfig(outDir: string, input: Record<string, string>): UserConfig {
  return {
    root,
    publicDir: false,
    logLevel: 'warn',
    build: {
      ssr: true,
      target: 'node20',
      outDir,
      emptyOutDir: true,
      sourcemap: true,
      minify: false,
      rollupOptions: {
        input,
        output: { format: 'es', entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' },
      },
    },
    ssr: { target: 'node' },
  };
}

export default defineConfig(nodeBundleConfig('dist-cli', {
  heirloom: fileURLToPath(new URL('./heirloom.ts', import.meta.url)),
  worker: fileURLToPath(new URL('./worker.ts', import.meta.url)),
}));
