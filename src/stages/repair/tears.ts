import type { RgbaImage } from '../../core/image/types';
import { dilateMask, labelRegions, type Mask } from '../../core/image/mask';
import type { StageContext } from '../../core/pipeline/stage';
import { repairMeta } from './meta';
import { shrunkProbabilityMask } from './probability-mask';

/**
 * Torn corners and missing edges are large: the tears net sees the whole photo shrunk so its long
 * side is at most `tearsLongSide` (as it was trained: the tear is a tenth to a third of the picture),
 * and the coarse mask is then fitted to the tear's edge at full size by colour (refineTears).
 */
export async function detectTears(image: RgbaImage, ctx: StageContext): Promise<Mask> {
  const factor = tearsFactor(image.width, image.height);
  const { mask: coarse, small } = await shrunkProbabilityMask(image, 'repair-tears', factor, 'Finding tears', ctx);
  return dilateMask(refineTears(image, small, coarse, factor), repairMeta.dilate);
}

/** The integer shrink factor that brings the long side to at most repairMeta.tearsLongSide. */
export function tearsFactor(width: number, height: number): number {
  return Math.max(1, Math.ceil(Math.max(width, height) / repairMeta.tearsLongSide));
}

/** A full-size pixel next to a tear joins it when no channel differs from the tear's colour by more. */
export const TEAR_COLOUR_TOLERANCE = 32;
/** Coarse regions smaller than this share of the shrunk photo are not tears (a tear is 1-35 %). */
export const MIN_TEAR_SHARE = 0.002;
/**
 * Only paper shows through a tear here: a region darker than this (mean of R, G, B, 0-255) is left
 * alone. The net also learned dark backing, but dark corners, shadows and studio backdrops are
 * common in old photos and it cannot yet tell them apart (the card's damage-free figures).
 */
export const MIN_TEAR_BRIGHTNESS = 150;

/**
 * Coarse tear mask (found on `small`, a boxDownscale(image, factor) copy) -> full-size mask. A cell
 * deep inside a region (all 8 neighbours marked; the photo's border counts as marked, since tears
 * run off the edge) is torn whole; the cells on and just outside its edge keep only the pixels
 * whose colour matches the region's (the mean of its deep cells): a tear is flat paper or backing,
 * so its ragged edge is found at full resolution while a coarse cell may be 20 px wide. Regions
 * without a deep cell, smaller than MIN_TEAR_SHARE or darker than MIN_TEAR_BRIGHTNESS are dropped.
 * Python's models/repair/common.refine_tears is the same rule (evaluation and tests use it).
 */
export function refineTears(image: RgbaImage, small: RgbaImage, coarse: Mask, factor: number): Mask {
  const { width: cw, height: ch } = coarse;
  // near: on or next to a marked cell; deep: no unmarked cell around it (off the photo counts as marked)
  const near = dilateMask(coarse, 1);
  const unmarkedNear = dilateMask({ width: cw, height: ch, data: coarse.data.map((v) => (v ? 0 : 255)) }, 1);
  const deep = unmarkedNear.data.map((v) => (v ? 0 : 1));
  // regions of the cells near a tear, with their deep cells' mean colour
  const { labels, count } = labelRegions(near);
  const sums = new Float64Array(count * 5); // deep cells, R, G, B, marked cells
  for (let c = 0; c < cw * ch; c++) {
    const id = labels[c]!;
    if (id < 0) continue;
    if (coarse.data[c]) sums[id * 5 + 4]++;
    if (!deep[c]) continue;
    sums[id * 5]++;
    for (let k = 0; k < 3; k++) sums[id * 5 + 1 + k] += small.data[c * 4 + k]!;
  }
  const colours = Array.from({ length: count }, (_, id) => {
    const n = sums[id * 5]!, marked = sums[id * 5 + 4]!;
    const col = { r: sums[id * 5 + 1]! / Math.max(1, n), g: sums[id * 5 + 2]! / Math.max(1, n), b: sums[id * 5 + 3]! / Math.max(1, n) };
    const bright = (col.r + col.g + col.b) / 3 >= MIN_TEAR_BRIGHTNESS;
    return { ...col, keep: n > 0 && bright && marked >= MIN_TEAR_SHARE * cw * ch };
  });
  const { width: w, height: h } = image;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const cy = Math.floor(y / factor);
    for (let x = 0; x < w; x++) {
      const c = cy * cw + Math.floor(x / factor);
      const id = labels[c]!;
      if (id < 0 || !colours[id]!.keep) continue;
      if (deep[c]) {
        out[y * w + x] = 255;
        continue;
      }
      const i = (y * w + x) * 4, col = colours[id]!;
      const d = Math.max(Math.abs(image.data[i]! - col.r), Math.abs(image.data[i + 1]! - col.g), Math.abs(image.data[i + 2]! - col.b));
      if (d <= TEAR_COLOUR_TOLERANCE) out[y * w + x] = 255;
    }
  }
  return { width: w, height: h, data: out };
}
