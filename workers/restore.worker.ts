/// <reference lib="webworker" />
/**
 * The inference worker: decodes, runs a recipe's stages tile by tile with onnxruntime-web,
 * and encodes. The page talks to it through Comlink (src/app/worker-bridge.ts); cancelling
 * terminates this worker, so nothing here needs to poll for cancellation beyond tile borders.
 */
import { floatCopy, shippedModelDir } from '../src/core/models/manifest';
import { builtInManifests } from '../src/stages/models';
import * as Comlink from 'comlink';
import type * as OrtWeb from 'onnxruntime-web';
import { decodeImage, downscaleImage, encodeImage, encodePreview, type OutputFormat } from '../src/core/image/browser-codec';
import { shrinkToPixels } from '../src/core/analysis/shrink';
import type { RgbaImage } from '../src/core/image/types';
import { analyzeTone, type ToneAnalysis } from '../src/core/color/monochrome';
import { runColorize } from '../src/stages/colorize/run';
import type { ColorizeOptions } from '../src/stages/colorize/meta';
import type { ModelManifest } from '../src/core/models/types';
import { loadModelBytes } from '../src/core/models/loader';
import { createIdbModelCache } from '../src/core/models/idb-cache';
import { chooseBackend, detectCapabilities, describeBackend, type BackendChoice } from '../src/core/runtime/capabilities';
import { createSession, tiledModelFor, type OrtModule } from '../src/core/runtime/session';
import type { TiledModel } from '../src/core/tiling/run-tiled';
import type { Progress } from '../src/core/pipeline/progress';
import type { Recipe } from '../src/stages';
import { analyzePhoto, restoreWith, type PhotoAnalysis, type RecipeRequest } from '../src/stages/auto';
import type { StageDone, StageNote } from '../src/core/pipeline/stage';
import { detectDamage } from '../src/stages/repair/run';
import { maskCoverage, type Mask } from '../src/core/image/mask';
import type { StageContext } from '../src/core/pipeline/stage';
import { findPrint, type PrintDetection } from '../src/core/capture/find-print';
import { cropToPrint } from '../src/core/capture/crop-to-print';
import { warpQuad } from '../src/core/capture/warp';
import type { Quad } from '../src/core/capture/quad';
import { probeShape, type ExtraInput, type ModelInspection, type ValueInfo } from '../src/core/models/custom-models';

const BASE = import.meta.env.BASE_URL;
/**
 * onnxruntime-web, loaded for the backend in use: its WASM-only runtime runs CPU inference about
 * twice as fast as a WebGPU-capable build (npm run bench), so WASM sessions get that one; WebGPU
 * sessions get the native WebGPU execution provider's build (onnxruntime-web/webgpu).
 */
let ort: typeof OrtWeb;
let ortModule: OrtModule;

export interface WorkerInfo {
  backend: BackendChoice;
  label: string;
  /** The runtime's WASM file this worker loads: the page keeps it for offline use (src/app/offline.ts). */
  runtimeUrl: string;
}

/** Each onnxruntime build's WASM file (vite.config.ts serves both under /ort/<version>/). */
const RUNTIME_WASM = { webgpu: 'ort-wasm-simd-threaded.asyncify.wasm', wasm: 'ort-wasm-simd-threaded.wasm' } as const;

export interface RestoreResult {
  blob: Blob;
  /** A smaller JPEG to show on screen when the result is very large (the blob is what is saved). */
  preview: Blob | null;
  width: number;
  height: number;
  inputWidth: number;
  inputHeight: number;
  backend: string;
  ms: number;
  /** The recipe that ran (for 'auto', the one the analysis proposed). */
  recipe: Recipe;
  /** For 'auto': what the analysis measured and why each stage is on or off. */
  analysis?: PhotoAnalysis;
  /** What stages decided on their own (colorize skipped a colour photo, ...). */
  notes: StageNote[];
  /** Each stage that ran, in order, for the per-stage before/after view (when asked for: RestoreHints.steps). */
  steps: StageStep[];
}

/**
 * One stage of a restore, for the per-stage before/after view: its input is the previous step's
 * output (the photo itself for the first).
 */
export interface StageStep {
  stage: string;
  /**
   * The stage's output, shrunk to at most STEP_PREVIEW_PIXELS. Absent for the last stage (its
   * output is the result, shown from `blob` or `preview`) and for a stage that left the photo
   * unchanged (its output is its input).
   */
  preview?: Blob;
  unchanged: boolean;
  /** Why the stage left the photo as it was, in its own words. */
  note?: string;
}

