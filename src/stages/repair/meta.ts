import { shippedModel } from '../../core/models/manifest';
import type { Mask } from '../../core/image/mask';
import type { ModelManifest } from '../../core/models/types';
import manifests from './models.json' with { type: 'json' };

/**
 * Whether a search for damage looks for tears unless told: see the tear finder's card
 * (models/cards/repair-tears.md) for what it finds and what it mistakes for a tear on good photos.
 */
const TEARS_BY_DEFAULT = false;

/** Options of the "Repair damage" stage: shared by the UI, the worker and the CLI. */
export interface RepairOptions {
  /** Find scratches, creases, dust and tears automatically when no mask is given. */
  detect: boolean;
  /** With detect: also look for torn corners and missing edges (the tears net); default repairDefaults.tears. */
  tears?: boolean;
  /** The user's mask (detected, then painted/erased); when present it is used as is. */
  mask?: Mask;
  /**
   * Rebuild holes over about 32 px wide from the photo's own patches (patch-fill.ts): texture and
   * structure instead of the network's smooth fill, which scores higher PSNR and suits faces
   * better; default repairDefaults.texture.
   */
  texture?: boolean;
}

export const repairDefaults = { detect: true, tears: TEARS_BY_DEFAULT, texture: true } satisfies RepairOptions;

export const repairMeta = {
  id: 'repair',
  label: 'Repair damage',
  /** Above this share of damaged pixels the fill is mostly guesswork: the UI warns. */
  warnCoverage: 0.6,
  /** Detected damage is grown by this many pixels so the fill also covers soft edges. */
  dilate: 2,
  /** Photos longer than this are searched for damage on a shrunk copy (see detectDamage). */
  detectLongSide: 2048,
  /** The tears net sees the whole photo shrunk to at most this long side (see detectTears). */
  tearsLongSide: 160,
  /** The fill's hint for tiles deep inside a large hole is made on a copy shrunk to this long side (see holeHint). */
  hintLongSide: 256,
};

/** Said (as the progress stage, then as a notice) when detection finds nothing to repair. */
export const NO_DAMAGE = 'No damage found: the photo is left as it is';

export const repairManifests = manifests as ModelManifest[];

/** The shipped model for a task (its fp16-weight file: core/models/manifest.ts shippedModel). */
export function repairModel(task: 'repair-detect' | 'repair-tears' | 'inpaint' | 'denoise', all: ModelManifest[] = repairManifests): ModelManifest {
  const found = shippedModel(all, task);
  if (!found) throw new Error(`No ${task} model is installed`);
  return found;
}
