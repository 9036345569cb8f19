/** What the Models view says about a shipped model: what it does, its licence in a few words, its card. */
import type { ModelManifest } from '../core/models/types';
import { baseModelId } from '../core/models/manifest';

const DOES: Record<ModelManifest['task'], string> = {
  'repair-detect': 'Finds scratches, dust, creases and cracks (Repair damage, and the one-click check).',
  'repair-tears': 'Finds torn corners and missing edges (Repair damage, when "Also find torn corners" is ticked).',
  inpaint: 'Fills the damage that was found (Repair damage).',
  denoise: 'Reduces film grain and scanner noise (Reduce noise).',
  'face-detect': 'Finds the faces in a photo (Enhance faces, and the one-click check).',
  'face-landmarks': 'Places eyes, nose and mouth on each face, to line it up (Enhance faces).',
  face: 'Restores the detail of small or soft faces (Enhance faces).',
  'face-recognize': 'Compares faces (checks that a restored face is still the same person).',
  colorize: 'Colours black-and-white photos, guided by your colour hints (Colorize).',
  upscale: 'Enlarges the photo with sharper detail than a plain resize (Upscale).',
};

export function whatItDoes(m: ModelManifest): string {
  const kind = /heirloom-sr/.test(m.id) ? 'Clean (the default: also removes grain and JPEG blocks)' : /slim/.test(m.id) ? 'ESRGAN fast' : 'ESRGAN sharp';
  const enlarge = m.task === 'upscale' ? ` ${m.scale}x, ${kind}.` : '';
  return DOES[m.task] + enlarge;
}

/**
 * The model a file is a copy of: the app loads a model's int8 or fp16-weight file where it has one
 * (id "<id>-int8" / "<id>-fp16", label "... (int8)" / "... (fp16 weights)"), but to a person it is
 * the model, named as such.
 */
export const modelKey = (m: ModelManifest) => baseModelId(m);
export const modelName = (m: ModelManifest) => m.label.replace(/\s*\((fp16( weights)?|int8)\)$/, '');

/**
 * The licence in a few words: the manifest's own when it is short ("MIT"), else the use it
 * allows ("...; treat the weights as non-commercial research use."). The card has the rest.
 */
export function shortLicence(m: ModelManifest): string {
  if (m.license.length <= 40) return m.license;
  const use = /treat the weights as ([^.;]+)/i.exec(m.license)?.[1];
  if (use) return use.charAt(0).toUpperCase() + use.slice(1);
  return `${m.license.split(/[.;]/)[0]}…`;
}

/** The card served by the app (vite.config.ts copies models/cards/ to cards/; precached, so it opens offline). */
export function cardUrl(m: ModelManifest): string | undefined {
  return m.card ? `${import.meta.env.BASE_URL}cards/${m.card.replace(/^.*\//, '')}` : undefined;
}

export const megabytes = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1e3))} kB`);