/**
 * Step previews are kept small, not the stages' full outputs: a 24 MP photo is 96 MB of RGBA per
 * copy, so six full-size intermediates (more once upscaled) would take the tab over half a gigabyte.
 * Each is box-shrunk to at most 4 MP (16 MB, freed once encoded; no full-size copy is made) and
 * kept as a PNG (lossless, so a light denoise is not lost in JPEG artefacts) of a few MB: it
 * still fills a large screen at 100 %.
 */
const STEP_PREVIEW_PIXELS = 4_000_000;

let info: WorkerInfo | undefined;
const models = new Map<string, Promise<TiledModel>>();
/** Models that WebGPU could not run and that run on WASM instead; the user is told. */
const wasmFallbacks = new Set<string>();
const modelCache = createIdbModelCache();

/**
 * Picks the backend and loads its runtime, once: the first call's preference wins. Calls made
 * while that is still under way (the page's init(prefer) and a job's init() arrive together)
 * share the same promise rather than racing to a different backend.
 */
let initialized: Promise<WorkerInfo> | undefined;
function init(prefer: 'auto' | 'webgpu' | 'wasm' = 'auto'): Promise<WorkerInfo> {
  initialized ??= start(prefer).catch((e) => ((initialized = undefined), Promise.reject(e)));
  return initialized;
}

async function start(prefer: 'auto' | 'webgpu' | 'wasm'): Promise<WorkerInfo> {
  const caps = await detectCapabilities();
  const backend = chooseBackend(caps, prefer);
  // WebGPU: onnxruntime-web's native WebGPU execution provider (its JSEP build is deprecated)
  ort = backend.name === 'webgpu' ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm');
  ortModule = ort as unknown as OrtModule;
  // The thread count is fixed once the WASM runtime starts: a different count needs a new worker.
  ort.env.wasm.numThreads = backend.threads;
  // The folder carries the runtime's version, so a cached WASM file never meets newer JS glue.
  const runtimeDir = new URL(`${BASE}ort/${ort.env.versions.web ?? ort.env.versions.common}/`, self.location.origin).href;
  ort.env.wasm.wasmPaths = runtimeDir;
  info = { backend, label: describeBackend(backend, caps), runtimeUrl: runtimeDir + RUNTIME_WASM[backend.name] };
  return info;
}

function modelBaseUrl(m: ModelManifest): string {
  return new URL(`${BASE}${shippedModelDir(m.task)}`, self.location.origin).href;
}

/** How the page wants a restore run, and retry hints after a worker died under a job (src/app/worker-bridge.ts). */
export interface RestoreHints {
  /** Batch: find the print in a photo of one and straighten it before the stages (src/core/capture). */
  findPrint?: boolean;
  /** Multiplies every model's tile size (0.5: half-size tiles, a quarter of the memory per tile). */
  tileScale?: number;
  /** Keep a preview of each stage's output (the single-photo view's per-stage before/after). */
  steps?: boolean;
}

/**
 * A lost WebGPU device (driver reset, GPU out of memory) leaves sessions that hang or fail; the
 * worker then closes itself, and the page, which watches this worker's life lock, retries the
 * job on WASM. A device destroyed on purpose is ignored.
 */
async function watchGpuDevice() {
  type Device = { lost: Promise<{ reason: string; message: string }> };
  // onnxruntime-web exposes its device as a promise (or the device itself in older versions).
  const device = (await Promise.resolve((ort.env as unknown as { webgpu?: { device?: Device | Promise<Device> } }).webgpu?.device).catch(() => undefined)) as Device | undefined;
  if (!device || watchedDevices.has(device)) return;
  watchedDevices.add(device);
  void device.lost.then((info) => {
    if (info.reason === 'destroyed') return;
    // A warning: the page retries the job on WASM and tells the user.
    console.warn(`WebGPU device lost (${info.message}); closing this worker so the job is retried on WASM.`);
    self.close();
  });
}
const watchedDevices = new WeakSet<object>();

