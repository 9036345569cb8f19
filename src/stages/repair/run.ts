import type { RgbaImage, PlanarImage } from '../../core/image/types';
import { dilateMask, maskCoverage, type Mask } from '../../core/image/mask';
import { upscaleMask } from '../../core/image/resize';
import type { StageContext, StageRunner } from '../../core/pipeline/stage';
import { progressReporter } from '../../core/pipeline/progress';
import { rgbaToPlanar } from '../../core/tensor/layout';
import { runTiled, type TiledModel } from '../../core/tiling/run-tiled';
import { NO_DAMAGE, repairDefaults, repairMeta, repairModel, type RepairOptions } from './meta';
import { shrunkProbabilityMask } from './probability-mask';
import { holeHint, hintAt } from './hole-hint';
import { detectTears } from './tears';
import { patchFillLargeHoles } from './patch-fill';

/**
 * Finds damage: marks (scratches, dust, creases, cracks: findMarks) and, when asked, torn or
 * missing areas (detectTears).
 */
export async function detectDamage(image: RgbaImage, ctx: StageContext, tears: boolean = repairDefaults.tears): Promise<Mask> {
  const marks = await findMarks(image, ctx);
  if (!tears) return marks;
  const torn = await detectTears(image, ctx);
  for (let i = 0; i < marks.data.length; i++) marks.data[i] = marks.data[i]! | torn.data[i]!;
  return marks;
}

/**
 * Finds marks: the detector's probability map at the threshold its card calibrated for precision
 * (a false alarm repaints good content, which is worse than a missed speck), grown a little.
 * Large scans are searched on a box-shrunk copy: damage on a 6000 px scan is several times wider
 * than the forge damage the detector learned from, and the search stays within seconds.
 */
export async function findMarks(image: RgbaImage, ctx: StageContext): Promise<Mask> {
  const factor = detectionFactor(image.width, image.height);
  const { mask: found } = await shrunkProbabilityMask(image, 'repair-detect', factor, 'Finding damage', ctx);
  return dilateMask(upscaleMask(found, factor, image.width, image.height), repairMeta.dilate * factor);
}

/** The integer shrink factor that brings the long side to at most repairMeta.detectLongSide. */
export function detectionFactor(width: number, height: number): number {
  return Math.max(1, Math.ceil(Math.max(width, height) / repairMeta.detectLongSide));
}

/**
 * Fills the masked pixels; every pixel outside the mask is returned unchanged. The network fills
 * them all; with `texture`, large holes (torn corners, missing patches) are then rebuilt from the
 * photo's own patches, where the network leaves a smooth smear (patchFillLargeHoles).
 */
export async function inpaint(image: RgbaImage, mask: Mask, ctx: StageContext, texture: boolean = repairDefaults.texture): Promise<RgbaImage> {
  const filled = await networkFill(image, mask, ctx);
  if (filled === image || !texture) return filled;
  return patchFillLargeHoles(filled, mask, { signal: ctx.signal, onProgress: progressReporter('Rebuilding large holes', ctx.progress) });
}

/** The inpainting network's fill of the masked pixels, tile by tile; the rest unchanged. */
export async function networkFill(image: RgbaImage, mask: Mask, ctx: StageContext): Promise<RgbaImage> {
  if (mask.width !== image.width || mask.height !== image.height) {
    throw new Error(`The damage mask is ${mask.width}x${mask.height} but the photo is ${image.width}x${image.height}`);
  }
  if (maskCoverage(mask) === 0) return image;
  const manifest = repairModel('inpaint');
  const model = await ctx.loadModel(manifest);
  const [lo, hi] = manifest.input.range;
  const hint = holeHint(image, mask, repairMeta.hintLongSide);
  const filled = await runTiled(image, skipUndamagedTiles(model), {
    signal: ctx.signal,
    onProgress: progressReporter('Rebuilding damaged areas', ctx.progress),
    // The network sees the photo with the hint of the whole photo in the holes (it counts only
    // where a tile has nothing known nearby: see holeHint), plus the mask as a fourth channel.
    read: (t): PlanarImage => {
      const rgb = rgbaToPlanar(image, t, manifest.input.range);
      const plane = t.width * t.height;
      const data = new Float32Array(plane * 4);
      const guess = new Float32Array(3);
      for (let y = 0; y < t.height; y++)
        for (let x = 0; x < t.width; x++) {
          const i = y * t.width + x;
          const hole = mask.data[(t.y + y) * mask.width + t.x + x]! > 0;
          if (hole) hintAt(hint, t.x + x, t.y + y, guess);
          for (let c = 0; c < 3; c++) data[c * plane + i] = hole ? lo + (hi - lo) * guess[c]! : rgb.data[c * plane + i]!;
          data[3 * plane + i] = hole ? hi : lo;
        }
      return { width: t.width, height: t.height, channels: 4, data };
    },
  });
  const out = new Uint8ClampedArray(image.data);
  for (let i = 0; i < mask.data.length; i++) {
    if (!mask.data[i]) continue;
    const o = i * 4;
    out[o] = filled.data[o]!;
    out[o + 1] = filled.data[o + 1]!;
    out[o + 2] = filled.data[o + 2]!;
  }
  return { width: image.width, height: image.height, data: out };
}

/**
 * Tiles without a single masked pixel come back as their own RGB without running the network:
 * damage usually covers a few per cent of a photo, so most tiles of a large scan are skipped.
 * (Only masked pixels are taken from the result anyway.)
 */
function skipUndamagedTiles(model: TiledModel): TiledModel {
  const [lo, hi] = model.inputRange;
  if (lo !== model.outputRange[0] || hi !== model.outputRange[1]) return model; // RGB could not pass through as is
  return {
    ...model,
    run: (tile, signal) => {
      const plane = tile.width * tile.height;
      const maskPlane = tile.data.subarray(3 * plane, 4 * plane);
      if (maskPlane.some((v) => v !== lo)) return model.run(tile, signal);
      return Promise.resolve({ width: tile.width, height: tile.height, channels: 3, data: tile.data.slice(0, 3 * plane) });
    },
  };
}

export const runRepair: StageRunner<RepairOptions> = async (image, options, ctx) => {
  const mask = options.mask ?? (options.detect ? await detectDamage(image, ctx, options.tears ?? repairDefaults.tears) : undefined);
  if (!mask || maskCoverage(mask) === 0) {
    // nothing found (or an empty mask): the photo comes back as it was, and the progress says why
    ctx.progress({ stage: NO_DAMAGE, done: 1, total: 1 });
    ctx.note?.({ stage: 'repair', skipped: true, message: 'no damage found: left as it is' });
    return image;
  }
  return inpaint(image, mask, ctx, options.texture ?? repairDefaults.texture);
};
