// Vite dev server for the upscale benchmark page (root: bench/). Used by bench/run.mjs;
// can also be started by hand: npx vite --config bench/vite.config.mjs
import { createReadStream, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve, extname, sep } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(here, '..');

// URL prefix -> directory, served verbatim (no Vite transform), so the ORT / tfjs runtimes
// load their .mjs/.wasm/worker files exactly as they would from a static host.
export const STATIC = {
  '/ort/': resolve(repo, 'node_modules/onnxruntime-web/dist'),
  '/tfwasm/': resolve(repo, 'node_modules/@tensorflow/tfjs-backend-wasm/dist'),
  '/models/': resolve(repo, 'public/models'),
  '/esrgan/': resolve(repo, 'node_modules/@upscalerjs/esrgan-medium/models'),
  '/upscalerjs-default/': resolve(repo, 'node_modules/@upscalerjs/default-model/models'),
  '/kodak/': resolve(repo, '../shared/data/eval/kodak24'),
  '/manifest/': resolve(repo, 'src/stages/upscale'),
};
const TYPES = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.json': 'application/json', '.png': 'image/png', '.onnx': 'application/octet-stream', '.bin': 'application/octet-stream' };

// Cross-origin isolation: required for SharedArrayBuffer, i.e. WASM threads in both runtimes.
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

const benchStatic = {
  name: 'bench-static',
  configureServer(server) {
    server.middlewares.use((req, res, next) => {
      for (const [k, v] of Object.entries(ISOLATION)) res.setHeader(k, v);
      const url = decodeURIComponent(req.url.split('?')[0]);
      const prefix = Object.keys(STATIC).find((p) => url.startsWith(p));
      if (!prefix) return next();
      const file = resolve(STATIC[prefix], url.slice(prefix.length));
      if (!file.startsWith(STATIC[prefix] + sep)) return next();
      let st;
      try { st = statSync(file); } catch { st = null; }
      if (!st?.isFile()) { res.statusCode = 404; return res.end('not found'); }
      res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
      res.setHeader('Content-Length', st.size);
      res.setHeader('Cache-Control', 'no-store');
      createReadStream(file).pipe(res);
    });
  },
};

export default {
  root: here,
  configFile: false,
  cacheDir: resolve(repo, 'node_modules/.vite-bench'),
  logLevel: 'warn',
  clearScreen: false,
  plugins: [benchStatic],
  server: { host: '127.0.0.1', strictPort: false, headers: ISOLATION, hmr: false, fs: { allow: [repo] } },
  // Pre-bundle everything the page imports so the optimizer never reloads the page mid-run.
  optimizeDeps: {
    entries: ['page.js', 'stages-page.ts'],
    include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'upscaler', '@upscalerjs/esrgan-medium/4x', '@upscalerjs/default-model'],
  },
};
