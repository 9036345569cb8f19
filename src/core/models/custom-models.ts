/**
 * Models the user adds from disk: checking an ONNX file against a convention (a preset or a
 * manifest JSON), building its manifest, and keeping it. The bytes go into the ordinary model
 * cache (keyed by sha256, so the loader finds them offline with no download); the manifests go
 * into their own IndexedDB store. Framework-free: the inspection itself (an onnxruntime session)
 * happens in the worker, and everything here also runs in Node.
 */
import { createStore, del, get, set, values, type UseStore } from 'idb-keyval';
import { validateManifest } from './manifest.js';
import type { ModelCache } from './loader.js';
import type { ColorizeConvention, FaceConvention, ModelManifest } from './types.js';

/** One input or output as onnxruntime describes it; shape null when the model does not say. */
export interface ValueInfo {
  name: string;
  shape: (number | string)[] | null;
  type?: string;
}

/** What the worker found in an ONNX file: its inputs, outputs, and a probe run's output sizes. */
export interface ModelInspection {
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  /** A run on a constant 1xCxHxW image (H, W = 8 unless the model fixes them). */
  probe?: { input: number[]; outputs: Record<string, number[]> } | { error: string };
}

export interface ModelPreset {
  id: string;
  label: string;
  task: 'upscale' | 'colorize' | 'face';
  channels: 3;
  /** Output channels when they differ from the input's. */
  outChannels?: number;
  range: [number, number];
  outRange?: [number, number];
  /** Accepted output/input ratios, found by the probe. */
  scales: number[];
  /** Colorize and face models: how their tensors are laid out (src/stages/<stage>/conventions.ts). */
  convention?: ColorizeConvention | FaceConvention;
  /** Inputs besides the image (CodeFormer's fidelity weight), with the value the probe run uses. */
  extraInputs?: ExtraInput[];
  /** The square input side the family is made for (a model fixing another size is refused). */
  size?: number;
}

export interface ExtraInput {
  name: string;
  type: 'float64';
  value: number;
}

export const MODEL_PRESETS: readonly ModelPreset[] = [
  { id: 'upscaler-rgb-01', label: 'Upscaler, RGB [0,1] NCHW (Real-ESRGAN style) x2/x4', task: 'upscale', channels: 3, range: [0, 1], scales: [2, 4] },
  { id: 'upscaler-rgb-0255', label: 'Upscaler, RGB [0,255] NCHW (ESRGAN/UpscalerJS style) x2/x4', task: 'upscale', channels: 3, range: [0, 255], scales: [2, 4] },
  {
    id: 'colorize-ddcolor', label: 'Colorizer, DDColor export (grey RGB [0,1] in, Lab a/b out, 512x512)', task: 'colorize',
    channels: 3, outChannels: 2, range: [0, 1], outRange: [-128, 128], scales: [1], convention: 'ddcolor',
  },
  {
    id: 'colorize-deoldify', label: 'Colorizer, DeOldify export (grey 0-255 in, RGB 0-255 out)', task: 'colorize',
    channels: 3, outChannels: 3, range: [0, 255], outRange: [0, 255], scales: [1], convention: 'deoldify',
  },
  {
    id: 'face-gfpgan', label: 'Face restorer, GFPGAN 1.2-1.4 / RestoreFormer++ / GPEN-512 export (RGB [-1,1], 512x512)', task: 'face',
    channels: 3, range: [-1, 1], scales: [1], convention: 'gfpgan', size: 512,
  },
  {
    id: 'face-codeformer', label: 'Face restorer, CodeFormer export (RGB [-1,1] 512x512 + fidelity weight)', task: 'face',
    channels: 3, range: [-1, 1], scales: [1], convention: 'codeformer', size: 512, extraInputs: [{ name: 'weight', type: 'float64', value: 0.5 }],
  },
  {
    id: 'face-gpen256', label: 'Face restorer, GPEN-BFR-256 export (RGB [-1,1], 256x256)', task: 'face',
    channels: 3, range: [-1, 1], scales: [1], convention: 'gpen', size: 256,
  },
];

/** A file that does not fit: the message is meant for the user as is. */
export class CustomModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CustomModelError';
  }
}

const dims = (shape: readonly (number | string)[]) => shape.map((d) => (typeof d === 'number' && d >= 0 ? String(d) : typeof d === 'string' && d ? d : '?')).join('x');

export interface CheckedModel {
  input: string;
  output: string;
  /** Output size / input size, measured by the probe. */
  scale: number;
  /** The input's height when the model fixes it (DDColor's official export: 512). */
  fixedSize?: number;
}

/**
 * Checks an inspected model against what a convention expects: one 4-D image input with
 * `channels` channels, and (for an upscaler) an output `scale` times the input on both sides.
 */
