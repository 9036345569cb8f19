/**
 * Finds a print in a photo of it (on a table, at an angle): its four corners and how sure we
 * are. Classical and fast: the table is learnt from the frame's outer strip, pixels unlike it
 * give a rough quad on a ~512 px copy, then each side is fitted to the table-to-print step on a
 * ~1024 px copy. A photo that is not of a print (no four clear straight sides, or a "print" that
 * fills the frame, as a scan does) gets no corners: it is left as it is.
 */
import type { RgbaImage } from '../image/types';
import { shrinkImage } from '../analysis/shrink';
import { featureImage, learnTable, tableDistance, type TableModel } from './table-model';
import { blobQuads, otsu } from './print-blob';
import { fitPrintEdges, type EdgeFit, type FeatureImage } from './print-edges';
import { outsideTableShare, researchSide } from './side-evidence';
import { cornerAngles, distance, isConvex, orderQuad, polygonArea, type Quad } from './quad';

/** Long side of the copy the rough quad is found on. */
export const DETECT_SIDE = 512;
/** Long side of the copy the sides are fitted on (sub-pixel there is ~0.1 % of a print's diagonal). */
export const FIT_SIDE = 1024;
/** A quad over this share of the frame is the photo itself (a scan, a cropped print): nothing to do. */
export const MAX_PRINT_SHARE = 0.9;
/** Under this share, what was found is too small to be the subject. */
export const MIN_PRINT_SHARE = 0.04;
/** Least share of each side's profiles that must agree on a straight edge. */
const MIN_SIDE_SUPPORT = 0.5;
const MIN_MEAN_SUPPORT = 0.7;
/** How far out (share of the shortest side) a side may be pushed to an outer parallel edge. */
const OUTWARD_REACH = 0.3;
/** A side with the table outside less of its length than this is searched for again (side-evidence.ts). */
const RESEARCH_BELOW = 0.9;

export interface PrintDetection {
  /** The print's corners in the photo's pixels (top-left, top-right, bottom-right, bottom-left), or null. */
  corners: Quad | null;
  /** 0..1: how much of the four sides lies on clear straight edges. */
  confidence: number;
  /** A sentence for the user: what was found, or why the photo is left as it is. */
  message: string;
  width: number;
  height: number;
  ms: number;
}

/**
 * Photos of prints come from cameras (1,600 px and up, even after a messaging app shrinks them);
 * a smaller image is a scan, a crop or a collage, where a "print" found would be a false alarm
 * that crops good content (a card of two faces on a plain ground looked like two prints).
 */
export const MIN_PHOTO_SIDE = 800;

