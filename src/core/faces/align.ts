/**
 * Face alignment: the similarity transform (rotation, uniform scale, translation) that takes a
 * face's five landmarks (eyes, nose tip, mouth corners) onto a canonical template, warping the
 * face into the restoration model's square, and pasting the restored square back through the
 * inverse transform with a feathered mask so no seam shows. Framework-free.
 */
import type { PlanarImage, RgbaImage } from '../image/types.js';
import { labToRgbInto, rgbToLab } from '../color/lab.js';

export type Point = [number, number];
/** x' = a x - b y + tx, y' = b x + a y + ty (a = s cos θ, b = s sin θ). */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/** FFHQ 512 template (facexlib): left eye, right eye, nose, left mouth corner, right mouth corner. */
export const FFHQ_TEMPLATE_512: readonly Point[] = [
  [192.98, 239.95], [318.9, 240.19], [256.63, 314.02], [201.26, 371.41], [313.09, 371.15],
];

/** The template for a square of `size` px, optionally zoomed out by `margin` (1 = FFHQ framing). */
export function faceTemplate(size: number, margin = 1): Point[] {
  const k = size / 512;
  return FFHQ_TEMPLATE_512.map(([x, y]) => [(256 + (x - 256) / margin) * k, (256 + (y - 256) / margin) * k]);
}

/** Least-squares similarity taking `src` points onto `dst` (Umeyama 1991, no reflection). */
export function fitSimilarity(src: readonly Point[], dst: readonly Point[]): Similarity {
  const n = src.length;
  if (n < 2 || dst.length !== n) throw new Error('fitSimilarity needs at least two matching points');
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) { sx += src[i]![0]; sy += src[i]![1]; dx += dst[i]![0]; dy += dst[i]![1]; }
  sx /= n; sy /= n; dx /= n; dy /= n;
  let num1 = 0, num2 = 0, den = 0;
  for (let i = 0; i < n; i++) {
    const px = src[i]![0] - sx, py = src[i]![1] - sy, qx = dst[i]![0] - dx, qy = dst[i]![1] - dy;
    num1 += px * qx + py * qy;
    num2 += px * qy - py * qx;
    den += px * px + py * py;
  }
  if (den === 0) throw new Error('fitSimilarity: the source points coincide');
  const a = num1 / den, b = num2 / den;
  return { a, b, tx: dx - (a * sx - b * sy), ty: dy - (b * sx + a * sy) };
}

export function applySimilarity(m: Similarity, [x, y]: Point): Point {
  return [m.a * x - m.b * y + m.tx, m.b * x + m.a * y + m.ty];
}

export function invertSimilarity(m: Similarity): Similarity {
  const s2 = m.a * m.a + m.b * m.b;
  const a = m.a / s2, b = -m.b / s2;
  return { a, b, tx: -(a * m.tx - b * m.ty), ty: -(b * m.tx + a * m.ty) };
}

/** The scale of a similarity (crop pixels per image pixel). */
export const similarityScale = (m: Similarity) => Math.hypot(m.a, m.b);

/** Bilinear sample of RGBA channel c at (x, y) with edge replication, in 0..255. */
function sample(img: RgbaImage, x: number, y: number, out: number[]): void {
  const w = img.width, h = img.height;
  const cx = Math.min(w - 1, Math.max(0, x)), cy = Math.min(h - 1, Math.max(0, y));
  const x0 = Math.floor(cx), y0 = Math.floor(cy);
  const x1 = Math.min(w - 1, x0 + 1), y1 = Math.min(h - 1, y0 + 1);
  const fx = cx - x0, fy = cy - y0;
  const d = img.data;
  const i00 = (y0 * w + x0) * 4, i01 = (y0 * w + x1) * 4, i10 = (y1 * w + x0) * 4, i11 = (y1 * w + x1) * 4;
  for (let c = 0; c < 3; c++) {
    out[c] = (d[i00 + c]! * (1 - fx) + d[i01 + c]! * fx) * (1 - fy) + (d[i10 + c]! * (1 - fx) + d[i11 + c]! * fx) * fy;
  }
}

