import type { RgbaImage } from '../core/image/types';
import type { StageContext } from '../core/pipeline/stage';
import { runUpscale } from './upscale/run';
import type { UpscaleOptions } from './upscale/meta';

/** A recipe: which stages to run, with their options. Stages run in the order listed in `stageOrder`. */
export interface Recipe {
  upscale?: UpscaleOptions;
}

const stageOrder = [{ key: 'upscale', run: runUpscale }] as const;

export async function runRecipe(image: RgbaImage, recipe: Recipe, ctx: StageContext): Promise<RgbaImage> {
  let current = image;
  for (const stage of stageOrder) {
    const options = recipe[stage.key];
    if (!options) continue;
    ctx.signal?.throwIfAborted();
    current = await stage.run(current, options, ctx);
  }
  return current;
}

export function recipeSuffix(recipe: Recipe): string {
  const parts: string[] = [];
  if (recipe.upscale) parts.push(`x${recipe.upscale.scale}`);
  return parts.length ? `-heirloom-${parts.join('-')}` : '-heirloom';
}
