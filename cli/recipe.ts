/**
 * Command-line recipe syntax -> the core's Recipe.
 *
 *   --recipe upscale:2
 *   --recipe "fade:0.8,upscale:4:fast"
 *   --recipe repair,denoise:0.7,fade,upscale:2
 *
 * Stages are comma-separated; each stage's options follow its name, colon-separated and
 * positional (see STAGES below). Left-out options take the app's defaults. Stages always run
 * in the core's fixed order (repair, denoise, fade, face, colorize, upscale) whatever order they are written in.
 */
import type { Recipe } from '../src/stages/index';
import type { RecipeRequest } from '../src/stages/auto';
import type { UpscaleOptions } from '../src/stages/upscale/meta';
import { repairDefaults } from '../src/stages/repair/meta';
import { denoiseDefaults } from '../src/stages/denoise/meta';
import { fadeDefaults } from '../src/stages/fade/meta';
import { colorizeDefaults } from '../src/stages/colorize/meta';
import { faceDefaults } from '../src/stages/face/meta';
import { upscaleDefaults, upscaleMeta } from '../src/stages/upscale/meta';

export class RecipeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecipeError';
  }
}

type StageKey = keyof Recipe;

interface StageSyntax {
  usage: string;
  help: string;
  parse(args: string[], spec: string): NonNullable<Recipe[StageKey]>;
}

