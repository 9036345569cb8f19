/**
 * Conversions between the DOM-style interleaved RGBA bytes we decode images into and the
 * planar (CHW) float tensors ONNX models read and write. Alpha never reaches a model.
 */
import type { PlanarImage, RgbaImage } from '../image/types.js';

/** A pixel rectangle inside an image; integer coordinates, width/height >= 1. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A model's numeric range, e.g. [0, 1] or [0, 255]; lo < hi. */
export type ValueRange = readonly [number, number];

/** Checks a rect lies inside an image, so the copy loops can skip bounds checks. */
export function assertRectInside(rect: Rect, width: number, height: number): void {
  const ok =
    Number.isInteger(rect.x) && Number.isInteger(rect.y) &&
    Number.isInteger(rect.width) && Number.isInteger(rect.height) &&
    rect.x >= 0 && rect.y >= 0 && rect.width >= 1 && rect.height >= 1 &&
    rect.x + rect.width <= width && rect.y + rect.height <= height;
  if (!ok) {
    throw new RangeError(
      `Rect ${JSON.stringify(rect)} is not an integer rectangle inside a ${width}x${height} image`,
    );
  }
}

/**
 * Copies the RGB channels of `rect` out of `img` into a 3-channel planar tile, mapping
 * 0..255 linearly onto `range` (what the model expects).
 */
export function rgbaToPlanar(
  img: RgbaImage,
  rect: Rect = { x: 0, y: 0, width: img.width, height: img.height },
  range: ValueRange = [0, 1],
): PlanarImage {
  assertRectInside(rect, img.width, img.height);
  const [lo, hi] = range;
  const k = (hi - lo) / 255;
  const { width, height } = rect;
  const plane = width * height;
  const out = new Float32Array(plane * 3);
  const src = img.data;
  for (let y = 0; y < height; y++) {
    let s = ((rect.y + y) * img.width + rect.x) * 4;
    let d = y * width;
    for (let x = 0; x < width; x++, s += 4, d++) {
      out[d] = lo + src[s]! * k;
      out[d + plane] = lo + src[s + 1]! * k;
      out[d + 2 * plane] = lo + src[s + 2]! * k;
    }
  }
  return { width, height, channels: 3, data: out };
}

/** Maps one model-range value to an 8-bit channel value, rounding and clamping. */
export function toByte(value: number, range: ValueRange): number {
  const [lo, hi] = range;
  const v = Math.round(((value - lo) * 255) / (hi - lo));
  // NaN (a broken model output) becomes 0 rather than poisoning the image.
  return v > 255 ? 255 : v >= 0 ? v : 0;
}

/**
 * Writes a planar RGB tile (values in `range`) into `dst` at (dx, dy), rounding and
 * clamping to 0..255. Alpha in `dst` is left untouched.
 */
export function writePlanarToRgba(
  tile: PlanarImage,
  range: ValueRange,
  dst: RgbaImage,
  dx = 0,
  dy = 0,
): void {
  if (tile.channels < 3) throw new RangeError(`Expected an RGB tile, got ${tile.channels} channel(s)`);
  assertRectInside({ x: dx, y: dy, width: tile.width, height: tile.height }, dst.width, dst.height);
  const plane = tile.width * tile.height;
  const src = tile.data;
  const out = dst.data;
  for (let y = 0; y < tile.height; y++) {
    let s = y * tile.width;
    let d = ((dy + y) * dst.width + dx) * 4;
    for (let x = 0; x < tile.width; x++, s++, d += 4) {
      out[d] = toByte(src[s]!, range);
      out[d + 1] = toByte(src[s + plane]!, range);
      out[d + 2] = toByte(src[s + 2 * plane]!, range);
    }
  }
}

/** Converts a whole planar RGB image (values in `range`) to an opaque RGBA image. */
export function planarToRgba(tile: PlanarImage, range: ValueRange = [0, 1]): RgbaImage {
  const dst: RgbaImage = {
    width: tile.width,
    height: tile.height,
    data: new Uint8ClampedArray(tile.width * tile.height * 4).fill(255),
  };
  writePlanarToRgba(tile, range, dst, 0, 0);
  return dst;
}
