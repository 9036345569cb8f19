import type { StageRunner } from '../../core/pipeline/stage';
import { progressReporter } from '../../core/pipeline/progress';
import { runTiled } from '../../core/tiling/run-tiled';
import { estimateNoise, noiseWeight } from '../../core/analysis/noise';
import { denoiseModel, type DenoiseOptions } from './meta';

/**
 * The network's output blended with the photo by strength x the measured noise weight: a clean
 * photo (noise under ~2 levels) is returned as it is, without running the network at all.
 */
export const runDenoise: StageRunner<DenoiseOptions> = async (image, options, ctx) => {
  const sigma = estimateNoise(image);
  const s = Math.min(1, Math.max(0, options.strength)) * noiseWeight(sigma);
  if (s < 0.01) {
    ctx.note?.({ stage: 'denoise', skipped: true, message: `no noise to reduce (noise level ${sigma.toFixed(1)})` });
    return image;
  }
  const model = await ctx.loadModel(denoiseModel());
  const clean = await runTiled(image, model, { signal: ctx.signal, onProgress: progressReporter('Reducing noise', ctx.progress) });
  if (s === 1) return clean;
  const out = clean.data;
  const src = image.data;
  for (let i = 0; i < out.length; i++) out[i] = (i & 3) === 3 ? src[i]! : src[i]! + s * (out[i]! - src[i]!);
  return clean;
};