export function checkInspection(
  inspection: ModelInspection,
  expect: { channels: number; outChannels?: number; scales: number[]; inputName?: string; outputName?: string; extraInputs?: ExtraInput[]; size?: number; what: string },
): CheckedModel {
  const { inputs, outputs } = inspection;
  const input = expect.inputName ? inputs.find((i) => i.name === expect.inputName) : inputs.find((i) => !expect.extraInputs?.some((e) => e.name === i.name));
  if (!input) {
    throw new CustomModelError(
      expect.inputName
        ? `This model has no input named "${expect.inputName}" (it has ${inputs.map((i) => `"${i.name}"`).join(', ') || 'none'}).`
        : 'This model has no inputs.',
    );
  }
  const extra = expect.extraInputs ?? [];
  for (const e of extra) {
    if (!inputs.some((i) => i.name === e.name)) throw new CustomModelError(`This model has no input named "${e.name}", which ${expect.what} expects besides the image.`);
  }
  if (inputs.length !== 1 + extra.length) {
    throw new CustomModelError(`This model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}), but ${expect.what} expects ${extra.length ? `the image and ${extra.map((e) => `"${e.name}"`).join(', ')}` : 'a single image input'}.`);
  }
  if (input.type && input.type !== 'float32') {
    throw new CustomModelError(`This model's input is ${input.type}, but ${expect.what} expects float32.`);
  }
  if (input.shape) {
    if (input.shape.length !== 4) {
      throw new CustomModelError(`This model's input is ${dims(input.shape)}, but ${expect.what} expects 4 dimensions (1x${expect.channels}xHxW, NCHW).`);
    }
    const c = input.shape[1];
    if (typeof c === 'number' && c > 0 && c !== expect.channels) {
      throw new CustomModelError(`This model's input is ${dims(input.shape)}, but ${expect.what} expects ${expect.channels} colour channels (1x${expect.channels}xHxW).`);
    }
  }
  const probe = inspection.probe;
  if (!probe) throw new CustomModelError('The model could not be tried on a test image.');
  if ('error' in probe) throw new CustomModelError(`The model failed on a small ${dims(probeShape(input, expect.channels))} test image: ${probe.error}`);
  const [, , inH, inW] = probe.input as [number, number, number, number];
  const candidates = expect.outputName ? [expect.outputName] : outputs.map((o) => o.name);
  const outChannels = expect.outChannels ?? expect.channels;
  const problems: string[] = [];
  for (const name of candidates) {
    const out = probe.outputs[name];
    if (!out) {
      problems.push(`it has no output named "${name}"`);
      continue;
    }
    if (out.length !== 4 || out[1] !== outChannels) {
      problems.push(`its output "${name}" is ${dims(out)}, not 1x${outChannels}xHxW`);
      continue;
    }
    const sy = out[2]! / inH;
    const sx = out[3]! / inW;
    if (sx !== sy || !expect.scales.includes(sx)) {
      const want = expect.scales.map((s) => `${s}x`).join(' or ');
      problems.push(`it turns a ${inW}x${inH} image into ${out[3]}x${out[2]}, while ${expect.what} expects ${expect.scales.length === 1 && expect.scales[0] === 1 ? 'the same size' : `it enlarged ${want}`}`);
      continue;
    }
    const fixed = input.shape && typeof input.shape[2] === 'number' && input.shape[2] > 0 ? input.shape[2] : undefined;
    if (expect.size && fixed && fixed !== expect.size) {
      throw new CustomModelError(`This model's input is ${dims(input.shape!)}, but ${expect.what} expects 1x${expect.channels}x${expect.size}x${expect.size}.`);
    }
    return { input: input.name, output: name, scale: sx, ...(fixed ? { fixedSize: fixed } : {}) };
  }
  throw new CustomModelError(`This model does not fit ${expect.what}: ${problems.join('; ') || 'it has no outputs'}.`);
}

/** The input shape the worker probes with: 8x8 unless the model fixes its size. */
export function probeShape(input: ValueInfo | undefined, channels: number): number[] {
  const s = input?.shape;
  const at = (i: number, fallback: number) => (s && typeof s[i] === 'number' && (s[i] as number) > 0 ? (s[i] as number) : fallback);
  return [1, at(1, channels), at(2, 8), at(3, 8)];
}

const baseName = (fileName: string) => fileName.replace(/^.*[\\/]/, '').replace(/\.onnx$/i, '') || 'model';

