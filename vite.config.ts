import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { readFileSync, readdirSync, createReadStream } from 'node:fs';
import { oneClickModels } from './src/stages/models';
import { shippedModelPath } from './src/core/models/manifest';
import { SHARE_TARGET_PATH } from './src/app/shared-files';
import { RUNTIME_CACHE } from './src/app/runtime-cache';
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

/** onnxruntime-web's WASM runtime files, served from our own origin under /ort/<version>/. */
const ORT_FILES = [
  'ort-wasm-simd-threaded.asyncify.mjs', // the native WebGPU EP's runtime (JSEP is deprecated since 1.29)
  'ort-wasm-simd-threaded.asyncify.wasm',
  'ort-wasm-simd-threaded.mjs', // WASM-only runtime: about 2x faster on the CPU
  'ort-wasm-simd-threaded.wasm',
];
const ortDist = (f: string) => fileURLToPath(new URL(`./node_modules/onnxruntime-web/dist/${f}`, import.meta.url));
/**
 * The runtime's folder carries its version (the worker asks onnxruntime for it): the service
 * worker keeps the WASM file it loads cache-first, and a new version must not meet an old file.
 */
const ORT_VERSION: string = JSON.parse(readFileSync(fileURLToPath(new URL('./node_modules/onnxruntime-web/package.json', import.meta.url)), 'utf8')).version;
const ORT_DIR = `ort/${ORT_VERSION}`;

/** The model cards (models/cards/*.md), served under /cards/ so the Models view can link to them offline. */
const cardsDir = fileURLToPath(new URL('./models/cards/', import.meta.url));
const CARD_FILES = readdirSync(cardsDir).filter((f) => f.endsWith('.md'));

function serveRuntimeAndCards(): Plugin {
  const serve = (res: { setHeader(n: string, v: string): void }, path: string, type: string) => {
    res.setHeader('Content-Type', type);
    createReadStream(path).pipe(res as unknown as NodeJS.WritableStream);
  };
  return {
    name: 'heirloom:ort-runtime-and-cards',
    configureServer(server) {
      server.middlewares.use(`/${ORT_DIR}/`, (req, res, next) => {
        const name = (req.url ?? '').replace(/^\//, '').split('?')[0]!;
        if (!ORT_FILES.includes(name)) return next();
        serve(res, ortDist(name), name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
      });
      server.middlewares.use('/cards/', (req, res, next) => {
        const name = decodeURIComponent((req.url ?? '').replace(/^\//, '').split('?')[0]!);
        if (!CARD_FILES.includes(name)) return next();
        serve(res, cardsDir + name, 'text/markdown; charset=utf-8');
      });
    },
    generateBundle() {
      for (const f of ORT_FILES) this.emitFile({ type: 'asset', fileName: `${ORT_DIR}/${f}`, source: readFileSync(ortDist(f)) });
      for (const f of CARD_FILES) this.emitFile({ type: 'asset', fileName: `cards/${f}`, source: readFileSync(cardsDir + f) });
    },
  };
}

/** The photo types the installed app opens from the OS and accepts from the share sheet. */
const PHOTO_TYPES: Record<string, string[]> = {
  'image/jpeg': ['.jpg', '.jpeg'],
  'image/png': ['.png'],
  'image/webp': ['.webp'],
  'image/tiff': ['.tif', '.tiff'],
  'image/heic': ['.heic'],
  'image/heif': ['.heif'],
};

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
    serveRuntimeAndCards(),
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
        // Installed, Heirloom opens photos from the OS (src/app/launch.ts) and from the share sheet
        // (public/share-target-sw.js keeps them, src/app/shared-files.ts opens them).
        file_handlers: [{ action: './', accept: PHOTO_TYPES }],
        share_target: {
          action: SHARE_TARGET_PATH,
          method: 'POST',
          enctype: 'multipart/form-data',
          params: { files: [{ name: 'files', accept: [...Object.keys(PHOTO_TYPES), ...Object.values(PHOTO_TYPES).flat()] }] },
        },
      },
      workbox: {
        // The first install is the app shell, the model cards and the models of the one-click
        // restore (src/stages/models.ts): 13.2 MB (npm run build checks it stays under 25 MB).
        // The other models are downloaded on first use and kept by the model loader (IndexedDB).
        globPatterns: ['**/*.{js,mjs,css,html,svg,png,webmanifest,json}', 'cards/*.md', ...oneClickModels().map(shippedModelPath)],
        // The TIFF/HEIC readers are fetched when someone opens such a file (cached then, below).
        globIgnores: ['**/node_modules/**/*', 'heirloom.config.json', 'sdk/**', 'assets/decoders/**'],
        // Above workbox's 2 MiB default (the face restorer is 3.2 MB); the total is what is checked.
        maximumFileSizeToCacheInBytes: 40 * 1024 * 1024,
        // Neither onnxruntime WASM build (14 and 28 MB) is precached: the one this device loads is
        // kept on first use (the app fetches it as soon as the service worker runs: src/app/offline.ts).
        runtimeCaching: [
          {
            urlPattern: /\/ort\/[^/]+\/[^/]+\.wasm$/,
            handler: 'CacheFirst',
            options: { cacheName: RUNTIME_CACHE, cacheableResponse: { statuses: [200] } },
          },
          {
            // Hashed names never change content: once fetched, served from the cache.
            urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname.includes('/assets/decoders/'),
            handler: 'CacheFirst',
            options: { cacheName: 'heirloom-decoders', expiration: { maxEntries: 40 } },
          },
        ],
        // Receives photos shared to the installed app (the manifest's share_target).
        importScripts: ['share-target-sw.js'],
        navigateFallback: 'index.html',
        // The embed page is its own document; the runtime config must never be served stale.
        navigateFallbackDenylist: [/\/embed\.html/],
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  resolve: {
    // The extern-wasm build loads its runtime from /ort/ instead of inlining it in our worker
    // bundle: otherwise ORT's pthread workers would re-run our worker module.
    alias: [
      { find: /^onnxruntime-web\/webgpu$/, replacement: ortDist('ort.webgpu.min.mjs') },
      { find: /^onnxruntime-web\/wasm$/, replacement: ortDist('ort.wasm.min.mjs') },
    ],
  },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es', rollupOptions: { output: decoderOutput } },
  build: { target: 'es2022', sourcemap: true, rollupOptions: { input: ['index.html', 'embed.html'], output: decoderOutput } },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
});
