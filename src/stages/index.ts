import type { RgbaImage } from '../core/image/types';
import type { StageContext, StageNote } from '../core/pipeline/stage';
import { runRepair } from './repair/run';
import { repairMeta, type RepairOptions } from './repair/meta';
import { runDenoise } from './denoise/run';
import { denoiseMeta, type DenoiseOptions } from './denoise/meta';
import { runFade } from './fade/run';
import { fadeMeta, type FadeOptions } from './fade/meta';
import { runFace } from './face/run';
import { faceMeta, type FaceOptions } from './face/meta';
import { runColorize } from './colorize/run';
import { colorizeMeta, type ColorizeOptions } from './colorize/meta';
import { checkUpscaleSize, runUpscale } from './upscale/run';
import { upscaleMeta, type UpscaleOptions } from './upscale/meta';

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
  { key: 'repair', label: repairMeta.label, run: runRepair },
  { key: 'denoise', label: denoiseMeta.label, run: runDenoise },
  { key: 'fade', label: fadeMeta.label, run: runFade },
  { key: 'face', label: faceMeta.label, run: runFace },
  { key: 'colorize', label: colorizeMeta.label, run: runColorize },
  { key: 'upscale', label: upscaleMeta.label, run: runUpscale },
] as const;

/** A stage's name as the UI shows it ("Fix fading" for 'fade'). */
export function stageLabel(key: string): string {
  return stageOrder.find((s) => s.key === key)?.label ?? key;
}

/** Runs the recipe's stages in order; `ctx.stageDone` hears each stage's output as it finishes. */
export async function runRecipe(image: RgbaImage, recipe: Recipe, ctx: StageContext): Promise<RgbaImage> {
  // Refuse what cannot finish before spending minutes on the stages before it.
  if (recipe.upscale) checkUpscaleSize(image.width, image.height, recipe.upscale);
  const stages = stageOrder.filter((s) => recipe[s.key]);
  let current = image;
  for (const [i, stage] of stages.entries()) {
    const options = recipe[stage.key]!;
    ctx.signal?.throwIfAborted();
    // The stage's own skipped note (if it gives one) says why its output is unchanged.
    let skipped: StageNote | undefined;
    const inner: StageContext = { ...ctx, note: (n) => { if (n.stage === stage.key && n.skipped) skipped = n; ctx.note?.(n); } };
    const input = current;
    current = await (stage.run as (i: RgbaImage, o: typeof options, c: StageContext) => Promise<RgbaImage>)(input, options, inner);
    await ctx.stageDone?.({ stage: stage.key, output: current, unchanged: current === input, note: skipped?.message, last: i === stages.length - 1 });
  }
  return current;
}

export function recipeSuffix(recipe: Recipe): string {
  const parts: string[] = ['heirloom'];
  if (recipe.upscale) parts.push(`x${recipe.upscale.scale}`);
  return `-${parts.join('-')}`;
}