/** Plain decimals only: Number() would also take "0x4" (hex), "1e-1" and " 1 ". */
const decimal = (text: string) => (/^(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : NaN);

function strength(value: string | undefined, fallback: number, spec: string): number {
  if (value === undefined || value === '') return fallback;
  const n = decimal(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    throw new RecipeError(`"${spec}": strength must be a number from 0 to 1, got "${value}"`);
  }
  return n;
}

function tooMany(args: string[], max: number, spec: string, usage: string): void {
  if (args.length > max) throw new RecipeError(`"${spec}": too many options (usage: ${usage})`);
}

export const STAGES: Record<StageKey, StageSyntax> = {
  repair: {
    usage: 'repair[:tears][:smooth]',
    help: `find scratches, creases, dust and cracks and rebuild them; "tears": torn corners and missing edges too${repairDefaults.tears ? ' (the default)' : ''}; "smooth": large holes keep the network's smooth fill instead of texture from the photo`,
    parse(args, spec) {
      tooMany(args, 2, spec, this.usage);
      for (const a of args) if (a !== 'tears' && a !== 'smooth') throw new RecipeError(`"${spec}": unknown option "${a}" (usage: ${this.usage})`);
      return { ...repairDefaults, detect: true, tears: args.includes('tears') || repairDefaults.tears, texture: !args.includes('smooth') };
    },
  },
  denoise: {
    usage: `denoise[:STRENGTH]`,
    help: `reduce grain and noise; STRENGTH 0..1 (default ${denoiseDefaults.strength})`,
    parse(args, spec) {
      tooMany(args, 1, spec, this.usage);
      return { strength: strength(args[0], denoiseDefaults.strength, spec) };
    },
  },
  fade: {
    usage: 'fade[:STRENGTH][:keep-tone]',
    help: `restore contrast and colour of faded prints; STRENGTH 0..1 (default ${fadeDefaults.strength}); keep-tone keeps a sepia/vintage tone`,
    parse(args, spec) {
      tooMany(args, 2, spec, this.usage);
      let keepTone = fadeDefaults.keepTone;
      const rest = args.filter((a) => {
        if (a === 'keep-tone' || a === 'keeptone' || a === 'tone') return (keepTone = true), false;
        return true;
      });
      if (rest.length > 1) throw new RecipeError(`"${spec}": unknown option "${rest[1]}" (usage: ${this.usage})`);
      return { strength: strength(rest[0], fadeDefaults.strength, spec), keepTone };
    },
  },
  face: {
    usage: 'face[:FIDELITY]',
    help: `enhance faces (detect, align, restore, paste back); FIDELITY 0 (keep original)..1 (fully restored), default ${faceDefaults.fidelity}`,
    parse(args, spec) {
      tooMany(args, 1, spec, this.usage);
      return { ...faceDefaults, fidelity: strength(args[0], faceDefaults.fidelity, spec) };
    },
  },
  colorize: {
    usage: 'colorize[:STRENGTH][:force]',
    help: `colour black-and-white or sepia photos automatically; STRENGTH 0..1 (default ${colorizeDefaults.strength}); photos that already have colour are skipped (and listed) unless force`,
    parse(args, spec) {
      tooMany(args, 2, spec, this.usage);
      const force = args.some((a) => a.toLowerCase() === 'force');
      const rest = args.filter((a) => a.toLowerCase() !== 'force');
      if (rest.length > 1) throw new RecipeError(`"${spec}": unknown option "${rest[1]}" (usage: ${this.usage})`);
      return { ...colorizeDefaults, hints: [], strength: strength(rest[0], colorizeDefaults.strength, spec), force };
    },
  },
  upscale: {
    usage: `upscale[:${upscaleMeta.scales.join('|')}][:${upscaleMeta.qualities.map((q) => q.value).join('|')}]`,
    help: `enlarge; scale ${upscaleMeta.scales.join(' or ')} (default ${upscaleDefaults.scale}), quality ${upscaleMeta.qualities
      .map((q) => `${q.value} (${q.label})`)
      .join(' or ')} (default ${upscaleDefaults.quality})`,
    parse(args, spec) {
      tooMany(args, 2, spec, this.usage);
      let scale: 2 | 4 = upscaleDefaults.scale;
      let quality: UpscaleOptions['quality'] = upscaleDefaults.quality;
      let sawScale = false;
      let sawQuality = false;
      for (const a of args) {
        if (/^x?\d/i.test(a)) {
          const n = decimal(a.replace(/^x/i, ''));
          if (sawScale) throw new RecipeError(`"${spec}": scale given twice`);
          if (!(upscaleMeta.scales as readonly number[]).includes(n)) {
            throw new RecipeError(`"${spec}": scale must be ${upscaleMeta.scales.join(' or ')}, got "${a}"`);
          }
          scale = n as 2 | 4;
          sawScale = true;
        } else {
          const q = upscaleMeta.qualities.find((x) => x.value === a.toLowerCase() || x.id === a.toLowerCase());
          if (!q || sawQuality) {
            throw new RecipeError(
              `"${spec}": unknown option "${a}"; quality must be ${upscaleMeta.qualities.map((x) => x.value).join(' or ')}`,
            );
          }
          quality = q.value;
          sawQuality = true;
        }
      }
      return { scale, quality };
    },
  },
};

export function recipeHelp(): string {
  const lines = Object.values(STAGES).map((s) => `  ${s.usage.padEnd(34)} ${s.help}`);
  lines.unshift(`  ${'auto'.padEnd(34)} look at each photo and run what it needs (logged per photo); colorize is never chosen by itself`);
  return `Stages (comma-separated, options colon-separated):\n${lines.join('\n')}`;
}

/** Parses "fade:0.8,upscale:4:fast" (or "auto") into a Recipe; throws RecipeError with a helpful message. */
export function parseRecipe(text: string): RecipeRequest {
  if (text.trim().toLowerCase() === 'auto') return 'auto';
  const recipe: Recipe = {};
  const specs = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (specs.length === 0) throw new RecipeError(`The recipe is empty.\n${recipeHelp()}`);
  for (const spec of specs) {
    const [name, ...args] = spec.split(':').map((s) => s.trim());
    const key = name!.toLowerCase() as StageKey;
    const stage = Object.hasOwn(STAGES, key) ? STAGES[key] : undefined;
    if (!stage) {
      throw new RecipeError(`Unknown stage "${name}" in recipe "${text}". Valid stages: ${Object.keys(STAGES).join(', ')}.\n${recipeHelp()}`);
    }
    if (recipe[key]) throw new RecipeError(`Stage "${key}" appears twice in recipe "${text}"`);
    (recipe as Record<string, unknown>)[key] = stage.parse(args, spec);
  }
  return recipe;
}

/** The recipe written back in CLI syntax (for logs). */
export function formatRecipe(recipe: RecipeRequest): string {
  if (recipe === 'auto') return 'auto';
  const parts: string[] = [];
  if (recipe.repair) parts.push('repair');
  if (recipe.denoise) parts.push(`denoise:${recipe.denoise.strength}`);
  if (recipe.fade) parts.push(`fade:${recipe.fade.strength}${recipe.fade.keepTone ? ':keep-tone' : ''}`);
  if (recipe.face) parts.push(`face:${recipe.face.fidelity}`);
  if (recipe.colorize) parts.push(`colorize:${recipe.colorize.strength}${recipe.colorize.force ? ':force' : ''}`);
  if (recipe.upscale) parts.push(`upscale:${recipe.upscale.scale}:${recipe.upscale.quality}`);
  return parts.join(',') || '(nothing)';
}
