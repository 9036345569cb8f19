import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { readFileSync, createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Cross-origin isolation lets onnxruntime-web use WASM threads (SharedArrayBuffer).
 * A static host must send these same two headers on every response (see README).
 */
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  // Lets a cross-origin isolated site embed /embed.html in an iframe (README, Embedding).
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

/**
 * Content-Security-Policy: scripts, workers, WASM and connections from the app's own origin only.
 * 'wasm-unsafe-eval' lets onnxruntime-web compile its WASM (no 'unsafe-eval': no JS eval);
 * blob:/data: are for the photos themselves (object URLs, decoded previews). 'unsafe-inline' styles:
 * vite dev injects CSS as <style> elements (the build has none). The app refuses to
 * be framed; the embed page (embed.html) may be framed by any site, since its own allowlist
 * (heirloom.config.json) decides whom it answers. A static host sends the same (README, Hosting).
 */
const cspBase = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self' blob: data:",
  "img-src 'self' blob: data:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
];
export const contentSecurityPolicy = [...cspBase, "frame-ancestors 'self'"].join('; ');
export const embedContentSecurityPolicy = cspBase.join('; ');

function securityHeaders(): Plugin {
  const use = (middlewares: { use: (fn: (req: { url?: string }, res: { setHeader(n: string, v: string): void }, next: () => void) => void) => void }) =>
    middlewares.use((req, res, next) => {
      const path = (req.url ?? '/').split('?')[0]!;
      res.setHeader('Content-Security-Policy', /\/embed(\.html)?$/.test(path) ? embedContentSecurityPolicy : contentSecurityPolicy);
      next();
    });
  return {
    name: 'heirloom:security-headers',
    configureServer(server) {
      use(server.middlewares);
    },
    configurePreviewServer(server) {
      use(server.middlewares);
    },
  };
}

/** onnxruntime-web's WASM runtime files, served from our own origin under /ort/. */
const ORT_FILES = [
  'ort-wasm-simd-threaded.jsep.mjs', // WebGPU (JSEP) + WASM runtime
  'ort-wasm-simd-threaded.jsep.wasm',
  'ort-wasm-simd-threaded.mjs', // WASM-only runtime: about 2x faster on the CPU
  'ort-wasm-simd-threaded.wasm',
];
const ortDist = (f: string) => fileURLToPath(new URL(`./node_modules/onnxruntime-web/dist/${f}`, import.meta.url));

function serveOrtRuntime(): Plugin {
  return {
    name: 'heirloom:ort-runtime',
    configureServer(server) {
      server.middlewares.use('/ort/', (req, res, next) => {
        const name = (req.url ?? '').replace(/^\//, '').split('?')[0];
        if (!ORT_FILES.includes(name)) return next();
        res.setHeader('Content-Type', name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        createReadStream(ortDist(name)).pipe(res);
      });
    },
    generateBundle() {
      for (const f of ORT_FILES) this.emitFile({ type: 'asset', fileName: `ort/${f}`, source: readFileSync(ortDist(f)) });
    },
  };
}

/**
 * The TIFF and HEIC readers (src/core/image/tiff-decode.ts, heic-browser.ts, their libraries and
 * libheif's WebAssembly) go to assets/decoders/: fetched only when someone opens such a file,
 * never precached (they would add ~1.7 MB to every install), cached by the service worker once
 * used so those files also open offline afterwards.
 */
const DECODER_MODULES = [/\/src\/core\/image\/(tiff-decode|heic-decode|heic-browser)\.ts$/, /\/node_modules\/(geotiff|libheif-js|pako|lerc|zstddec|@petamoriken|quick-lru|xml-utils|parse-headers|web-worker)\//];
const isDecoderModule = (id: string) => DECODER_MODULES.some((re) => re.test(id.split('?')[0]!));
/** Files on disk; virtual modules (Node built-ins stubbed for the browser, helpers) go with any chunk. */
const isFile = (id: string) => id.startsWith('/');
const decoderOutput = {
  chunkFileNames: (chunk: { moduleIds: string[] }) => {
    const files = chunk.moduleIds.filter(isFile);
    return files.length && files.every(isDecoderModule) ? 'assets/decoders/[name]-[hash].js' : 'assets/[name]-[hash].js';
  },
  assetFileNames: (asset: { names?: string[]; originalFileNames?: string[] }) =>
    [...(asset.originalFileNames ?? []), ...(asset.names ?? [])].some((n) => /libheif.*\.wasm$/.test(n)) ? 'assets/decoders/[name]-[hash][extname]' : 'assets/[name]-[hash][extname]',
};

export default defineConfig({
  plugins: [
    svelte(),
    securityHeaders(),
    serveOrtRuntime(),
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: false, // we register through workbox-window ourselves (src/app/offline.ts)
      manifest: {
        name: 'Heirloom — photo restoration',
        short_name: 'Heirloom',
        description: 'Restore and upscale old photos privately, in your browser.',
        theme_color: '#3b2f2a',
        background_color: '#faf7f2',
        display: 'standalone',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icons/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
        ],
      },
      workbox: {
        // The app shell, the ORT runtimes and the default models: all that offline use needs (the
        // upscalers' fp16 files are only for custom setups: fp32 runs faster, see meta.ts).
        globPatterns: ['**/*.{js,mjs,css,html,svg,png,webmanifest,wasm,json}', 'models/**/*.onnx'],
        maximumFileSizeToCacheInBytes: 40 * 1024 * 1024,
        navigateFallback: 'index.html',
        // The embed page is its own document; the runtime config must never be served stale.
        navigateFallbackDenylist: [/\/embed\.html/],
        globIgnores: ['models/*/*.fp16.onnx', '**/node_modules/**/*', 'heirloom.config.json', 'sdk/**', 'assets/decoders/**'],
        cleanupOutdatedCaches: true,
        runtimeCaching: [{
          // Hashed names never change content: once fetched, served from the cache.
          urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname.includes('/assets/decoders/'),
          handler: 'CacheFirst',
          options: { cacheName: 'heirloom-decoders', expiration: { maxEntries: 40 } },
        }],
      },
    }),
  ],
  resolve: {
    // The extern-wasm build loads its runtime from /ort/ instead of inlining it in our worker
    // bundle: otherwise ORT's pthread workers would re-run our worker module.
    alias: [
      { find: /^onnxruntime-web$/, replacement: ortDist('ort.min.mjs') },
      { find: /^onnxruntime-web\/wasm$/, replacement: ortDist('ort.wasm.min.mjs') },
    ],
  },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es', rollupOptions: { output: decoderOutput } },
  build: { target: 'es2022', sourcemap: true, rollupOptions: { input: ['index.html', 'embed.html'], output: decoderOutput } },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
});