/**
 * The face square: pixel (u, v) of a size x size crop is the image at toImage(u + 0.5, v + 0.5),
 * where toImage is the inverse of `toCrop` (image -> crop). Planar RGB in [0, 1]. When the face
 * is larger than the square, each crop pixel averages a k x k grid of bilinear samples over its
 * footprint (k = round(1 / scale), at most 8): a box filter, so fine detail does not alias.
 */
export function warpToCrop(image: RgbaImage, toCrop: Similarity, size: number): PlanarImage {
  const inv = invertSimilarity(toCrop);
  const k = Math.min(8, Math.max(1, Math.round(1 / similarityScale(toCrop))));
  const plane = size * size;
  const data = new Float32Array(3 * plane);
  const px = [0, 0, 0];
  const norm = 1 / (255 * k * k);
  for (let v = 0; v < size; v++)
    for (let u = 0; u < size; u++) {
      let r = 0, g = 0, b = 0;
      for (let j = 0; j < k; j++)
        for (let i = 0; i < k; i++) {
          const [x, y] = applySimilarity(inv, [u + (i + 0.5) / k, v + (j + 0.5) / k]);
          sample(image, x - 0.5, y - 0.5, px);
          r += px[0]!; g += px[1]!; b += px[2]!;
        }
      const o = v * size + u;
      data[o] = r * norm;
      data[plane + o] = g * norm;
      data[2 * plane + o] = b * norm;
    }
  return { width: size, height: size, channels: 3, data };
}

/** Bilinear sample of a planar crop at (u, v) (pixel centres at +0.5), clamped. */
function sampleCrop(crop: PlanarImage, u: number, v: number, c: number): number {
  const s = crop.width;
  const x = Math.min(s - 1, Math.max(0, u - 0.5)), y = Math.min(crop.height - 1, Math.max(0, v - 0.5));
  const x0 = Math.floor(x), y0 = Math.floor(y), x1 = Math.min(s - 1, x0 + 1), y1 = Math.min(crop.height - 1, y0 + 1);
  const fx = x - x0, fy = y - y0;
  const p = c * s * crop.height, d = crop.data;
  return (d[p + y0 * s + x0]! * (1 - fx) + d[p + y0 * s + x1]! * fx) * (1 - fy) + (d[p + y1 * s + x0]! * (1 - fx) + d[p + y1 * s + x1]! * fx) * fy;
}

/**
 * How much of the restored crop shows at crop position (u, v): 1 inside, falling smoothly to 0
 * over `feather` (a fraction of the crop side) before the crop's edge, so the paste has no seam.
 */
export function featherWeight(u: number, v: number, size: number, feather = 0.12): number {
  const edge = Math.min(u, v, size - u, size - v) / size; // 0 at the border, 0.5 at the centre
  const inner = 0.02; // the outermost pixels never show: the warp replicated edges there
  const t = Math.min(1, Math.max(0, (edge - inner) / feather));
  return t * t * (3 - 2 * t);
}

/**
 * Pastes a restored face crop into `out` (a copy of the photo, RGBA) through the inverse of
 * `toCrop`, blending `amount` (0..1, the fidelity control) with the feathered mask. Only the
 * pixels under the crop's footprint are touched.
 *
 * With `original` (the crop the model was given), `keepDetail` (0..1) of the photo's own detail
 * finer than the square can hold (photo - original at each place) is added back: 1 pastes only
 * the model's change, so a face much larger than the square is not replaced by an upscaled,
 * softer copy; 0 is a plain paste.
 */
