/**
 * Builds models/eval/hole-fill.ts into dist-eval-holes/ for Node (the CLI's SSR bundling: cli/vite.config.ts).
 *   npm run eval:holes
 */
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { nodeBundleConfig } from '../../cli/vite.config.js';

export default defineConfig(nodeBundleConfig('dist-eval-holes', { 'hole-fill': fileURLToPath(new URL('./hole-fill.ts', import.meta.url)) }));
