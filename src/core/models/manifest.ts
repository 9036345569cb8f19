/**
 * Runtime validation of model manifests. Manifests arrive as JSON (fetched or read from
 * disk), so nothing about their shape can be trusted; every problem is reported with the
 * field path and what is wrong, so a broken manifest is fixed in one look.
 */
import { COLORIZE_CONVENTIONS, FACE_CONVENTIONS, type ModelManifest, type TensorSpec } from './types.js';

export const MODEL_TASKS = ['upscale', 'repair-detect', 'repair-tears', 'inpaint', 'denoise', 'face', 'face-detect', 'face-landmarks', 'face-recognize', 'colorize'] as const;
export const MODEL_PRECISIONS = ['fp32', 'fp16', 'int8'] as const;

/** Thrown for an invalid manifest; `field` is the dotted path of the offending field. */
export class ManifestError extends Error {
  readonly field: string;
  constructor(field: string, problem: string, id?: string) {
    super(`Invalid model manifest${id ? ` "${id}"` : ''}: field "${field}" ${problem}`);
    this.name = 'ManifestError';
    this.field = field;
  }
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** Validates an unknown value and returns a clean, typed copy (unknown extra keys dropped). */
export function validateManifest(x: unknown): ModelManifest {
  if (!isObj(x)) throw new ManifestError('(root)', `must be an object, got ${show(x)}`);
  const id = typeof x.id === 'string' && x.id ? x.id : undefined;
  const fail = (field: string, problem: string, value: unknown): never => {
    throw new ManifestError(field, `${problem}, got ${show(value)}`, id);
  };

  const str = (o: Obj, key: string, path = key): string => {
    const v = o[key];
    if (typeof v !== 'string' || v.trim() === '') fail(path, 'is missing or not a non-empty string', v);
    return v as string;
  };
  const optStr = (o: Obj, key: string, path = key): string | undefined =>
    o[key] === undefined ? undefined : str(o, key, path);
  const oneOf = <T extends string>(o: Obj, key: string, allowed: readonly T[]): T => {
    const v = o[key];
    if (!allowed.includes(v as T)) fail(key, `must be one of ${allowed.join(', ')}`, v);
    return v as T;
  };
  const posInt = (o: Obj, key: string, path: string): number => {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) fail(path, 'must be a positive integer', v);
    return v as number;
  };
  const obj = (o: Obj, key: string, path = key): Obj => {
    const v = o[key];
    if (!isObj(v)) fail(path, 'is missing or not an object', v);
    return v as Obj;
  };

  const tensor = (key: 'input' | 'output'): TensorSpec => {
    const t = obj(x, key);
    const range = t.range;
    if (
      !Array.isArray(range) || range.length !== 2 ||
      !range.every((n) => typeof n === 'number' && Number.isFinite(n)) || !(range[0] < range[1])
    ) {
      fail(`${key}.range`, 'must be two finite numbers [lo, hi] with lo < hi', range);
    }
    if (t.layout !== 'NCHW') fail(`${key}.layout`, 'must be "NCHW"', t.layout);
    return {
      name: str(t, 'name', `${key}.name`),
      layout: 'NCHW',
      channels: posInt(t, 'channels', `${key}.channels`),
      range: [(range as number[])[0]!, (range as number[])[1]!],
    };
  };

  const validId = str(x, 'id');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(validId)) {
    fail('id', 'must contain only letters, digits, ".", "_" or "-" (it is used in cache keys and URLs)', validId);
  }
  const label = str(x, 'label');
  const task = oneOf(x, 'task', MODEL_TASKS);
  const file = str(x, 'file');
  if (file.split(/[\\/]/).includes('..') || /^[a-z]+:/i.test(file) || file.startsWith('/')) {
    fail('file', 'must be a relative path inside the model directory (no "..", "/" prefix or URL scheme)', file);
  }
  const sha256 = x.sha256;
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
    fail('sha256', 'must be 64 lower-case hex characters', sha256);
  }
  const size = posInt(x, 'size', 'size');
  const input = tensor('input');
  const output = tensor('output');
  const scale = x.scale;
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) {
    fail('scale', 'must be a positive number', scale);
  }
  const tile = obj(x, 'tile');
  const tileSize = posInt(tile, 'size', 'tile.size');
  const overlap = tile.overlap;
  if (typeof overlap !== 'number' || !Number.isInteger(overlap) || overlap < 0) {
    fail('tile.overlap', 'must be a non-negative integer', overlap);
  }
  if ((overlap as number) >= tileSize) {
    fail('tile.overlap', `must be smaller than tile.size (${tileSize})`, overlap);
  }
  const precision = oneOf(x, 'precision', MODEL_PRECISIONS);
  const source = obj(x, 'source');
  const license = str(x, 'license');

  const manifest: ModelManifest = {
    id: validId,
    label,
    task,
    file,
    sha256: sha256 as string,
    size,
    input,
    output,
    scale: scale as number,
    tile: { size: tileSize, overlap: overlap as number },
    precision,
    source: { description: str(source, 'description', 'source.description') },
    license,
  };
  for (const key of ['package', 'version', 'url'] as const) {
    const v = optStr(source, key, `source.${key}`);
    if (v !== undefined) manifest.source[key] = v;
  }
  const card = optStr(x, 'card');
  if (card !== undefined) manifest.card = card;
  if (x.threshold !== undefined) {
    if (typeof x.threshold !== 'number' || !(x.threshold > 0 && x.threshold < 1)) fail('threshold', 'must be a number between 0 and 1', x.threshold);
    manifest.threshold = x.threshold as number;
  }
  if (task === 'colorize') manifest.convention = oneOf(x, 'convention', COLORIZE_CONVENTIONS);
  else if (task === 'face') manifest.convention = oneOf(x, 'convention', FACE_CONVENTIONS);
  else if (x.convention !== undefined) fail('convention', 'is only for colorize and face models', x.convention);
  return manifest;
}