async function openModel(asked: ModelManifest, onProgress: (p: Progress) => void, hints: RestoreHints = {}): Promise<TiledModel> {
  const { backend } = await init();
  const load = (m: ModelManifest) => loadModelBytes(m, modelBaseUrl(m), {
    cache: modelCache,
    onProgress: (loaded, total) => onProgress({ stage: `Loading model ${m.label}`, done: loaded, total }),
  });
  let name = backend.name;
  // int8 files are for WASM (QLinearConv); WebGPU gets the model's float copy (floatCopy), or,
  // when that cannot be downloaded (offline: only the int8 file came with the install), the
  // int8 file on WASM
  let m = name === 'webgpu' ? floatCopy(asked, builtInManifests) : asked;
  let bytes;
  try {
    bytes = await load(m);
  } catch (err) {
    if (m === asked) throw err;
    console.warn(`Could not download ${m.id} for WebGPU, running ${asked.id} on WASM:`, err);
    m = asked;
    name = 'wasm';
    wasmFallbacks.add(m.label);
    bytes = await load(m);
  }
  let session;
  try {
    session = await createSession(ortModule, bytes, name);
  } catch (err) {
    if (name !== 'webgpu') throw err;
    // Some graphs fail on the WebGPU EP; WASM runs them all.
    console.warn(`WebGPU could not run ${m.id}, falling back to WASM:`, err);
    name = 'wasm';
    wasmFallbacks.add(m.label);
    session = await createSession(ortModule, bytes, name);
  }
  if (name === 'webgpu') void watchGpuDevice();
  const model = tiledModelFor(ortModule, session, m, name);
  const scale = hints.tileScale ?? 1;
  if (scale !== 1) model.tileSize = Math.max(Math.ceil((2 * model.overlap + 16) / 8) * 8, Math.round((model.tileSize * scale) / 8) * 8);
  return model;
}

function stageContext(onProgress: (p: Progress) => void, hints: RestoreHints = {}): StageContext {
  return {
    progress: onProgress,
    loadModel: (m) => {
      const key = `${m.id}${m.sha256}@${hints.tileScale ?? 1}`;
      if (!models.has(key)) models.set(key, openModel(m, onProgress, hints).catch((e) => (models.delete(key), Promise.reject(e))));
      return models.get(key)!;
    },
  };
}

/** What identifies a picked file (a Blob sent to a worker arrives as a new object each time). */
const fileKey = (file: Blob, name: string) => [name, file.size, file.type, (file as File).lastModified ?? ''].join('|');

/** Largest photo kept decoded between calls (with the caller's copy, 2 x 4 bytes per pixel). */
const KEEP_DECODED_PIXELS = 40_000_000;

/**
 * The last picked photo, decoded, kept for the next call: picking a photo decodes it to show it
 * (TIFF, HEIC) and for the analysis, then Restore needs it again, and geotiff's LZW or libheif
 * take seconds on a large scan (README, Formats). One photo of up to KEEP_DECODED_PIXELS is
 * kept; each caller gets its own copy of the pixels (stages treat their input as read-only today; a copy is cheap next to a decode).
 */
let lastPhoto: { key: string; decoded: Promise<{ image: RgbaImage; notes: string[] }> } | undefined;
async function decodePhoto(file: Blob, name: string, onNote?: (message: string) => void): Promise<RgbaImage> {
  const key = fileKey(file, name);
  let entry = lastPhoto?.key === key ? lastPhoto : undefined;
  if (!entry) {
    const notes: string[] = [];
    entry = { key, decoded: decodeImage(file, name, (n) => notes.push(n)).then((image) => ({ image, notes })) };
    lastPhoto = entry;
  }
  const current = entry;
  let decoded;
  try {
    decoded = await current.decoded;
  } catch (e) {
    if (lastPhoto === current) lastPhoto = undefined;
    throw e;
  }
  const { image, notes } = decoded;
  for (const n of notes) onNote?.(n);
  if (image.width * image.height > KEEP_DECODED_PIXELS) {
    if (lastPhoto === current) lastPhoto = undefined; // too big to keep a second copy of
    return image;
  }
  return { width: image.width, height: image.height, data: image.data.slice() };
}

/**
 * The photo the hint editor's previews are made from, decoded and shrunk once: every hint
 * change re-colorizes it, and decoding a large scan each time would take seconds. Keyed by what
 * identifies a picked file (a Blob sent to a worker arrives as a new object each time).
 */
