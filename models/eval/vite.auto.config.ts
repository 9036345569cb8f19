/**
 * Builds models/eval/auto-eval.ts into dist-eval/ for Node (the CLI's SSR bundling: cli/vite.config.ts).
 *   npm run eval:auto
 */
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { nodeBundleConfig } from '../../cli/vite.config.js';

export default defineConfig(nodeBundleConfig('dist-eval', { 'auto-eval': fileURLToPath(new URL('./auto-eval.ts', import.meta.url)) }));
