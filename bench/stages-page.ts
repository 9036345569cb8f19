// Stage benchmark page: runs Heirloom's own stage code (src/stages, src/core) on the main thread
// with onnxruntime-web, one runtime + thread count per page load (/stages.html?threads=N&backend=
// wasm|webgpu). bench/stages.mjs drives it and samples the renderer's memory from outside.
import type * as OrtWeb from 'onnxruntime-web';
import { createSession, tiledModelFor, type OrtModule } from '../src/core/runtime/session';
import { modelFolder } from '../src/core/models/manifest';
import type { ModelManifest } from '../src/core/models/types';
import type { RgbaImage } from '../src/core/image/types';
import type { StageContext } from '../src/core/pipeline/stage';
import type { TiledModel } from '../src/core/tiling/run-tiled';
import { runRecipe, type Recipe } from '../src/stages';
import { detectDamage, inpaint } from '../src/stages/repair/run';
import { runDenoise } from '../src/stages/denoise/run';
import { runFade } from '../src/stages/fade/run';
import { analyzePhoto, type PhotoAnalysis } from '../src/stages/auto';
import { runUpscale } from '../src/stages/upscale/run';
import { runColorize } from '../src/stages/colorize/run';
import { colorizeDefaults } from '../src/stages/colorize/meta';
import { runFace } from '../src/stages/face/run';
import { faceDefaults } from '../src/stages/face/meta';
import { denoiseDefaults } from '../src/stages/denoise/meta';
import { fadeDefaults } from '../src/stages/fade/meta';
import type { Mask } from '../src/core/image/mask';

const q = new URLSearchParams(location.search);
const threads = Number(q.get('threads') ?? 1);
const backend = (q.get('backend') ?? 'wasm') as 'wasm' | 'webgpu';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

declare global {
  interface Window {
    benchReady?: boolean;
    benchStages?: typeof benchStages;
    benchGemm?: typeof benchGemm;
    /** Exposed by the driver: marks where a measured section starts and ends (memory sampling). */
    benchMark?: (label: string) => Promise<void>;
  }
}

let ort: typeof OrtWeb;
async function loadOrt() {
  // The app's choice (workers/restore.worker.ts): WASM-only runtime on CPU, JSEP build for WebGPU.
  ort = (await import(/* @vite-ignore */ backend === 'webgpu' ? '/ort/ort.min.mjs' : '/ort/ort.wasm.min.mjs')) as typeof OrtWeb;
  ort.env.wasm.wasmPaths = `${location.origin}/ort/`;
  ort.env.wasm.numThreads = threads;
  return ort;
}

/** A test photo of about `mp` megapixels: a Kodak image resized (browser bilinear). */
async function loadPhoto(name: string, mp: number): Promise<RgbaImage> {
  const bmp = await createImageBitmap(await (await fetch(`/kodak/${name}`)).blob());
  const k = Math.sqrt((mp * 1e6) / (bmp.width * bmp.height));
  const width = Math.round(bmp.width * k), height = Math.round(bmp.height * k);
  const ctx = new OffscreenCanvas(width, height).getContext('2d')!;
  ctx.drawImage(bmp, 0, 0, width, height);
  return { width, height, data: ctx.getImageData(0, 0, width, height).data };
}

/** Thin diagonal scratches every 150 px plus a 120 px blob: about 3 % of the photo. */
function syntheticDamage(w: number, h: number): Mask {
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const scratch = (x + Math.round(0.3 * y)) % 150 < 3;
      const blob = (x - w * 0.6) ** 2 + (y - h * 0.4) ** 2 < 60 ** 2;
      if (scratch || blob) data[y * w + x] = 1;
    }
  return { width: w, height: h, data };
}

interface LoadedModel { model: TiledModel; loadMs: number; file: string }
const loaded = new Map<string, Promise<LoadedModel>>();
/** Model files to use instead of the manifest's (BENCH: fp32 vs fp16-weights variants). */
let fileOverride: Record<string, string> = {};
/** A tile size to use instead of the tiler's choice (BENCH: tile-size experiments). */
let tileOverride: number | undefined;

