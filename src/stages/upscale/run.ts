import type { StageRunner } from '../../core/pipeline/stage';
import { progressReporter } from '../../core/pipeline/progress';
import { runTiled } from '../../core/tiling/run-tiled';
import { upscaleModelFor, type UpscaleOptions } from './meta';

export const runUpscale: StageRunner<UpscaleOptions> = async (image, options, ctx) => {
  const manifest = upscaleModelFor(options);
  const model = await ctx.loadModel(manifest);
  return runTiled(image, model, {
    signal: ctx.signal,
    onProgress: progressReporter(`Upscaling ${options.scale}x`, ctx.progress),
  });
};
