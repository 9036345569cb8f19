import type { RgbaImage } from '../../core/image/types';
import { thresholdPlane, type Mask } from '../../core/image/mask';
import { boxDownscale } from '../../core/image/resize';
import type { StageContext } from '../../core/pipeline/stage';
import { progressReporter } from '../../core/pipeline/progress';
import { rgbaToPlanar } from '../../core/tensor/layout';
import { runTiledToPlane } from '../../core/tiling/run-tiled';
import { repairModel } from './meta';

/**
 * Runs a repair probability model (the marks detector, the tears net) on `image` box-shrunk by
 * `factor` and thresholds its map where the model's manifest says: the mask at the shrunk size,
 * and the shrunk copy it was found on.
 */
export async function shrunkProbabilityMask(
  image: RgbaImage,
  task: 'repair-detect' | 'repair-tears',
  factor: number,
  label: string,
  ctx: StageContext,
): Promise<{ mask: Mask; small: RgbaImage }> {
  const manifest = repairModel(task);
  const model = await ctx.loadModel(manifest);
  const small = boxDownscale(image, factor);
  const plane = await runTiledToPlane(small.width, small.height, (t) => rgbaToPlanar(small, t, manifest.input.range), model, {
    signal: ctx.signal,
    onProgress: progressReporter(label, ctx.progress),
  });
  return { mask: thresholdPlane(plane, small.width, small.height, manifest.threshold ?? 0.5), small };
}