function context(onLoad: (l: LoadedModel) => void): StageContext {
  return {
    progress: () => undefined,
    loadModel: async (m0: ModelManifest) => {
      const m = fileOverride[m0.task] ? { ...m0, file: fileOverride[m0.task]! } : m0;
      const key = `${m.task}/${m.file}`;
      if (!loaded.has(key)) {
        loaded.set(key, (async () => {
          const t0 = performance.now();
          const bytes = new Uint8Array(await (await fetch(`/models/${modelFolder(m.task)}/${m.file}`)).arrayBuffer());
          const session = await createSession(ort as unknown as OrtModule, bytes, backend);
          const model = tiledModelFor(ort as unknown as OrtModule, session, m, backend);
          if (tileOverride) model.tileSize = tileOverride;
          return { model, loadMs: performance.now() - t0, file: `${modelFolder(m.task)}/${m.file}` };
        })());
      }
      const l = await loaded.get(key)!;
      onLoad(l);
      return l.model;
    },
  };
}

/** The photo with film-like grain (sigma 12 levels, fixed seed): enough for Reduce noise to act fully. */
function withGrain(img: RgbaImage): RgbaImage {
  const data = new Uint8ClampedArray(img.data);
  let seed = 12345;
  const uniform = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < data.length; i += 4) {
    const n = 12 * Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
    for (let c = 0; c < 3; c++) data[i + c] = data[i + c]! + n;
  }
  return { width: img.width, height: img.height, data };
}

type StageKey = 'detect' | 'inpaint' | 'denoise' | 'fade' | 'face' | 'colorize' | 'colorize-hints' | 'upscale-x2-clean' | 'upscale-x2-balanced' | 'upscale-x2-fast' | 'pipeline-all' | 'analyze' | 'auto-worst';

const STAGES: Record<StageKey, (img: RgbaImage, ctx: StageContext, mask: Mask) => Promise<unknown>> = {
  detect: (img, ctx) => detectDamage(img, ctx),
  inpaint: (img, ctx, mask) => inpaint(img, mask, ctx),
  // the stage measures the noise and leaves a clean photo alone, so it gets a grainy one (the
  // grain, a few ms, is inside the timing)
  denoise: (img, ctx) => runDenoise(withGrain(img), { ...denoiseDefaults }, ctx),
  fade: (img, ctx) => runFade(img, { ...fadeDefaults }, ctx),
  // detection (two passes) + landmarks + the built-in restorer per face, on a portrait (STAGE_IMAGE)
  face: (img, ctx) => runFace(img, { ...faceDefaults, fidelity: 1 }, ctx),
  // the network runs once on a 256 px copy; the rest is the edge-aware upsampling at full size
  colorize: (img, ctx) => runColorize(img, { ...colorizeDefaults, hints: [] }, ctx),
  'colorize-hints': (img, ctx) => runColorize(img, { ...colorizeDefaults, hints: TEN_HINTS }, ctx),
  // also what the app runs when the user changes nothing
  'upscale-x2-clean': (img, ctx) => runUpscale(img, { scale: 2, quality: 'clean' }, ctx),
  'upscale-x2-balanced': (img, ctx) => runUpscale(img, { scale: 2, quality: 'balanced' }, ctx),
  'upscale-x2-fast': (img, ctx) => runUpscale(img, { scale: 2, quality: 'fast' }, ctx),
  // Auto's look at the photo: tones, cast, noise, the damage detector and the face finder on a 512 px copy.
  analyze: (img, ctx) => analyzePhoto(img, ctx),
  // One-click restore at its slowest without upscaling: the analysis, then every stage auto can
  // choose by itself (repair, denoise, fade, faces), whatever the analysis said.
  'auto-worst': async (img, ctx) => {
    const a = await analyzePhoto(img, ctx, { upscale: false });
    return runRecipe(img, { ...a.recipe, repair: { detect: true }, denoise: { ...denoiseDefaults }, fade: { ...fadeDefaults }, face: { ...faceDefaults } }, ctx);
  },
  // Every stage on (repair with detection, denoise, fade, 2x upscale at the default model).
  'pipeline-all': (img, ctx) => runRecipe(img, { repair: { detect: true }, denoise: { ...denoiseDefaults }, fade: { ...fadeDefaults },
    upscale: { scale: 2, quality: 'clean' } } satisfies Recipe, ctx),
};

