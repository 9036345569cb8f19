import type { StageRunner } from '../../core/pipeline/stage';
import { progressReporter } from '../../core/pipeline/progress';
import { runTiled } from '../../core/tiling/run-tiled';
import { denoiseModel, type DenoiseOptions } from './meta';

export const runDenoise: StageRunner<DenoiseOptions> = async (image, options, ctx) => {
  const s = Math.min(1, Math.max(0, options.strength));
  if (s === 0) return image;
  const model = await ctx.loadModel(denoiseModel());
  const clean = await runTiled(image, model, { signal: ctx.signal, onProgress: progressReporter('Reducing noise', ctx.progress) });
  if (s === 1) return clean;
  const out = clean.data;
  const src = image.data;
  for (let i = 0; i < out.length; i++) out[i] = (i & 3) === 3 ? src[i]! : src[i]! + s * (out[i]! - src[i]!);
  return clean;
};
