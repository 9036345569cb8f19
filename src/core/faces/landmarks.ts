/**
 * Mapping the raw output of face-landmarks68.onnx back to image pixels, the face-alignment box
 * face-api uses before the recognition net, and descriptor distance. Framework-free, DOM-free.
 *
 * Raw output: 136 values x0, y0, x1, y1, ... in [0, 1] of the 112 x 112 net input, i.e. of the
 * crop after it was zero-padded to a centred L x L square (L = max(crop w, h)). Point order is the
 * usual iBUG-68: jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67.
 */

/** A landmark in pixels (named apart from align.ts's `[x, y]` tuple type `Point`). */
export interface LandmarkPoint {
  x: number;
  y: number;
}

/** Number of landmark points and values in the raw output. */
export const LANDMARK_POINTS = 68;

/**
 * Raw landmark output -> pixel coordinates in the original image.
 * In crop pixels this is face-api's FaceLandmark68NetBase.postProcess() followed by
 * FaceLandmarks68 (relative * crop size): x = rawX * L - (L - w) / 2 when w < h (else rawX * L),
 * y likewise; then the crop origin is added.
 *
 * @param raw 136 values (one face; pass a subarray for batched output)
 * @param crop the integer crop rect the input was made from (faceCropInput().crop)
 */
export function landmarksToImage(raw: ArrayLike<number>, crop: { x: number; y: number; width: number; height: number }): LandmarkPoint[] {
  if (raw.length < 2 * LANDMARK_POINTS) throw new RangeError(`expected 136 values, got ${raw.length}`);
  const { width: w, height: h } = crop;
  const L = Math.max(w, h);
  const padX = w < h ? (L - w) / 2 : 0;
  const padY = h < w ? (L - h) / 2 : 0;
  const pts: LandmarkPoint[] = [];
  for (let i = 0; i < LANDMARK_POINTS; i++) {
    pts.push({ x: crop.x + raw[2 * i]! * L - padX, y: crop.y + raw[2 * i + 1]! * L - padY });
  }
  return pts;
}

const mean = (pts: readonly LandmarkPoint[]): LandmarkPoint => ({
  x: pts.reduce((s, p) => s + p.x, 0) / pts.length,
  y: pts.reduce((s, p) => s + p.y, 0) / pts.length,
});

/**
 * The square face box face-api feeds the recognition net (FaceLandmarks.align() with
 * useDlibAlignment: true, as in withFaceDescriptors()): side = floor(mean eye-to-mouth
 * distance / 0.45), placed at (0.5, 0.43) of the side around the centre of eyes + mouth.
 * face-api then crops it with faceCropInput(img, box, 150), which clips to the image.
 */
export function alignedFaceBox(points: readonly LandmarkPoint[]): { x: number; y: number; width: number; height: number } {
  if (points.length !== LANDMARK_POINTS) throw new RangeError(`expected 68 points, got ${points.length}`);
  const leftEye = mean(points.slice(36, 42));
  const rightEye = mean(points.slice(42, 48));
  const mouth = mean(points.slice(48, 68));
  const dist = (p: LandmarkPoint) => Math.hypot(mouth.x - p.x, mouth.y - p.y);
  const size = Math.floor((dist(leftEye) + dist(rightEye)) / 2 / 0.45);
  const ref = mean([leftEye, rightEye, mouth]);
  const x = Math.floor(Math.max(0, ref.x - 0.5 * size));
  const y = Math.floor(Math.max(0, ref.y - 0.43 * size));
  return { x, y, width: size, height: size };
}

/**
 * The five points a similarity alignment uses (eye centres, nose tip, mouth corners), in the
 * order of align.ts's FFHQ template: left eye, right eye, nose, left mouth corner, right mouth
 * corner ("left" = image left). iBUG-68 indices: eyes 36-41 / 42-47 (centres), nose tip 30,
 * mouth corners 48 and 54.
 */
export function fivePointsFrom68(points: readonly LandmarkPoint[]): [number, number][] {
  if (points.length !== LANDMARK_POINTS) throw new RangeError(`expected 68 points, got ${points.length}`);
  const l = mean(points.slice(36, 42)), r = mean(points.slice(42, 48));
  return [[l.x, l.y], [r.x, r.y], [points[30]!.x, points[30]!.y], [points[48]!.x, points[48]!.y], [points[54]!.x, points[54]!.y]];
}

/** Euclidean distance between two descriptors (face-api: < 0.6 means the same person). */
export function descriptorDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError('descriptor lengths differ');
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}
