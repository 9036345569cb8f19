/**
 * Builds bench/capture-eval.ts into dist-eval/capture/ for Node (the CLI's SSR bundling).
 *   npm run eval:capture
 */
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { nodeBundleConfig } from '../cli/vite.config.js';

export default defineConfig(nodeBundleConfig('dist-eval/capture', { 'capture-eval': fileURLToPath(new URL('./capture-eval.ts', import.meta.url)) }));