/** The manifest of a file added with a preset. */
export function manifestFromPreset(
  preset: ModelPreset,
  file: { name: string; sha256: string; size: number },
  checked: CheckedModel,
): ModelManifest {
  const id = `user-${file.sha256.slice(0, 12)}`;
  const colorize = preset.task === 'colorize', face = preset.task === 'face';
  const family: Record<string, string> = { ddcolor: 'DDColor', deoldify: 'DeOldify', gfpgan: 'GFPGAN', codeformer: 'CodeFormer', gpen: 'GPEN' };
  return validateManifest({
    id,
    label: colorize || face ? `${baseName(file.name)} (${family[preset.convention!]})` : `${baseName(file.name)} ×${checked.scale}`,
    task: preset.task,
    file: `${id}.onnx`,
    sha256: file.sha256,
    size: file.size,
    input: { name: checked.input, layout: 'NCHW', channels: preset.channels, range: preset.range },
    output: { name: checked.output, layout: 'NCHW', channels: preset.outChannels ?? preset.channels, range: preset.outRange ?? preset.range },
    scale: checked.scale,
    // A colorizer sees the whole photo at once at its input size: the model's own, or 512 (both families' default).
    tile: colorize || face ? { size: checked.fixedSize ?? (preset.convention === 'gpen' ? 256 : 512), overlap: 0 } : { size: 128, overlap: 16 },
    precision: 'fp32',
    source: { description: `Added by the user from ${file.name}` },
    license: 'user-supplied',
    ...(colorize || face ? { convention: preset.convention } : {}),
  });
}

/** Parses and validates a manifest JSON given with the file; it must describe these very bytes. */
export function manifestFromJson(text: string, file: { name: string; sha256: string; size: number }): ModelManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CustomModelError(`The manifest is not valid JSON: ${(e as Error).message}`);
  }
  let m: ModelManifest;
  try {
    m = validateManifest(json);
  } catch (e) {
    throw new CustomModelError((e as Error).message);
  }
  if (m.size !== file.size) throw new CustomModelError(`The manifest says ${m.size} bytes, but ${file.name} has ${file.size}: it describes another file.`);
  if (m.sha256 !== file.sha256) throw new CustomModelError(`The manifest's sha256 (${m.sha256}) does not match ${file.name} (${file.sha256}): it describes another file.`);
  return m;
}

/** What a manifest expects of its file, for checkInspection. */
export function expectationsOf(m: ModelManifest) {
  return { channels: m.input.channels, outChannels: m.output.channels, scales: [m.scale], inputName: m.input.name, outputName: m.output.name, what: `the manifest "${m.id}"` };
}

// ---- storage -----------------------------------------------------------------------------

export const CUSTOM_DB_NAME = 'heirloom-custom-models';
export const CUSTOM_STORE_NAME = 'manifests';

export interface CustomModelStore {
  list(): Promise<ModelManifest[]>;
  get(id: string): Promise<ModelManifest | undefined>;
  put(m: ModelManifest): Promise<void>;
  delete(id: string): Promise<void>;
}

export function createIdbCustomModelStore(dbName = CUSTOM_DB_NAME, storeName = CUSTOM_STORE_NAME): CustomModelStore {
  let store: UseStore | undefined;
  const s = (): UseStore => (store ??= createStore(dbName, storeName));
  const valid = (v: unknown): ModelManifest | undefined => {
    try {
      return validateManifest(v);
    } catch {
      return undefined; // a damaged entry is skipped, not fatal
    }
  };
  return {
    async list() {
      return (await values(s())).map(valid).filter((m): m is ModelManifest => !!m).sort((a, b) => a.label.localeCompare(b.label));
    },
    get: async (id) => valid(await get(id, s())),
    put: (m) => set(m.id, m, s()),
    delete: (id) => del(id, s()),
  };
}

/** Keeps a checked model: bytes in the model cache (by sha256), manifest in the store. */
export async function saveCustomModel(bytes: Uint8Array, manifest: ModelManifest, deps: { store: CustomModelStore; cache: ModelCache }): Promise<void> {
  await deps.cache.set(manifest.sha256, bytes);
  await deps.store.put(manifest);
}

/**
 * Forgets a user model: its manifest, and its bytes unless another manifest (built-in or
 * added) uses the same file.
 */
export async function removeCustomModel(id: string, deps: { store: CustomModelStore; cache: ModelCache; builtIn: readonly ModelManifest[] }): Promise<void> {
  const m = await deps.store.get(id);
  await deps.store.delete(id);
  if (!m) return;
  const others = [...deps.builtIn, ...(await deps.store.list())];
  if (!others.some((o) => o.sha256 === m.sha256)) await deps.cache.delete(m.sha256);
}

/** The user's models for a stage that picks its pre/post-processing by convention (colorize, face). */
export async function listCustomModels(task: 'colorize' | 'face', store: CustomModelStore = createIdbCustomModelStore()): Promise<ModelManifest[]> {
  if (typeof indexedDB === 'undefined') return [];
  try {
    return (await store.list()).filter((m) => m.task === task && !!m.convention);
  } catch {
    return [];
  }
}

/** The custom upscalers, for the Upscale stage's model choice (empty where IndexedDB is missing). */
export async function listCustomUpscalers(store: CustomModelStore = createIdbCustomModelStore()): Promise<ModelManifest[]> {
  if (typeof indexedDB === 'undefined') return [];
  try {
    return (await store.list()).filter((m) => m.task === 'upscale' && m.input.channels === 3 && m.output.channels === 3);
  } catch {
    return [];
  }
}
