import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

/**
 * The SDK as one standalone ES module for other sites: dist/sdk/heirloom-sdk.js.
 * `npm run build` runs it after the app build (`vite build --config src/sdk/vite.config.ts`);
 * pass `--outDir <dist>/sdk` when the app was built elsewhere. No Svelte, no plugins, no deps.
 */
export default defineConfig({
  publicDir: false,
  build: {
    outDir: 'dist/sdk',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: true,
    minify: true,
    lib: {
      entry: fileURLToPath(new URL('./index.ts', import.meta.url)),
      formats: ['es'],
      fileName: () => 'heirloom-sdk.js',
    },
  },
});
