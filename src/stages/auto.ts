/**
 * Auto: look at the photo, say what it needs and why, and propose a recipe. The measures are the
 * core's (src/core/analysis: tones, cast, noise, damage) plus two stages' own detectors (the
 * repair stage's damage detector and the face stage's face finder), all on a small copy except
 * the noise, which only exists at full resolution. Each stage that the recipe turns on, or
 * deliberately leaves off, gets one line a person can read.
 *
 * Rules: a stage is proposed only when its measure says the photo needs it (a clean photo gets
 * an empty recipe). Repair only for damage found on at most MAX_AUTO_COVERAGE of a photo that
 * shows another sign of age (faded, grainy, black-and-white or toned): on crisp colour photos the
 * shipped detector's marks are mostly picture detail (barn trim, jacket buttons, fabric), as
 * sure of themselves as real scratches, and a fill there erases content; the user can still
 * turn Repair on. Colorize is offered for black-and-white photos, never switched on; Upscale is
 * proposed only when the photo is too small to print at a useful size.
 */
import type { RgbaImage } from '../core/image/types';
import type { StageContext, StageNote } from '../core/pipeline/stage';
import { shrinkImage } from '../core/analysis/shrink';
import type { ToneMeasures } from '../core/analysis/tones';
import type { CastMeasure } from '../core/analysis/cast';
import { estimateNoise, noiseWeight } from '../core/analysis/noise';
import { measureDamage, type DamageMeasure } from '../core/analysis/damage';
import { analyzeTone, hasColour, type ToneAnalysis } from '../core/color/monochrome';
import { detectDamage } from './repair/run';
import { eyeDistance, findFaces } from './face/run';
import { faceDefaults, faceMeta } from './face/meta';
import { denoiseDefaults } from './denoise/meta';
import { fadeDefaults } from './fade/meta';
import { autoUpscale } from './upscale/meta';
import { planFade } from './fade/fix-fading';
import { runRecipe, type Recipe } from './index';

export type StageKey = keyof Recipe;

export interface FaceMeasure {
  count: number;
  /** Eye distance of each face at full resolution (px), largest first. */
  eyeDistances: number[];
  /** Faces too small to restore (eyes under faceMeta.minEyeDistance px apart). */
  tooSmall: number;
  /**
   * A soft face (restorable, eyes under SHARP_FACE_EYES px apart) was found by the whole-photo
   * passes. A face found only in an enlarged window is a likelier false face, so it alone does
   * not make a photo that needs nothing else worth touching.
   */
  softSeenWhole?: boolean;
}

export interface PhotoAnalysis {
  width: number;
  height: number;
  tones: ToneMeasures;
  cast: CastMeasure;
  tone: ToneAnalysis;
  /** Noise level (0..255 levels) and how much Reduce noise would act on it (0..1). */
  noise: { sigma: number; weight: number };
  damage?: DamageMeasure;
  faces?: FaceMeasure;
  /** Print size at 300 dpi, inches (long side). */
  printInches: number;
  recipe: Recipe;
  /** One line per stage, for those turned on and for those worth a word (colorize offered...). */
  reasons: Partial<Record<StageKey, string>>;
  /** Colorize is offered (black-and-white or toned), never switched on by itself. */
  offerColorize: boolean;
  ms: number;
  /** Where the time went (ms): the pixel measures, the damage detector, the face finder. */
  timings: { measures: number; damage: number; faces: number };
}

export interface AnalyzeOptions {
  /** Run the damage detector (needs the repair models); default true. */
  damage?: boolean;
  /** Run the face finder (needs the face models); default true. */
  faces?: boolean;
  /** May the recipe include Upscale; default true. */
  upscale?: boolean;
}

/** The analysis copy's long side: detectors and colour measures read this, never the full scan. */
export const ANALYSIS_SIDE = 512;
/**
 * The damage search's copy is smaller still: one 384 px detector tile (a third of the work of
 * the 512 px copy's two overlapping tiles), and about the scale the detector was trained at
 * (photos with a 320 px short side). The repair stage itself searches at full resolution.
 */
export const DAMAGE_SIDE = 384;
/** Long side (px) under which a photo is too small to print: 1000 px is 3.3 in at 300 dpi. */
export const SMALL_PRINT = 1000;
/**
 * Damage below this coverage of the 384 px copy (grown 2 px) is left to the user: the detector
 * marks a little of many clean photos. Measured on that copy: 0.2 % is passed by 17 % of the
 * clean kodak24 photos, 28 % of mcmaster, 30 % of ffhq-10, 11 % of bsds500/test (0.05 %: 42, 56,
 * 80, 23 %), and by 77 % of forge-scratched, 73 % of creased, 60 % of dusty held-out photos.
 */