export function findPrint(image: RgbaImage): PrintDetection {
  const started = performance.now();
  const done = (corners: Quad | null, confidence: number, message: string): PrintDetection => ({
    corners,
    confidence,
    message,
    width: image.width,
    height: image.height,
    ms: performance.now() - started,
  });
  if (Math.max(image.width, image.height) < MIN_PHOTO_SIDE || Math.min(image.width, image.height) < 64) {
    return done(null, 0, 'The photo is too small to be a phone photo of a print; it is left as it is.');
  }
  const fitCopy = shrinkImage(image, FIT_SIDE);
  const small = shrinkImage(fitCopy, DETECT_SIDE);
  const w = small.width, h = small.height;
  const smallF = boxBlur3(featureImage(small), w, h);
  const table = learnTable(smallF, w, h, Math.max(3, Math.round(0.03 * Math.max(w, h))));
  const dist = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) dist[i] = tableDistance(table, smallF, i * 3);
  const t = Math.max(2, otsu(dist, 24));
  const rough = blobQuads(dist, w, h, [...new Set([t, Math.max(2, 0.6 * t), 1.5 * t])]);

  const fit: FeatureImage = { width: fitCopy.width, height: fitCopy.height, f: featureImage(fitCopy) };
  const kx = fitCopy.width / w, ky = fitCopy.height / h;
  let best: { quad: Quad; support: number[]; score: number } | null = null;
  const seen: Quad[] = [];
  for (const r of rough) {
    if (r.quadShare > 0.985) continue; // the whole frame: no table to tell a print from
    let fitted = fitSides(fit, table, r.quad.map((p) => ({ x: p.x * kx, y: p.y * ky })) as Quad);
    // Rough quads from neighbouring thresholds often fit to the same sides: no need to go on twice.
    if (!fitted || seen.some((q) => q.every((p, i) => distance(p, fitted!.quad[i]!) < 2))) continue;
    seen.push(fitted.quad);
    // A side with picture, not table, outside it is a line inside the picture: look again further out.
    for (let round = 0; round < 4; round++) {
      const q = fitted.quad;
      const outside = q.map((p, i) => outsideTableShare(fit, table, p, q[(i + 1) % 4]!));
      const worst = outside.indexOf(Math.min(...outside));
      if (outside[worst]! >= RESEARCH_BELOW) break;
      const moved = researchSide(fit, table, q, worst);
      const refit = moved && fitSides(fit, table, moved);
      if (!refit) break;
      fitted = refit;
    }
    const support = fitted.support;
    const score = support.reduce((a, b) => a + b, 0) / 4;
    if (!best || score > best.score) best = { quad: fitted.quad, support, score };
  }
  if (!best) return done(null, 0, 'No print found: no clear four-sided shape stands out from its surroundings. The photo is left as it is.');
  const { quad, support, score } = best;
  const confidence = Math.max(0, Math.min(1, score));
  const share = Math.abs(polygonArea(quad)) / (fitCopy.width * fitCopy.height);
  const angles = cornerAngles(quad);
  const inFrame = quad.every((p) => p.x > -0.02 * fitCopy.width && p.x < 1.02 * fitCopy.width && p.y > -0.02 * fitCopy.height && p.y < 1.02 * fitCopy.height);
  const notFound = (why: string) => done(null, confidence, `No print found: ${why}. The photo is left as it is.`);
  if (!isConvex(quad) || angles.some((a) => a < 40 || a > 140) || !inFrame) return notFound('the edges found do not make a print\'s shape');
  if (share > MAX_PRINT_SHARE) return notFound('the photo itself looks like the print (it fills the frame)');
  if (share < MIN_PRINT_SHARE) return notFound('the only shape found is too small');
  if (Math.min(...support) < MIN_SIDE_SUPPORT || score < MIN_MEAN_SUPPORT) return notFound('its sides are not clear straight edges');
  const k = image.width / fitCopy.width, kh = image.height / fitCopy.height;
  const corners = quad.map((p) => ({ x: p.x * k, y: p.y * kh })) as Quad;
  return done(corners, confidence, `Found a print (${Math.round(share * 100)} % of the photo, confidence ${Math.round(confidence * 100)} %).`);
}

/**
 * The four sides fitted near a rough quad: first in a wide band, each side pushed out to the
 * outermost parallel edge (a white border's paper edge), then in a narrow band for sub-pixel.
 */
function fitSides(fit: FeatureImage, table: TableModel, rough: Quad): EdgeFit | null {
  const shortest = Math.min(...rough.map((p, i) => distance(p, rough[(i + 1) % 4]!)));
  const wide = fitPrintEdges(fit, table, rough, Math.max(6, Math.round(0.1 * shortest)), 1.5, OUTWARD_REACH * shortest);
  if (!wide || !isConvex(orderQuad(wide.quad))) return null;
  const narrow = fitPrintEdges(fit, table, wide.quad, 5, 0.8) ?? wide;
  const quad = orderQuad(narrow.quad);
  return isConvex(quad) ? { quad, support: narrow.support } : null;
}

/** 3x3 box blur of a 3-channel feature image, twice (close to a small Gaussian): table texture fades, edges stay. */
function boxBlur3(f: Float32Array, w: number, h: number): Float32Array {
  let src = f;
  for (let pass = 0; pass < 2; pass++) {
    const out = new Float32Array(f.length);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let c = 0; c < 3; c++) {
          let s = 0, n = 0;
          for (let dy = -1; dy <= 1; dy++) {
            const yy = y + dy;
            if (yy < 0 || yy >= h) continue;
            for (let dx = -1; dx <= 1; dx++) {
              const xx = x + dx;
              if (xx < 0 || xx >= w) continue;
              s += src[(yy * w + xx) * 3 + c]!;
              n++;
            }
          }
          out[(y * w + x) * 3 + c] = s / n;
        }
    src = out;
  }
  return src;
}
