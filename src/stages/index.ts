import type { RgbaImage } from '../core/image/types';
import type { StageContext } from '../core/pipeline/stage';
import { runRepair } from './repair/run';
import type { RepairOptions } from './repair/meta';
import { runDenoise } from './denoise/run';
import type { DenoiseOptions } from './denoise/meta';
import { runFade } from './fade/run';
import type { FadeOptions } from './fade/meta';
import { runFace } from './face/run';
import type { FaceOptions } from './face/meta';
import { runColorize } from './colorize/run';
import type { ColorizeOptions } from './colorize/meta';
import { checkUpscaleSize, runUpscale } from './upscale/run';
import type { UpscaleOptions } from './upscale/meta';

/** A recipe: the stages to run, with their options; a stage left out is skipped. */
export interface Recipe {
  repair?: RepairOptions;
  denoise?: DenoiseOptions;
  fade?: FadeOptions;
  face?: FaceOptions;
  colorize?: ColorizeOptions;
  upscale?: UpscaleOptions;
}

/**
 * Restoration order: rebuild damage first (noise and fading would blur what the detector
 * looks for), then clean grain, then fix tones measured on the repaired photo, then restore faces
 * on the clean photo, then colour it (the colorizer reads lightness only, so enhanced faces get
 * their skin tones from it), then enlarge.
 */
export const stageOrder = [
  { key: 'repair', run: runRepair },
  { key: 'denoise', run: runDenoise },
  { key: 'fade', run: runFade },
  { key: 'face', run: runFace },
  { key: 'colorize', run: runColorize },
  { key: 'upscale', run: runUpscale },
] as const;

export async function runRecipe(image: RgbaImage, recipe: Recipe, ctx: StageContext): Promise<RgbaImage> {
  // Refuse what cannot finish before spending minutes on the stages before it.
  if (recipe.upscale) checkUpscaleSize(image.width, image.height, recipe.upscale);
  let current = image;
  for (const stage of stageOrder) {
    const options = recipe[stage.key];
    if (!options) continue;
    ctx.signal?.throwIfAborted();
    current = await (stage.run as (i: RgbaImage, o: typeof options, c: StageContext) => Promise<RgbaImage>)(current, options, ctx);
  }
  return current;
}

export function recipeSuffix(recipe: Recipe): string {
  const parts: string[] = ['heirloom'];
  if (recipe.upscale) parts.push(`x${recipe.upscale.scale}`);
  return `-${parts.join('-')}`;
}
