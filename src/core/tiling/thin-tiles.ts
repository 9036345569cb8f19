/**
 * Thin tiles: a convolutional network pads its input with zeros at every layer, so pixels
 * within its receptive field of a tile edge are pulled towards black. Overlap and feathering
 * hide that between tiles, but across a tile a few pixels thin (a 1 or 2 px wide image) no
 * pixel is free of it: a 1x512 strip came back near-black. Such tiles are grown with
 * replicated edges before the model runs, and the model's output is cropped back.
 */
import type { PlanarImage } from '../image/types';

/**
 * The thinnest tile side a model sees (at most the tile size). On the shipped upscalers 16, 32
 * and 64 px give the same colours (within 0.1 level) on 1 and 2 px strips; more would only cost
 * time and change small photos' borders (a 40x30 photo is not padded).
 */
export const MIN_TILE_SIDE = 16;

export function minTileSide(tileSize: number): number {
  return Math.min(tileSize, MIN_TILE_SIDE);
}

/** `img` grown to at least minSide on each axis, centred, edge pixels replicated; and where it sits. */
export function padThin(img: PlanarImage, minSide: number): { padded: PlanarImage; left: number; top: number } {
  const width = Math.max(img.width, minSide);
  const height = Math.max(img.height, minSide);
  if (width === img.width && height === img.height) return { padded: img, left: 0, top: 0 };
  const left = (width - img.width) >> 1;
  const top = (height - img.height) >> 1;
  const data = new Float32Array(img.channels * width * height);
  for (let c = 0; c < img.channels; c++) {
    const src = c * img.width * img.height;
    const dst = c * width * height;
    for (let y = 0; y < height; y++) {
      const sy = Math.min(img.height - 1, Math.max(0, y - top));
      for (let x = 0; x < width; x++) {
        const sx = Math.min(img.width - 1, Math.max(0, x - left));
        data[dst + y * width + x] = img.data[src + sy * img.width + sx]!;
      }
    }
  }
  return { padded: { width, height, channels: img.channels, data }, left, top };
}

/** The width x height window of `img` at (left, top). */
export function cropPlanar(img: PlanarImage, left: number, top: number, width: number, height: number): PlanarImage {
  if (left === 0 && top === 0 && width === img.width && height === img.height) return img;
  const data = new Float32Array(img.channels * width * height);
  for (let c = 0; c < img.channels; c++) {
    for (let y = 0; y < height; y++) {
      const from = c * img.width * img.height + (top + y) * img.width + left;
      data.set(img.data.subarray(from, from + width), c * width * height + y * width);
    }
  }
  return { width, height, channels: img.channels, data };
}

/** Runs `run` on `input`, padded first when it is thinner than minSide, and crops the output (x scale) back. */
export async function runPaddedIfThin(
  input: PlanarImage,
  scale: number,
  minSide: number,
  run: (tile: PlanarImage) => Promise<PlanarImage>,
): Promise<PlanarImage> {
  const { padded, left, top } = padThin(input, minSide);
  if (padded === input) return run(input);
  const out = await run(padded);
  if (out.width !== padded.width * scale || out.height !== padded.height * scale) return out; // the caller reports the mismatch
  return cropPlanar(out, left * scale, top * scale, input.width * scale, input.height * scale);
}
