import type { ModelManifest } from '../../core/models/types';
import { customModel, shippedModel } from '../../core/models/manifest';
import manifests from './models.json' with { type: 'json' };

/**
 * A colour hint: the user says "this is blue" by clicking (one point) or painting (a stroke).
 * Points are fractions of the photo's width and height, so a hint placed on the on-screen
 * preview lands on the same spot at any resolution.
 */
export interface ColorHint {
  color: string; // "#rrggbb"
  points: [number, number][];
}

/** Options of the Colorize stage: shared by the UI, the worker, the embed page and the CLI. */
export interface ColorizeOptions {
  /** 0 = the photo's own tone, 1 = the network's colours; in between blends the chroma. */
  strength: number;
  hints: ColorHint[];
  /** 'builtin', or 'custom:<id>' for a model the user added (DDColor, DeOldify exports). */
  model: 'builtin' | `custom:${string}`;
  /** The user-added model's manifest (its bytes are in the model cache), when model is custom. */
  manifest?: ModelManifest;
  /**
   * Colour the photo even when it already has colour. Without it a colour photo is left alone
   * (its real colours beat guessed ones) and the stage says so.
   */
  force?: boolean;
}

export const colorizeDefaults: ColorizeOptions = { strength: 1, hints: [], model: 'builtin' };

export const colorizeMeta = {
  id: 'colorize',
  label: 'Colorize',
  /** Hint points stamped into the network's input are squares of this side (working pixels), as in training. */
  hintSize: 3,
  defaultHintColor: '#3a6fd8',
};

export const colorizeManifests = manifests as ModelManifest[];

/** The shipped model (its fp16-weight file, upcast when opened), or the user's. */
export function colorizeModelFor(opts: Pick<ColorizeOptions, 'model' | 'manifest'>, all: ModelManifest[] = colorizeManifests): ModelManifest {
  if (opts.model.startsWith('custom:')) return customModel(opts.model.slice('custom:'.length), opts.manifest, all, 'colorize', 'a colorization model');
  const found = shippedModel(all, 'colorize');
  if (!found) throw new Error('No colorization model is installed');
  return found;
}
