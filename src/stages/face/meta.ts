import type { ModelManifest } from '../../core/models/types';
import { customModel, shippedModel } from '../../core/models/manifest';
import manifests from './models.json' with { type: 'json' };

/** Options of the "Enhance faces" stage: shared by the UI, the worker, the embed page and the CLI. */
export interface FaceOptions {
  /** 0 = keep the original face, 1 = fully restored; in between blends the two. */
  fidelity: number;
  /** 'builtin', or 'custom:<id>' for a model the user added (GFPGAN, CodeFormer, GPEN exports). */
  model: 'builtin' | `custom:${string}`;
  manifest?: ModelManifest;
}

export const faceDefaults: FaceOptions = { fidelity: 0.7, model: 'builtin' };

export const faceMeta = {
  id: 'face',
  label: 'Enhance faces',
  /** Faces whose eyes are closer than this (px) are left alone: a few pixels hold no face to restore. */
  minEyeDistance: 4,
  /**
   * Faces from minEyeDistance up to this eye distance (px) are restored at a reduced strength
   * (smallFaceStrength): the model has to enlarge them 5-15x, and at full strength what it adds
   * would be more guess than face. Most faces in an old group photo are this small.
   */
  fullStrengthEyeDistance: 10,
  /** The share of the fidelity a face at minEyeDistance gets (rising linearly to 1 at fullStrengthEyeDistance). */
  smallFaceMinStrength: 0.4,
  /** The detector's input side (px; a multiple of 32): faces smaller than ~1/20 of the photo's long side are missed. */
  detectorSize: 416,
  /** Enlarged windows searched for small faces (findFaces): at most this many per photo... */
  detectorWindows: 16,
  /** ...each enlarged by at most this much (a face 25 px wide in the photo reaches the detector at 50). */
  detectorWindowZoom: 2,
  /** A face found only in a window needs this score (more windows, more chances for a false face). */
  windowMinScore: 0.5,
  /** ...and landmarks that agree with its box: eyes at least this share of the box width apart. */
  windowMinEyesToBox: 0.2,
};

export const faceManifests = manifests as ModelManifest[];

/** The share of the fidelity a face gets, by its eye distance (px): 0 below minEyeDistance, 1 from fullStrengthEyeDistance. */
export function smallFaceStrength(eyeDistance: number): number {
  const { minEyeDistance: lo, fullStrengthEyeDistance: hi, smallFaceMinStrength: s0 } = faceMeta;
  if (!(eyeDistance >= lo)) return 0;
  if (eyeDistance >= hi) return 1;
  return s0 + (1 - s0) * (eyeDistance - lo) / (hi - lo);
}

export function faceModel(task: 'face-detect' | 'face-landmarks' | 'face-recognize', all: ModelManifest[] = faceManifests): ModelManifest {
  const found = all.find((m) => m.task === task);
  if (!found) throw new Error(`No ${task} model is installed`);
  return found;
}

/** The shipped face restoration model, if this build has one. */
export function builtInFaceModel(all: ModelManifest[] = faceManifests): ModelManifest | undefined {
  return shippedModel(all, 'face');
}

/** The restoration model: the shipped file, or the user's. */
export function faceRestoreModelFor(opts: Pick<FaceOptions, 'model' | 'manifest'>, all: ModelManifest[] = faceManifests): ModelManifest {
  if (opts.model.startsWith('custom:')) return customModel(opts.model.slice('custom:'.length), opts.manifest, all, 'face', 'a face restoration model');
  const found = builtInFaceModel(all);
  if (!found) throw new Error('The built-in face model is not installed yet: add a GFPGAN, CodeFormer or GPEN export in Models and choose it in Enhance faces.');
  return found;
}