const MIN_DAMAGE = { marks: 1, coverage: 0.002 };
/**
 * Above this share of the photo, an automatic fill would be mostly guesswork (and on clean
 * photos it is the detector's false alarms: the shipped one marks 12-52 % of some sharp
 * black-and-white prints): repair is then left for the user to check by hand.
 */
export const MAX_AUTO_COVERAGE = 0.08;
/** Grain from this weight of Reduce noise's measure up is worth reducing (and is a sign of age). */
const DENOISE_WEIGHT = 0.15;
/** Faces with eyes this far apart (px) or more hold enough detail on their own. */
const SHARP_FACE_EYES = 40;
const isSoftFace = (eyes: number) => eyes >= faceMeta.minEyeDistance && eyes < SHARP_FACE_EYES;

export async function analyzePhoto(image: RgbaImage, ctx: StageContext, opts: AnalyzeOptions = {}): Promise<PhotoAnalysis> {
  const started = performance.now();
  ctx.progress({ stage: 'Looking at the photo', done: 0, total: 1 });
  const small = shrinkImage(image, ANALYSIS_SIDE);
  const scale = image.width / small.width;
  // What Fix fading would do to this very photo (the same plan the stage makes); its measures
  // (tones, the cast read after the levels, the tone) are the analysis's, measured once.
  const coloured = hasColour(analyzeTone(small));
  const fade = planFade(small, { ...fadeDefaults, keepTone: !coloured });
  const { tones, cast, tone } = fade;
  const sigma = estimateNoise(image);
  const timings = { measures: performance.now() - started, damage: 0, faces: 0 };
  let damage: DamageMeasure | undefined;
  let t = performance.now();
  if (opts.damage ?? true) damage = measureDamage(await detectDamage(shrinkImage(small, DAMAGE_SIDE), ctx));
  timings.damage = performance.now() - t;
  t = performance.now();
  let faces: FaceMeasure | undefined;
  if (opts.faces ?? true) {
    const found = await findFaces(small, ctx);
    const eyes = (f: (typeof found)[number]) => eyeDistance(f) * scale;
    const eyeDistances = found.map(eyes).sort((a, b) => b - a);
    const softSeenWhole = found.some((f) => !f.inWindow && isSoftFace(eyes(f)));
    faces = { count: found.length, eyeDistances, tooSmall: eyeDistances.filter((d) => d < faceMeta.minEyeDistance).length, softSeenWhole };
  }
  timings.faces = performance.now() - t;
  ctx.progress({ stage: 'Looking at the photo', done: 1, total: 1 });
  const analysis: PhotoAnalysis = {
    width: image.width,
    height: image.height,
    tones,
    cast,
    tone,
    noise: { sigma, weight: noiseWeight(sigma) },
    damage,
    faces,
    printInches: Math.max(image.width, image.height) / 300,
    recipe: {},
    reasons: {},
    offerColorize: !hasColour(tone),
    ms: 0,
    timings,
  };
  recommend(analysis, !fade.identity, opts);
  analysis.ms = performance.now() - started;
  return analysis;
}

const marksFound = (n: number) => `${n} scratch${n === 1 ? '' : 'es'} or speck${n === 1 ? '' : 's'}`;
const pct = (x: number) => `${(x * 100).toFixed(x < 0.001 ? 2 : x < 0.1 ? 1 : 0)} %`;

/**
 * Whether the photo shows a sign of age besides the detector's marks: faded, grainy, or black-and-white
 * / toned. On a crisp colour photo the detector's marks are mostly picture detail (issue 15), so auto
 * proposes Repair only when this holds.
 */
export function showsAge(a: PhotoAnalysis, fadeActs: boolean): boolean {
  return fadeActs || a.noise.weight >= DENOISE_WEIGHT || a.offerColorize;
}

