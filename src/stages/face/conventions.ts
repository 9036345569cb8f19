/**
 * Face restoration families: the square a model wants, how a face is framed in it (the 5-point
 * template), and its tensors. The stage aligns each face to the template at the model's size,
 * runs the model, and pastes the result back (src/core/faces/align.ts).
 *
 * - heirloom-face (built-in, models/faces): RGB [0,1], any square size (the manifest's tile size),
 *   framed like the UTKFace crops it was trained on (UTK_TEMPLATE below, measured on them).
 * - gfpgan (GFPGAN 1.2-1.4, RestoreFormer++, GPEN-BFR-512+): `input` 1x3x512x512 RGB in [-1,1],
 *   output the same; FFHQ 512 template.
 * - codeformer: as gfpgan plus `weight`, float64 [1]: CodeFormer's w (0 = quality, 1 = fidelity).
 * - gpen (GPEN-BFR-256): 1x3x256x256 in [-1,1]; arcface_128 template scaled to 256.
 */
import type { PlanarImage } from '../../core/image/types';
import type { FaceConvention, ModelManifest } from '../../core/models/types';
import type { TiledModel } from '../../core/tiling/run-tiled';
import type { Point } from '../../core/faces/align';
import { faceTemplate } from '../../core/faces/align';

export interface FaceConventionSpec {
  /** The square the model restores: fixed, or the manifest's tile size. */
  size(m: ModelManifest): number;
  /** Where the five landmarks go in that square. */
  template(size: number): Point[];
  /** Runs the model on an aligned face crop (planar RGB [0,1]) and returns the restored crop, RGB [0,1]. */
  restore(model: TiledModel, m: ModelManifest, crop: PlanarImage, fidelity: number): Promise<PlanarImage>;
}

/** facefusion's arcface_128_v2 template (fractions of the square), used by GPEN-BFR-256. */
const ARCFACE_128: readonly Point[] = [[0.36167656, 0.40387734], [0.63696719, 0.40235469], [0.50019687, 0.56044219], [0.38710391, 0.72160547], [0.61507734, 0.72034453]];

/** UTKFace framing: the mean five points of 40 training faces, fractions of the crop (tests/unit/face-stage.test.ts measures it). */
export const UTK_TEMPLATE: readonly Point[] = [[0.298, 0.292], [0.681, 0.293], [0.49, 0.521], [0.321, 0.685], [0.659, 0.688]];

const toRange = (crop: PlanarImage, lo: number, hi: number): Float32Array => crop.data.map((v) => lo + v * (hi - lo));
function fromRange(out: { dims: number[]; data: Float32Array }, lo: number, hi: number, size: number, id: string): PlanarImage {
  const [, c, h, w] = out.dims;
  if (c !== 3 || h !== size || w !== size) throw new Error(`The face model ${id} returned ${out.dims.join('x')}; expected 1x3x${size}x${size}`);
  return { width: size, height: size, channels: 3, data: out.data.map((v) => Math.min(1, Math.max(0, (v - lo) / (hi - lo)))) };
}

async function runOne(model: TiledModel, m: ModelManifest, crop: PlanarImage, lo: number, hi: number, extra: Record<string, { type: 'float64'; data: Float64Array; dims: number[] }> = {}): Promise<PlanarImage> {
  if (!model.runTensors) throw new Error('This runtime cannot run face models');
  const outs = await model.runTensors({ [m.input.name]: { data: toRange(crop, lo, hi), dims: [1, 3, crop.height, crop.width] }, ...extra });
  const out = outs[m.output.name] ?? Object.values(outs)[0];
  if (!out) throw new Error(`The face model ${m.id} returned nothing`);
  return fromRange(out, lo, hi, crop.width, m.id);
}

const fractions = (tpl: readonly Point[], size: number): Point[] => tpl.map(([x, y]) => [x * size, y * size]);

export const FACE_CONVENTIONS: Record<FaceConvention, FaceConventionSpec> = {
  'heirloom-face': {
    size: (m) => m.tile.size,
    template: (size) => fractions(UTK_TEMPLATE, size),
    restore: (model, m, crop) => runOne(model, m, crop, m.input.range[0], m.input.range[1]),
  },
  gfpgan: {
    size: () => 512,
    template: (size) => faceTemplate(size),
    restore: (model, m, crop) => runOne(model, m, crop, -1, 1),
  },
  codeformer: {
    size: () => 512,
    template: (size) => faceTemplate(size),
    // the slider's "fully restored" end asks CodeFormer for quality (w = 0), its middle for fidelity
    restore: (model, m, crop, fidelity) => runOne(model, m, crop, -1, 1, { weight: { type: 'float64', data: new Float64Array([Math.min(1, Math.max(0, 1 - fidelity))]), dims: [1] } }),
  },
  gpen: {
    size: (m) => (m.tile.size >= 512 ? 512 : 256),
    template: (size) => (size >= 512 ? faceTemplate(size) : fractions(ARCFACE_128, size)),
    restore: (model, m, crop) => runOne(model, m, crop, -1, 1),
  },
};

export function faceConventionOf(m: ModelManifest): FaceConventionSpec {
  const c = m.convention && m.convention in FACE_CONVENTIONS ? FACE_CONVENTIONS[m.convention as FaceConvention] : undefined;
  if (!c) throw new Error(`The model "${m.id}" does not say how to restore faces with it (no known "convention").`);
  return c;
}
