import type { RgbaImage } from '../../core/image/types';
import type { StageContext, StageRunner } from '../../core/pipeline/stage';
import { detectTinyFaces, faceCropInput, fivePointsFrom68, landmarksToImage, nonMaxSuppression, tinyFaceDetectorInput, LANDMARK68_INPUT_SIZE, type FaceBox } from '../../core/faces';
import { detailToKeep, fitSimilarity, matchColour, pasteCrop, similarityScale, warpToCrop, type Point } from '../../core/faces/align';
import { faceMeta, faceModel, faceRestoreModelFor, smallFaceStrength, type FaceOptions } from './meta';
import { faceConventionOf } from './conventions';

export interface FoundFace {
  box: FaceBox;
  score: number;
  /** Left eye, right eye, nose tip, left and right mouth corners (image pixels). */
  five: Point[];
}

/**
 * The photo shrunk to `inner` px (box filter) in the middle of a `side` px square of the
 * detector's mean colour: a zoomed-out view in which a face that fills the photo (a portrait, a
 * passport photo) is small enough for the detector's anchors.
 */
function zoomedOut(image: RgbaImage, inner: number, side: number): { image: RgbaImage; toImage: (b: FaceBox) => FaceBox } {
  const k = inner / Math.max(image.width, image.height);
  const w = Math.max(1, Math.round(image.width * k)), h = Math.max(1, Math.round(image.height * k));
  const ox = Math.floor((side - w) / 2), oy = Math.floor((side - h) / 2);
  const data = new Uint8ClampedArray(side * side * 4);
  for (let i = 0; i < side * side; i++) data.set([117, 115, 97, 255], i * 4);
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor(y / k), y1 = Math.max(y0 + 1, Math.min(image.height, Math.floor((y + 1) / k)));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor(x / k), x1 = Math.max(x0 + 1, Math.min(image.width, Math.floor((x + 1) / k)));
      const acc = [0, 0, 0];
      for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) for (let c = 0; c < 3; c++) acc[c]! += image.data[(yy * image.width + xx) * 4 + c]!;
      const n = (y1 - y0) * (x1 - x0), o = ((oy + y) * side + ox + x) * 4;
      for (let c = 0; c < 3; c++) data[o + c] = acc[c]! / n;
    }
  }
  return {
    image: { width: side, height: side, data },
    toImage: (b) => ({ x: (b.x - ox) / k, y: (b.y - oy) / k, width: b.width / k, height: b.height / k }),
  };
}

/**
 * Finds the faces in a photo and their five alignment points: the tiny face detector on the
 * whole photo (small and mid-size faces) and on a zoomed-out copy (faces that fill the photo,
 * beyond its anchors), merged, then 68 landmarks per face.
 */
export async function findFaces(image: RgbaImage, ctx: StageContext): Promise<FoundFace[]> {
  const detM = faceModel('face-detect');
  const lmM = faceModel('face-landmarks');
  const detector = await ctx.loadModel(detM);
  const landmarks = await ctx.loadModel(lmM);
  if (!detector.runTensors || !landmarks.runTensors) throw new Error('This runtime cannot run the face detector');
  const side = faceMeta.detectorSize;
  const detect = async (img: RgbaImage) => {
    const grid = (await detector.runTensors!({ [detM.input.name]: tinyFaceDetectorInput(img, side) }))[detM.output.name]!;
    return detectTinyFaces(grid.data, grid.dims, { imageWidth: img.width, imageHeight: img.height });
  };
  const zoom = zoomedOut(image, side / 2, side);
  const candidates = [
    ...(await detect(image)).map((d) => ({ score: d.score, box: d.box })),
    ...(await detect(zoom.image)).map((d) => ({ score: d.score, box: zoom.toImage(d.box) })),
  ];
  // the same face found in both passes is kept once
  const kept = nonMaxSuppression(candidates.map((c) => c.box), candidates.map((c) => c.score), 0.3).map((i) => candidates[i]!);
  const found: FoundFace[] = [];
  for (const d of kept) {
    ctx.signal?.throwIfAborted();
    const crop = faceCropInput(image, d.box, LANDMARK68_INPUT_SIZE);
    const raw = (await landmarks.runTensors({ [lmM.input.name]: crop }))[lmM.output.name]!;
    const pts = landmarksToImage(raw.data, crop.crop);
    found.push({ box: d.box, score: d.score, five: fivePointsFrom68(pts) });
  }
  return found;
}

export const runFace: StageRunner<FaceOptions> = async (image, options, ctx) => {
  const fidelity = Math.min(1, Math.max(0, options.fidelity));
  if (fidelity === 0) return image;
  ctx.progress({ stage: 'Finding faces', done: 0, total: 1 });
  const eyes = (f: FoundFace) => Math.hypot(f.five[1]![0] - f.five[0]![0], f.five[1]![1] - f.five[0]![1]);
  const faces = (await findFaces(image, ctx)).filter((f) => smallFaceStrength(eyes(f)) > 0);
  if (!faces.length) {
    ctx.note?.({ stage: 'face', skipped: true, message: 'no face large enough to restore: left as it is' });
    return image;
  }
  const manifest = faceRestoreModelFor(options);
  const convention = faceConventionOf(manifest);
  const model = await ctx.loadModel(manifest);
  const size = convention.size(manifest);
  const template = convention.template(size);
  const out: RgbaImage = { width: image.width, height: image.height, data: new Uint8ClampedArray(image.data) };
  for (const [i, face] of faces.entries()) {
    ctx.signal?.throwIfAborted();
    ctx.progress({ stage: 'Enhancing faces', done: i, total: faces.length });
    const toCrop = fitSimilarity(face.five, template);
    const crop = warpToCrop(image, toCrop, size);
    // a small face is restored more gently: the honest share of a 5-15x enlargement is smaller
    const amount = fidelity * smallFaceStrength(eyes(face));
    const restored = await convention.restore(model, manifest, crop, amount);
    matchColour(restored, crop);
    pasteCrop(out, restored, toCrop, amount, undefined, crop, detailToKeep(similarityScale(toCrop)));
  }
  ctx.progress({ stage: 'Enhancing faces', done: faces.length, total: faces.length });
  return out;
};