/** Fills in the recipe and the reasons from the measures. */
export function recommend(a: PhotoAnalysis, fadeActs: boolean, opts: AnalyzeOptions = {}): void {
  const { recipe, reasons } = a;
  let needsWork = false;
  if (a.damage) {
    const enough = a.damage.marks >= MIN_DAMAGE.marks && a.damage.coverage >= MIN_DAMAGE.coverage;
    if (a.damage.coverage > MAX_AUTO_COVERAGE) {
      reasons.repair = `The detector marked ${pct(a.damage.coverage)} of the photo: too much to fill automatically; check the mask (Find damage) and turn Repair on by hand`;
    } else if (enough && !showsAge(a, fadeActs)) {
      reasons.repair = `${marksFound(a.damage.marks)}, ${pct(a.damage.coverage)} of the photo, but no other sign of age (in colour, not faded, not grainy): on such photos these are usually picture detail, so left off; check them (Find damage) and turn Repair on by hand`;
    } else if (enough) {
      recipe.repair = { detect: true };
      reasons.repair = `${marksFound(a.damage.marks)}, ${pct(a.damage.coverage)} of the photo`;
      needsWork = true;
    } else if (a.damage.marks > 0) {
      reasons.repair = `${a.damage.marks} small mark${a.damage.marks === 1 ? '' : 's'} (${pct(a.damage.coverage)} of the photo): too little to repair automatically; turn Repair on to check`;
    } else reasons.repair = 'No damage found';
  }
  if (a.noise.weight >= DENOISE_WEIGHT) {
    recipe.denoise = { ...denoiseDefaults };
    reasons.denoise = `Grainy: noise level ${a.noise.sigma.toFixed(1)} (clean photos read under 2)`;
    needsWork = true;
  } else reasons.denoise = `Not noisy (noise level ${a.noise.sigma.toFixed(1)})`;
  if (fadeActs) {
    recipe.fade = { ...fadeDefaults, keepTone: a.offerColorize };
    const parts: string[] = [];
    if (a.tones.fading > 0) parts.push(`Faded: contrast at ${Math.round(a.tones.contrast * 100)} % of normal, blacks lifted to ${a.tones.black}`);
    if (a.cast.weight > 0 && !a.offerColorize) parts.push(`${a.cast.hue} cast (confidence ${Math.round(a.cast.confidence * 100)} %)`);
    reasons.fade = parts.join('; ') || 'Faded';
    if (a.offerColorize) reasons.fade += '; keeps its tone';
    needsWork = true;
  } else reasons.fade = a.cast.magnitude > 0.08 && a.cast.confidence < 0.5 ? 'Not faded; its colours look like the scene\'s own, not a cast' : 'Not faded';
  if (a.faces) {
    const usable = a.faces.count - a.faces.tooSmall;
    const small = a.faces.tooSmall ? ` (${a.faces.tooSmall} too small to help)` : '';
    const anySoft = a.faces.eyeDistances.some(isSoftFace);
    const soft = a.faces.softSeenWhole ?? anySoft;
    if (usable > 0 && (needsWork || soft)) {
      recipe.face = { ...faceDefaults };
      reasons.face = `${usable} face${usable === 1 ? '' : 's'}${small}`;
    } else if (a.faces.count > 0) {
      // soft faces seen only on a closer look (the enlarged windows) on a photo that needs nothing else
      const state = anySoft ? 'small, and the photo needs nothing else' : 'sharp and clean';
      reasons.face = usable > 0 ? `${usable} face${usable === 1 ? '' : 's'}, ${state}: left as is${small}` : `${a.faces.count} face${a.faces.count === 1 ? '' : 's'}, too small to help`;
    }
  }
  if (a.offerColorize) reasons.colorize = 'Black-and-white: colorize?';
  const long = Math.max(a.width, a.height);
  const inches = (px: number) => (px / 300).toFixed(1);
  if (long < SMALL_PRINT && (opts.upscale ?? true)) {
    recipe.upscale = { ...autoUpscale };
    reasons.upscale = `${a.width}x${a.height} px prints ${inches(a.width)}x${inches(a.height)} in at 300 dpi; 2x makes ${inches(2 * a.width)}x${inches(2 * a.height)} in`;
  } else reasons.upscale = `${a.width}x${a.height} px prints ${inches(a.width)}x${inches(a.height)} in at 300 dpi: no need to enlarge`;
}

/** The analysis as short lines ("fade: Faded: contrast at 45 % of normal"), stages in pipeline order. */
export function describeAnalysis(a: PhotoAnalysis): string[] {
  const order: StageKey[] = ['repair', 'denoise', 'fade', 'face', 'colorize', 'upscale'];
  return order.filter((k) => a.reasons[k]).map((k) => `${a.recipe[k] ? '+' : '-'} ${k}: ${a.reasons[k]}`);
}

/** What to run: a recipe, or 'auto' (each photo analysed and given its own). */
export type RecipeRequest = Recipe | 'auto';

export interface RestoreOutcome {
  image: RgbaImage;
  /** The recipe that ran (the proposed one for 'auto'). */
  recipe: Recipe;
  analysis?: PhotoAnalysis;
  /** What stages decided on their own (skipped, left unchanged). */
  notes: StageNote[];
}

/**
 * Runs a recipe, or for 'auto' analyses the photo first and runs what it proposes; collects the
 * stages' notes either way. Used by the worker (app, batch, embed) and the CLI alike.
 */
export async function restoreWith(image: RgbaImage, request: RecipeRequest, ctx: StageContext, autoOpts: AnalyzeOptions = {}): Promise<RestoreOutcome> {
  const notes: StageNote[] = [];
  const inner: StageContext = { ...ctx, note: (n) => (notes.push(n), ctx.note?.(n)) };
  let analysis: PhotoAnalysis | undefined;
  let recipe: Recipe;
  if (request === 'auto') {
    analysis = await analyzePhoto(image, inner, autoOpts);
    recipe = analysis.recipe;
  } else recipe = request;
  const out = await runRecipe(image, recipe, inner);
  return { image: out, recipe, analysis, notes };
}
