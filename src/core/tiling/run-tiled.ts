/**
 * Runs an image-to-image model over an image of any size: cut into overlapping tiles,
 * run each tile, feather the outputs back together at output resolution.
 * Framework-free: works in a Worker, on the main thread and in Node.
 */
import type { TensorValue } from '../runtime/session';
import type { PlanarImage, RgbaImage } from '../image/types.js';
import { rgbaToPlanar, type ValueRange } from '../tensor/layout.js';
import { BlendAccumulator, tileWeights, type RampShape } from './blend.js';
import { planTiles, type Tile } from './tiles.js';
import { minTileSide, runPaddedIfThin } from './thin-tiles.js';

/** The slice of a model the tiler needs; adapters wrap an ONNX session in this. */
export interface TiledModel {
  /** Output size / input size; must be a positive integer. */
  scale: number;
  /** Square tile edge and overlap, in input pixels. */
  tileSize: number;
  overlap: number;
  inputRange: [number, number];
  outputRange: [number, number];
  run(tile: PlanarImage, signal?: AbortSignal): Promise<PlanarImage>;
  /** Named tensors in, every output out (set for models opened from a session). */
  runTensors?(feeds: Record<string, TensorValue>): Promise<Record<string, { dims: number[]; data: Float32Array }>>;
}

export interface RunTiledOptions {
  signal?: AbortSignal;
  /** Called with (0, total) first, then after every finished tile. */
  onProgress?: (done: number, total: number) => void;
  /** Feathering ramp; raised cosine by default (smoother than linear at the zone ends). */
  ramp?: RampShape;
}

export interface RunTiledRgbOptions extends RunTiledOptions {
  /** Builds a tile's model input; by default the tile's RGB in the model's input range. */
  read?: (tile: Tile) => PlanarImage;
}

/** The error fetch() and friends throw on abort, so callers can handle both the same way. */
export function abortError(): DOMException {
  return new DOMException('Aborted', 'AbortError');
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError();
}

/** True if every pixel is fully opaque, so alpha need not be resampled. */
export function isOpaque(img: RgbaImage): boolean {
  const d = img.data;
  for (let i = 3; i < d.length; i += 4) if (d[i] !== 255) return false;
  return true;
}

/**
 * Bilinearly resizes the alpha channel of `img` to outWidth x outHeight (pixel-centre
 * aligned, like the usual image resizers). Models only see RGB, so alpha is carried this way.
 */
export function resizeAlpha(img: RgbaImage, outWidth: number, outHeight: number): Uint8ClampedArray {
  const { width: w, height: h, data } = img;
  const out = new Uint8ClampedArray(outWidth * outHeight);
  const sx = w / outWidth;
  const sy = h / outHeight;
  for (let y = 0; y < outHeight; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const ty = fy - y0;
    for (let x = 0; x < outWidth; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w - 1);
      const tx = fx - x0;
      const a00 = data[(y0 * w + x0) * 4 + 3]!;
      const a01 = data[(y0 * w + x1) * 4 + 3]!;
      const a10 = data[(y1 * w + x0) * 4 + 3]!;
      const a11 = data[(y1 * w + x1) * 4 + 3]!;
      const top = a00 + (a01 - a00) * tx;
      const bottom = a10 + (a11 - a10) * tx;
      out[y * outWidth + x] = Math.round(top + (bottom - top) * ty);
    }
  }
  return out;
}

export type Backend = 'webgpu' | 'wasm' | (string & {});

/**
 * The largest WASM tile. The detector's 384 px tiles with their 64 px overlap recompute 1.8x
 * fewer pixels than 256 px ones would (1.3x the photo instead of 2.4x), for about 30 MB of
 * activations; heavier models (ESRGAN) ask for 128 px tiles in their manifests anyway.
 */
export const WASM_TILE_CAP = 384;

/**
 * Tile-size policy. WebGPU has the memory and parallelism for bigger tiles (fewer seams,
 * less per-run overhead); WASM runs on the CPU where large tiles just raise peak memory, so
 * it is capped at WASM_TILE_CAP. The result is never bigger than the image's longer side.
 */