export function pasteCrop(out: RgbaImage, restored: PlanarImage, toCrop: Similarity, amount: number, feather = 0.12, original?: PlanarImage, keepDetail = 1): void {
  if (amount <= 0) return;
  const size = restored.width;
  if (original && (original.width !== size || original.height !== restored.height)) throw new RangeError('original and restored crops differ in size');
  const inv = invertSimilarity(toCrop);
  // footprint of the crop in the image
  const corners = ([[0, 0], [size, 0], [0, size], [size, size]] as Point[]).map((p) => applySimilarity(inv, p));
  const x0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p[0])))), x1 = Math.min(out.width - 1, Math.ceil(Math.max(...corners.map((p) => p[0]))));
  const y0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p[1])))), y1 = Math.min(out.height - 1, Math.ceil(Math.max(...corners.map((p) => p[1]))));
  const d = out.data;
  for (let y = y0; y <= y1; y++)
    for (let x = x0; x <= x1; x++) {
      const [u, v] = applySimilarity(toCrop, [x + 0.5, y + 0.5]);
      if (u < 0 || v < 0 || u >= size || v >= size) continue;
      const w = amount * featherWeight(u, v, size, feather);
      if (w <= 0) continue;
      const o = (y * out.width + x) * 4;
      for (let c = 0; c < 3; c++) {
        const r = 255 * sampleCrop(restored, u, v, c);
        const target = original && keepDetail > 0 ? r + keepDetail * (d[o + c]! - 255 * sampleCrop(original, u, v, c)) : r;
        d[o + c] = Math.round(d[o + c]! + w * (target - d[o + c]!));
      }
    }
}

/**
 * How much of a face's own fine detail to keep when it is pasted back (pasteCrop's keepDetail),
 * from the crop scale (crop px per photo px): none while the face is at most ~1.7x the square
 * (the restored square holds its detail, and what the square cannot hold is mostly noise and
 * grain the model removed), all of it from ~3.3x (a big face in a high-resolution scan would
 * otherwise come back as a 3x+ upscale of the square), smoothly in between.
 */
export function detailToKeep(scale: number): number {
  const t = Math.min(1, Math.max(0, (0.6 - scale) / 0.3));
  return t * t * (3 - 2 * t);
}

/**
 * Keeps the restoration from shifting the face's colour: moves each channel's mean over the
 * central part of the restored crop onto the original crop's (skin tone and white balance stay
 * the photo's; detail comes from the network).
 */
export function matchColour(restored: PlanarImage, original: PlanarImage): void {
  const s = restored.width, plane = s * restored.height;
  const lo = Math.floor(s * 0.25), hi = Math.ceil(s * 0.75);
  for (let c = 0; c < 3; c++) {
    let mr = 0, mo = 0, n = 0;
    for (let y = lo; y < hi; y++)
      for (let x = lo; x < hi; x++) {
        mr += restored.data[c * plane + y * s + x]!;
        mo += original.data[c * plane + y * s + x]!;
        n++;
      }
    const shift = (mo - mr) / n;
    for (let i = 0; i < plane; i++) restored.data[c * plane + i] = Math.min(1, Math.max(0, restored.data[c * plane + i]! + shift));
  }
}

/**
 * For black-and-white and toned photos: keeps only the restoration's lightness and gives each
 * pixel back the colour (Lab a/b) it had in the original crop. Face restorers trained on colour
 * faces tint grey ones (blue casts, red ears and noses: GFPGAN #188, CodeFormer #238); a print
 * that never held colour must not gain any.
 */
export function keepOriginalColour(restored: PlanarImage, original: PlanarImage): void {
  if (original.width !== restored.width || original.height !== restored.height) throw new RangeError('original and restored crops differ in size');
  const plane = restored.width * restored.height, r = restored.data, o = original.data;
  const px = [0, 0, 0];
  const u8 = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));
  for (let i = 0; i < plane; i++) {
    const [L] = rgbToLab(u8(r[i]!), u8(r[plane + i]!), u8(r[2 * plane + i]!));
    const [, a, b] = rgbToLab(u8(o[i]!), u8(o[plane + i]!), u8(o[2 * plane + i]!));
    labToRgbInto(L, a, b, px, 0);
    r[i] = px[0]! / 255;
    r[plane + i] = px[1]! / 255;
    r[2 * plane + i] = px[2]! / 255;
  }
}