/** Stages that need a photo with something in it for them: a portrait for faces (same megapixels). */
const STAGE_IMAGE: Partial<Record<StageKey, string>> = { face: 'kodim04.png', 'auto-worst': 'kodim04.png', analyze: 'kodim04.png' };

const TEN_HINTS = Array.from({ length: 10 }, (_, i) => ({ color: ['#3a6fd8', '#4f8a3c', '#c8402f', '#e2b38f', '#7a5234'][i % 5]!, points: [[0.1 + 0.08 * i, 0.2 + 0.06 * i] as [number, number]] }));

interface StageArgs { image: string; megapixels: number; stages: StageKey[]; runs: number; files?: Record<string, string>; tileSize?: number }

async function benchStages({ image, megapixels, stages, runs, files, tileSize }: StageArgs) {
  if (!ort) await loadOrt();
  fileOverride = files ?? {};
  tileOverride = tileSize;
  loaded.clear();
  const photos = new Map<string, { photo: RgbaImage; small: RgbaImage }>();
  const photosFor = async (name: string) => {
    if (!photos.has(name)) photos.set(name, { photo: await loadPhoto(name, megapixels), small: await loadPhoto(name, 0.06) });
    return photos.get(name)!;
  };
  const { photo, small } = await photosFor(image);
  const mask = syntheticDamage(photo.width, photo.height);
  const smallMask = syntheticDamage(small.width, small.height);
  const rows = [];
  for (const key of stages) {
    const { photo, small } = await photosFor(STAGE_IMAGE[key] ?? image);
    const models: LoadedModel[] = [];
    const ctx = context((l) => { if (!models.includes(l)) models.push(l); });
    // Warm-up on a small photo: loads the models (timed separately) and lets the WASM tier up.
    await STAGES[key](small, ctx, smallMask);
    const times: number[] = [];
    let timings: PhotoAnalysis['timings'] | undefined;
    await window.benchMark?.(`start:${key}`);
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const out = await STAGES[key](photo, ctx, mask);
      times.push(performance.now() - t);
      // the analysis says where its time went (measures, detector, face finder)
      if (out && typeof out === 'object' && 'timings' in out) timings = (out as PhotoAnalysis).timings;
    }
    await window.benchMark?.(`end:${key}`);
    rows.push({ key, times, medianMs: median(times), timings, models: models.map((m) => ({ file: m.file, loadMs: m.loadMs })) });
  }
  const maskShare = mask.data.reduce((a, b) => a + b, 0) / mask.data.length;
  return { threads, backend, crossOriginIsolated, width: photo.width, height: photo.height, megapixels: (photo.width * photo.height) / 1e6, maskShare, rows,
    ortVersion: ort.env.versions?.web, userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency };
}

/**
 * The machine's WASM SIMD matrix-multiply throughput: an n x n x n MatMul through the same
 * runtime (MLAS, the kernels ORT's convolutions end up in). The graph is built by the driver.
 */
async function benchGemm({ model, n, runs }: { model: string; n: number; runs: number }) {
  if (!ort) await loadOrt();
  const bytes = Uint8Array.from(atob(model), (c) => c.charCodeAt(0));
  const session = await ort.InferenceSession.create(bytes, { executionProviders: [backend], graphOptimizationLevel: 'all' });
  const a = new ort.Tensor('float32', Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5), [n, n]);
  const b = new ort.Tensor('float32', Float32Array.from({ length: n * n }, (_, i) => ((i * 104729) % 1000) / 1000 - 0.5), [n, n]);
  const run = async () => { const o = await session.run({ a, b }); for (const t of Object.values(o)) t.dispose(); };
  await run(); await run(); // warm-up, WASM tier-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) { const t = performance.now(); await run(); times.push(performance.now() - t); }
  await session.release();
  const best = Math.min(...times);
  return { n, times, bestMs: best, gflops: (2 * n ** 3) / (best / 1000) / 1e9 };
}

window.benchStages = benchStages;
window.benchGemm = benchGemm;
window.benchReady = true;