/**
 * The folder under `models/` a task's files are shipped in. The repair stage trains and ships
 * its detector, inpainter and denoiser together, so they share one folder.
 */
export function modelFolder(task: ModelManifest['task']): string {
  if (task === 'repair-detect' || task === 'repair-tears' || task === 'inpaint' || task === 'denoise') return 'repair';
  return task.startsWith('face') ? 'face' : task;
}

/** The folder a shipped model's file is served from, relative to the app's base URL ("models/face/"). */
export function shippedModelDir(task: ModelManifest['task']): string {
  return `models/${modelFolder(task)}/`;
}

/** Where a shipped model's file is served, relative to the app's base URL ("models/face/face-detector.onnx"). */
export function shippedModelPath(m: Pick<ModelManifest, 'task' | 'file'>): string {
  return shippedModelDir(m.task) + m.file;
}

/**
 * A model the user added, named by a recipe as `custom:<id>` (its manifest travels with the
 * recipe, or is among `all`). Recipes cross into the worker from outside: it is re-validated and
 * must serve `task`; `what` names the task for the message ("an upscaler").
 */
export function customModel(id: string, carried: ModelManifest | undefined, all: readonly ModelManifest[], task: ModelManifest['task'], what: string): ModelManifest {
  const m = [carried, ...all].find((x) => x?.id === id);
  if (!m) throw new Error(`The model "${id}" is not installed: add it again in Models.`);
  const valid = validateManifest(m);
  if (valid.task !== task) throw new Error(`The model "${id}" is not ${what}.`);
  return valid;
}

/**
 * A shipped model can come as up to three files, all with the same inputs and outputs: "<id>"
 * (fp32), "<id>-fp16" (fp16 weights, rewritten to a float32 graph when opened,
 * src/core/models/fp16-upcast.ts, so it runs as fast at half the download) and "<id>-int8"
 * (static int8, models/quantize_int8.py: onnxruntime fuses it into QLinearConv, about 2x faster
 * on WASM, 1.2-1.7x faster, at a third of the download). The app loads the first of these that exists.
 */
export const LOAD_ORDER = ['int8', 'fp16', 'fp32'] as const;

/** The model a file is a copy of ("heirloom-sr-x2-int8" -> "heirloom-sr-x2"). */
export const baseModelId = (m: Pick<ModelManifest, 'id'>) => m.id.replace(/-(fp16|int8)$/, '');

const copyId = (base: string, precision: ModelManifest['precision']) => base + (precision === 'fp32' ? '' : `-${precision}`);

/** The copy of model `base` (an id without suffix) the app loads, by LOAD_ORDER; `skip` precisions are passed over. */
export function preferredCopy(all: readonly ModelManifest[], base: string, skip: readonly ModelManifest['precision'][] = []): ModelManifest | undefined {
  for (const p of LOAD_ORDER) {
    const m = skip.includes(p) ? undefined : all.find((x) => x.id === copyId(base, p) && x.precision === p);
    if (m) return m;
  }
  return undefined;
}

/**
 * The copy to load on WebGPU: int8 gains nothing there (onnxruntime's QDQ fusion is for the CPU;
 * the GPU would dequantize and run float convolutions plus the extra Q/DQ passes), so an int8
 * file gives way to its fp16 or fp32 copy. Other files, and int8 files without a float copy, stay.
 */
export function floatCopy(m: ModelManifest, all: readonly ModelManifest[]): ModelManifest {
  return m.precision === 'int8' ? (preferredCopy(all, baseModelId(m), ['int8']) ?? m) : m;
}

/** The shipped model for a task: its file that comes first in LOAD_ORDER (int8, else fp16 weights, else fp32). */
export function shippedModel(all: readonly ModelManifest[], task: ModelManifest['task']): ModelManifest | undefined {
  const rank = (m: ModelManifest) => LOAD_ORDER.indexOf(m.precision);
  return all.filter((m) => m.task === task).sort((a, b) => rank(a) - rank(b))[0];
}
