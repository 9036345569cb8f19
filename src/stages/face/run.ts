import type { RgbaImage } from '../../core/image/types';
import type { StageContext, StageRunner } from '../../core/pipeline/stage';
import { detectTinyFaces, faceCropInput, fivePointsFrom68, iou, landmarksToImage, nonMaxSuppression, tinyFaceDetectorInput, LANDMARK68_INPUT_SIZE, type FaceBox } from '../../core/faces';
import { detailToKeep, fitSimilarity, keepOriginalColour, matchColour, pasteCrop, similarityScale, warpToCrop, type Point } from '../../core/faces/align';
import { faceMeta, faceModel, faceRestoreModelFor, smallFaceStrength, type FaceOptions } from './meta';
import { faceConventionOf } from './conventions';
import { planAxis, planTiles } from '../../core/tiling/tiles';
import { analyzeTone, hasColour } from '../../core/color/monochrome';

export interface FoundFace {
  box: FaceBox;
  score: number;
  /** Left eye, right eye, nose tip, left and right mouth corners (image pixels). */
  five: Point[];
  /** Found only in an enlarged window (detectionWindows): a small face, or a likelier false one. */
  inWindow?: boolean;
}

/** How far apart a face's eyes are (px): the measure of its size that the face stages use. */
export const eyeDistance = (f: FoundFace): number => Math.hypot(f.five[1]![0] - f.five[0]![0], f.five[1]![1] - f.five[0]![1]);

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
 * Overlapping square windows of the photo, each enlarged by the detector to its input side: the
 * whole-photo pass shrinks a big photo to `side` px, so a face in a group photo ends up under the
 * detector's smallest anchor (about 50 px). The window is as small as `maxTiles` windows allow,
 * down to side / maxZoom (an enlargement of maxZoom); none when that is no closer than the
 * whole-photo pass. Windows overlap by a quarter, more than a small face is wide (the tiling's
 * planTiles, as the models' tiles are laid out).
 */
export function detectionWindows(width: number, height: number, side: number, maxTiles: number, maxZoom: number): FaceBox[] {
  if (maxTiles < 1) return [];
  let c = Math.ceil(side / maxZoom);
  while (planAxis(width, c, c >> 2).length * planAxis(height, c, c >> 2).length > maxTiles) c += 16;
  // a window must see the photo at least 1.5x closer than the whole-photo pass does
  if (side / c < (1.5 * side) / Math.max(width, height)) return [];
  return planTiles(width, height, c, c >> 2).map(({ x, y, width: w, height: h }) => ({ x, y, width: w, height: h }));
}

/**
 * Finds the faces in a photo and their five alignment points: the tiny face detector on the
 * whole photo (mid-size faces), on a zoomed-out copy (faces that fill the photo, beyond its
 * anchors) and on enlarged windows (the small faces of a group photo), merged, then 68
 * landmarks per face.
 */
export async function findFaces(image: RgbaImage, ctx: StageContext): Promise<FoundFace[]> {
  const detM = faceModel('face-detect');
  const lmM = faceModel('face-landmarks');
  const detector = await ctx.loadModel(detM);
  const landmarks = await ctx.loadModel(lmM);
  if (!detector.runTensors || !landmarks.runTensors) throw new Error('This runtime cannot run the face detector');
  const side = faceMeta.detectorSize;
  const detect = async (img: RgbaImage, region = { x: 0, y: 0, width: img.width, height: img.height }) => {
    const grid = (await detector.runTensors!({ [detM.input.name]: tinyFaceDetectorInput(img, side, region) }))[detM.output.name]!;
    return detectTinyFaces(grid.data, grid.dims, { imageWidth: region.width, imageHeight: region.height });
  };
  const zoom = zoomedOut(image, side / 2, side);
  const candidates = [
    ...(await detect(image)).map((d) => ({ score: d.score, box: d.box })),
    ...(await detect(zoom.image)).map((d) => ({ score: d.score, box: zoom.toImage(d.box) })),
  ];
  // the same face found in both passes is kept once
  const kept: { score: number; box: FaceBox; inWindow?: boolean }[] =
    nonMaxSuppression(candidates.map((c) => c.box), candidates.map((c) => c.score), 0.3).map((i) => candidates[i]!);
  // the windows only add faces the whole-photo passes missed
  const extra: typeof kept = [];
  for (const w of detectionWindows(image.width, image.height, side, faceMeta.detectorWindows, faceMeta.detectorWindowZoom)) {
    ctx.signal?.throwIfAborted();
    for (const d of await detect(image, w)) {
      // a window's edge cuts faces: a face it touches is left to the window beside it
      const b = d.box, m = 2;
      const cut = (b.x < m && w.x > 0) || (b.y < m && w.y > 0) || (b.x + b.width > w.width - m && w.x + w.width < image.width) || (b.y + b.height > w.height - m && w.y + w.height < image.height);
      const box = { ...b, x: b.x + w.x, y: b.y + w.y };
      if (!cut && d.score >= faceMeta.windowMinScore && !kept.some((k) => iou(k.box, box) > 0.3)) extra.push({ score: d.score, box, inWindow: true });
    }
  }
  kept.push(...nonMaxSuppression(extra.map((c) => c.box), extra.map((c) => c.score), 0.3).map((i) => extra[i]!));
  const found: FoundFace[] = [];
  for (const d of kept) {
    ctx.signal?.throwIfAborted();
    const crop = faceCropInput(image, d.box, LANDMARK68_INPUT_SIZE);
    const raw = (await landmarks.runTensors({ [lmM.input.name]: crop }))[lmM.output.name]!;
    const pts = landmarksToImage(raw.data, crop.crop);
    const five = fivePointsFrom68(pts);
    // on a false face from a window the landmarks collapse: eyes far closer than the box is wide
    // (a face's eyes are about a third of its box apart)
    const face: FoundFace = { box: d.box, score: d.score, five, ...(d.inWindow ? { inWindow: true } : {}) };
    if (d.inWindow && eyeDistance(face) < faceMeta.windowMinEyesToBox * d.box.width) continue;
    found.push(face);
  }
  return found;
}

export const runFace: StageRunner<FaceOptions> = async (image, options, ctx) => {
  const fidelity = Math.min(1, Math.max(0, options.fidelity));
  if (fidelity === 0) return image;
  ctx.progress({ stage: 'Finding faces', done: 0, total: 1 });
  const faces = (await findFaces(image, ctx)).filter((f) => smallFaceStrength(eyeDistance(f)) > 0);
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
  // a black-and-white or toned print gets the faces' lightness only: it must not gain colour
  const lightnessOnly = !hasColour(analyzeTone(image));
  for (const [i, face] of faces.entries()) {
    ctx.signal?.throwIfAborted();
    ctx.progress({ stage: 'Enhancing faces', done: i, total: faces.length });
    const toCrop = fitSimilarity(face.five, template);
    const crop = warpToCrop(image, toCrop, size);
    // a small face is restored more gently: the honest share of a 5-15x enlargement is smaller
    const amount = fidelity * smallFaceStrength(eyeDistance(face));
    const restored = await convention.restore(model, manifest, crop, amount);
    matchColour(restored, crop);
    if (lightnessOnly) keepOriginalColour(restored, crop);
    pasteCrop(out, restored, toCrop, amount, undefined, crop, detailToKeep(similarityScale(toCrop)));
  }
  ctx.progress({ stage: 'Enhancing faces', done: faces.length, total: faces.length });
  return out;
};
