import type { StageRunner } from '../../core/pipeline/stage';
import { progressReporter } from '../../core/pipeline/progress';
import { runTiled } from '../../core/tiling/run-tiled';
import { megapixels } from '../../core/image/sniff';
import { upscaleModelFor, type UpscaleOptions } from './meta';

/**
 * The largest result Upscale makes. The finished image is held as RGBA (4 bytes a pixel) and
 * copied once more to encode it, and Chromium refuses canvases over 268 MP: 150 MP (600 MB)
 * keeps a tab safely inside that (a 2x of a 36 MP scan; a 50 MP scan is refused at 2x).
 */
export const MAX_UPSCALED_PIXELS = 150_000_000;

/** Throws the user-facing reason when upscaling a width x height photo would be too big; call before any work. */
export function checkUpscaleSize(width: number, height: number, options: UpscaleOptions): void {
  const out = width * options.scale * height * options.scale;
  if (out > MAX_UPSCALED_PIXELS) {
    throw new Error(`Upscaling this ${width}x${height} photo (${megapixels(width * height)}) ${options.scale}x would make a ${megapixels(out)} image; ` +
      `Heirloom makes results of up to ${megapixels(MAX_UPSCALED_PIXELS)}. ` +
      (options.scale === 4 && width * 2 * height * 2 <= MAX_UPSCALED_PIXELS ? 'Choose 2x, or turn Upscale off.' : 'Turn Upscale off: the photo is already large.'));
  }
}

export const runUpscale: StageRunner<UpscaleOptions> = async (image, options, ctx) => {
  checkUpscaleSize(image.width, image.height, options);
  const manifest = upscaleModelFor(options);
  const model = await ctx.loadModel(manifest);
  return runTiled(image, model, {
    signal: ctx.signal,
    onProgress: progressReporter(`Upscaling ${options.scale}x`, ctx.progress),
  });
};
