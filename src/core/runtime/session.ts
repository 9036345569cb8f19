import type { PlanarImage } from '../image/types';
import type { ModelManifest } from '../models/types';
import type { BackendName } from './capabilities';
import { chooseTileSize, type TiledModel } from '../tiling/run-tiled';
import { upcastFp16Weights } from '../models/fp16-upcast';

/**
 * The slice of the onnxruntime API we use. Passing the module in keeps the core free of
 * a hard dependency: the browser hands in onnxruntime-web, Node and tests onnxruntime-node.
 */
export interface OrtTensor {
  readonly dims: readonly number[];
  readonly data: unknown;
  dispose?(): void;
}
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}
export interface OrtModule {
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32' | 'float64', data: Float32Array | Float64Array, dims: readonly number[]) => OrtTensor;
}

/**
 * Creates a session on the requested execution provider ('cpu' for onnxruntime-node); the
 * caller decides about fallbacks. `extra` carries runtime-specific options (thread counts).
 * fp16-weight files become float32 graphs first (once, here), so they run as fast as fp32 files.
 */
export async function createSession(
  ort: OrtModule,
  bytes: Uint8Array,
  backend: BackendName | 'cpu',
  extra: Record<string, unknown> = {},
): Promise<OrtSession> {
  return ort.InferenceSession.create(upcastFp16Weights(bytes).bytes, {
    executionProviders: [backend],
    graphOptimizationLevel: 'all',
    // Errors only: onnxruntime-web prints its warnings (e.g. "some nodes were not assigned to the
    // preferred execution providers", normal on WebGPU) through console.error.
    logSeverityLevel: 3,
    ...extra,
  });
}

/** A tensor going into or coming out of `runTensors` (float32 out, copied off the runtime's heap). */
export interface TensorValue {
  type?: 'float32' | 'float64';
  data: Float32Array | Float64Array;
  dims: readonly number[];
}

/** Wraps a session as a model the tiler can drive, with the manifest's tiling and ranges. */
export function tiledModelFor(ort: OrtModule, session: OrtSession, m: ModelManifest, backend: BackendName | 'cpu'): TiledModel {
  return {
    scale: m.scale,
    tileSize: chooseTileSize(m.tile.size, backend, Infinity, Infinity),
    overlap: m.tile.overlap,
    inputRange: m.input.range,
    outputRange: m.output.range,
    run: (tile) => runPlanar(ort, session, m, tile),
    runTensors: (feeds) => runTensors(ort, session, feeds),
  };
}

/** Any feeds in, every output out: for models that are not image-to-image (detectors, landmarks, CodeFormer's weight). */
export async function runTensors(ort: OrtModule, session: OrtSession, feeds: Record<string, TensorValue>): Promise<Record<string, { dims: number[]; data: Float32Array }>> {
  const inputs = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor(v.type ?? 'float32', v.data, v.dims)]));
  const outputs = await session.run(inputs);
  const result: Record<string, { dims: number[]; data: Float32Array }> = {};
  for (const [k, t] of Object.entries(outputs)) {
    result[k] = { dims: [...t.dims], data: new Float32Array(t.data as Float32Array) };
    t.dispose?.();
  }
  for (const t of Object.values(inputs)) t.dispose?.();
  return result;
}

/** Runs one planar RGB tile through a session, checking the output shape against the manifest's scale. */
export async function runPlanar(ort: OrtModule, session: OrtSession, manifest: ModelManifest, tile: PlanarImage): Promise<PlanarImage> {
  const input = new ort.Tensor('float32', tile.data, [1, tile.channels, tile.height, tile.width]);
  const outputs = await session.run({ [manifest.input.name]: input });
  const out = outputs[manifest.output.name];
  if (!out) throw new Error(`Model ${manifest.id} returned no "${manifest.output.name}" output`);
  const [, c, h, w] = out.dims;
  if (h !== tile.height * manifest.scale || w !== tile.width * manifest.scale) {
    throw new Error(`Model ${manifest.id} returned ${w}x${h} for a ${tile.width}x${tile.height} tile; expected x${manifest.scale}`);
  }
  // Copy out of ORT-owned memory (WASM heap views are invalidated by the next run).
  const data = new Float32Array(out.data as Float32Array);
  input.dispose?.();
  out.dispose?.();
  return { width: w, height: h, channels: c, data };
}