let previewSource: { key: string; image: Promise<RgbaImage> } | undefined;
function previewImage(file: Blob, name: string, maxSide: number): Promise<RgbaImage> {
  const key = `${fileKey(file, name)}|${maxSide}`;
  if (previewSource?.key !== key) {
    const image = decodePhoto(file, name).then((img) => downscaleImage(img, maxSide));
    image.catch(() => (previewSource = undefined));
    previewSource = { key, image };
  }
  return previewSource.image;
}

const api = {
  init,

  /** Whether a photo looks black-and-white or toned (sepia...), so the page can suggest Colorize. */
  async analyzeTone(file: Blob, name: string): Promise<ToneAnalysis> {
    return analyzeTone(await previewImage(file, name, 1024));
  },

  /**
   * The hint editor's live preview: the photo at most `maxSide` px, colorized with these
   * options (hints included), as PNG.
   */
  async colorizePreview(file: Blob, name: string, options: ColorizeOptions, maxSide: number, onProgress: (p: Progress) => void): Promise<Blob> {
    await init();
    const image = await previewImage(file, name, maxSide);
    const out = await runColorize(image, { ...options, strength: Math.max(options.strength, 0.05) }, stageContext(onProgress));
    return encodeImage(out, 'image/png');
  },

  /**
   * Takes a Web Lock named by the page and holds it until this worker ends: the browser releases
   * it when the worker crashes, runs out of memory or closes, which is how the page notices.
   */
  holdLifeLock(name: string): Promise<void> {
    return new Promise<void>((acquired, failed) => {
      if (!navigator.locks) return failed(new Error('no Web Locks'));
      navigator.locks.request(name, () => {
        acquired();
        return new Promise<never>(() => undefined);
      }).catch(failed);
    });
  },

  /** Looks for a print in a photo of one (the capture step): its corners, or null with why not. */
  async findPrint(file: Blob, name: string): Promise<PrintDetection> {
    return findPrint(await decodePhoto(file, name));
  },

  /** The print inside these corners, straightened and cropped at full resolution, as PNG. */
  async straighten(file: Blob, name: string, corners: Quad): Promise<{ blob: Blob; width: number; height: number }> {
    const print = warpQuad(await decodePhoto(file, name), corners);
    return { blob: await encodeImage(print, 'image/png'), width: print.width, height: print.height };
  },

  /** Finds damage in a photo (tears too when asked); the mask's buffer is transferred back, not copied. */
  async detect(file: Blob, name: string, onProgress: (p: Progress) => void, tears?: boolean): Promise<{ mask: Mask; coverage: number }> {
    await init();
    onProgress({ stage: 'Reading image', done: 0, total: 1 });
    const image = await decodePhoto(file, name);
    const mask = await detectDamage(image, stageContext(onProgress), tears);
    return Comlink.transfer({ mask, coverage: maskCoverage(mask) }, [mask.data.buffer]);
  },

  /**
   * Looks at a photo and proposes a recipe with a reason per stage (src/stages/auto.ts): the
   * single-photo view opens a photo with these stages on.
   */
  async analyze(file: Blob, name: string, onProgress: (p: Progress) => void = () => undefined): Promise<PhotoAnalysis> {
    await init();
    const image = await decodePhoto(file, name);
    return analyzePhoto(image, stageContext(onProgress));
  },

  /**
   * A copy of a photo an <img> cannot show (TIFF, HEIC), decoded here: a JPEG (PNG when it has
   * transparency), at most 16 MP. `notes` says what the user should know (a multi-page TIFF).
   */
  async openForDisplay(file: Blob, name: string): Promise<{ blob: Blob; notes: string[] }> {
    const notes: string[] = [];
    const image = await decodePhoto(file, name, (n) => notes.push(n));
    // JPEG at 0.92 unless the photo has transparency: a PNG of a 12 MP scan takes seconds more.
    const opaque = image.data.every((v, i) => i % 4 !== 3 || v === 255);
    const blob = (await encodePreview(image)) ?? (await encodeImage(image, opaque ? 'image/jpeg' : 'image/png', 0.92));
    return { blob, notes };
  },

  async restore(file: Blob, name: string, recipe: RecipeRequest, onProgress: (p: Progress) => void, hints: RestoreHints = {}): Promise<RestoreResult> {
    const started = performance.now();
    const { label } = await init();
    onProgress({ stage: 'Reading image', done: 0, total: 1 });
    const inputNotes: StageNote[] = [];
    const decoded = await decodePhoto(file, name, (message) => inputNotes.push({ stage: 'input', skipped: false, message }));
    let image = decoded;
    let captureNote: StageNote | undefined;
    if (hints.findPrint) {
      onProgress({ stage: 'Looking for a print', done: 0, total: 1 });
      ({ image, note: captureNote } = cropToPrint(decoded));
    }
    const steps: StageStep[] = [];
    const stageDone = async ({ stage, output, unchanged, note, last }: StageDone) => {
      const preview = unchanged || last ? undefined : await encodeImage(shrinkToPixels(output, STEP_PREVIEW_PIXELS), 'image/png');
      steps.push({ stage, unchanged, ...(preview ? { preview } : {}), ...(note ? { note } : {}) });
    };
    const outcome = await restoreWith(image, recipe, { ...stageContext(onProgress, hints), ...(hints.steps ? { stageDone } : {}) });
    if (captureNote) outcome.notes.unshift(captureNote);
    const result = outcome.image;
    onProgress({ stage: 'Encoding result', done: 0, total: 1 });
    const blob = await encodeImage(result, 'image/png');
    const preview = await encodePreview(result);
    return {
      blob,
      preview,
      width: result.width,
      height: result.height,
      inputWidth: decoded.width,
      inputHeight: decoded.height,
      backend: wasmFallbacks.size
        ? `${describeBackend({ name: 'wasm', threads: info!.backend.threads })} (WebGPU could not run ${[...wasmFallbacks].join(', ')})`
        : label,
      ms: performance.now() - started,
      recipe: outcome.recipe,
      ...(outcome.analysis ? { analysis: outcome.analysis } : {}),
      notes: [...inputNotes, ...outcome.notes],
      steps,
    };
  },

  /**
   * Opens an ONNX file the user picked (on WASM, which runs every graph) and reports its
   * inputs, outputs and what a small constant image of `probe.channels` channels becomes.
   * Throws a plain message when the bytes are not a model onnxruntime can load.
   */
  async inspectModel(bytes: Uint8Array, probe: { channels: number; range: [number, number]; extraInputs?: ExtraInput[] }): Promise<ModelInspection> {
    await init();
    let session: OrtWeb.InferenceSession;
    try {
      // as it will run: float16 files are seen with the float32 inputs and outputs the app feeds them
      session = await createSession(ort as unknown as OrtModule, bytes, 'wasm') as unknown as OrtWeb.InferenceSession;
    } catch (e) {
      throw new Error(`This file is not an ONNX model (onnxruntime could not load it: ${(e as Error)?.message ?? e}).`);
    }
    try {
      const describe = (names: readonly string[], meta: readonly OrtWeb.InferenceSession.ValueMetadata[] | undefined): ValueInfo[] =>
        names.map((name, i) => {
          const m = meta?.[i];
          return m && m.isTensor ? { name, shape: [...m.shape], type: m.type } : { name, shape: null };
        });
      const inputs = describe(session.inputNames, session.inputMetadata);
      const outputs = describe(session.outputNames, session.outputMetadata);
      const result: ModelInspection = { inputs, outputs };
      const extra = probe.extraInputs ?? [];
      const input = inputs.find((i) => !extra.some((e) => e.name === i.name));
      if (input && inputs.length === 1 + extra.length && (!input.shape || input.shape.length === 4)) {
        const shape = probeShape(input, probe.channels);
        const mid = (probe.range[0] + probe.range[1]) / 2;
        const tensor = new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(mid), shape);
        try {
          const feeds: Record<string, OrtWeb.Tensor> = { [input.name]: tensor };
          for (const e of extra) feeds[e.name] = new ort.Tensor(e.type, new Float64Array([e.value]), [1]);
          const out = await session.run(feeds);
          result.probe = { input: shape, outputs: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v.dims]])) };
        } catch (e) {
          result.probe = { error: String((e as Error)?.message ?? e) };
        }
      }
      return result;
    } finally {
      await session.release().catch(() => undefined);
    }
  },

  /** Re-encodes a finished PNG result as JPEG or WebP for download. */
  async transcode(blob: Blob, type: OutputFormat, quality = 0.92): Promise<Blob> {
    if (type === 'image/png' && blob.type === 'image/png') return blob;
    return encodeImage(await decodeImage(blob, 'the result'), type, quality);
  },
};

export type RestoreWorkerApi = typeof api;
Comlink.expose(api);