export function chooseTileSize(manifestTile: number, backend: Backend, width: number, height: number): number {
  let size = manifestTile;
  if (backend === 'webgpu') size = Math.max(manifestTile, Math.min(manifestTile * 2, 512));
  else size = Math.min(manifestTile, WASM_TILE_CAP);
  // When the tile covers the whole image the overlap no longer matters (single tile per axis).
  return Math.max(1, Math.min(size, Math.max(width, height)));
}

/**
 * The tile loop every tiled model shares: plans tiles over width x height, reads each input
 * tile with `read`, runs the model, feathers its `channels` output planes into a strip that
 * slides down the output, and hands finished rows to `flush` (rows above the next row of
 * tiles are final, since tiles only move down).
 */
export async function tileLoop(
  width: number,
  height: number,
  model: TiledModel,
  channels: number,
  read: (tile: Tile) => PlanarImage,
  flush: (acc: BlendAccumulator, from: number, to: number) => void,
  opts: RunTiledOptions = {},
): Promise<void> {
  const { signal, onProgress, ramp = 'cosine' } = opts;
  const { scale } = model;
  if (!Number.isInteger(scale) || scale < 1) {
    throw new RangeError(`Model scale must be a positive integer for tiling, got ${scale}`);
  }
  throwIfAborted(signal);
  const tiles = planTiles(width, height, model.tileSize, model.overlap);
  const minSide = minTileSide(model.tileSize);
  let acc: BlendAccumulator | undefined;
  onProgress?.(0, tiles.length);

  for (let i = 0; i < tiles.length; i++) {
    throwIfAborted(signal);
    const tile = tiles[i]!;
    if (tile.col === 0) {
      const top = tile.y * scale;
      const rows = tile.height * scale;
      if (acc) flush(acc, acc.y0, top);
      acc = acc ? acc.slideTo(top, rows) : new BlendAccumulator(width * scale, rows, top, channels);
    }
    const output = await runPaddedIfThin(read(tile), scale, minSide, (t) => model.run(t, signal));
    // The model may have finished after an abort; don't spend more time on its result.
    throwIfAborted(signal);
    const ew = tile.width * scale;
    const eh = tile.height * scale;
    if (output.width !== ew || output.height !== eh || output.channels < channels) {
      throw new Error(
        `Model returned a ${output.width}x${output.height}x${output.channels} tile for a ` +
          `${tile.width}x${tile.height} input; expected ${ew}x${eh}x${channels} (scale ${scale})`,
      );
    }
    const { wx, wy } = tileWeights(tile, scale, ramp);
    acc!.add(output, model.outputRange, tile.x * scale, tile.y * scale, wx, wy);
    onProgress?.(i + 1, tiles.length);
  }
  flush(acc!, acc!.y0, height * scale);
}

/** Runs an RGB -> RGB `model` over `image` tile by tile and returns the blended output. */
export async function runTiled(image: RgbaImage, model: TiledModel, opts: RunTiledRgbOptions = {}): Promise<RgbaImage> {
  const outWidth = image.width * model.scale;
  const outHeight = image.height * model.scale;
  const out: RgbaImage = { width: outWidth, height: outHeight, data: new Uint8ClampedArray(outWidth * outHeight * 4) };
  const alpha = isOpaque(image) ? undefined : resizeAlpha(image, outWidth, outHeight);
  await tileLoop(
    image.width,
    image.height,
    model,
    3,
    opts.read ?? ((tile) => rgbaToPlanar(image, tile, model.inputRange)),
    (acc, from, to) => acc.writeRows(out, from, to, alpha),
    opts,
  );
  return out;
}

/**
 * Runs a model with a one-channel output (a mask, a probability map) over any planar input
 * read by `read`, and returns the blended plane in 0..1 of the model's output range.
 */
export async function runTiledToPlane(
  width: number,
  height: number,
  read: (tile: Tile) => PlanarImage,
  model: TiledModel,
  opts: RunTiledOptions = {},
): Promise<Float32Array> {
  const out = new Float32Array(width * model.scale * height * model.scale);
  await tileLoop(width, height, model, 1, read, (acc, from, to) => acc.writePlaneRows(out, from, to), opts);
  return out;
}
