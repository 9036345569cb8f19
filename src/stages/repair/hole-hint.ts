import type { RgbaImage } from '../../core/image/types';
import type { Mask } from '../../core/image/mask';

/**
 * A smooth guess for every pixel of a photo with holes, made from the whole photo: the
 * inpainting network fills one tile at a time, and its prefill (a push-pull average of the
 * tile's known pixels) had nothing to average in a tile that lies wholly inside a large hole,
 * so a torn corner wider than a tile came out black. The app writes this hint into the hole
 * pixels it hands the network; the graph weighs them 2^-14 against a known pixel's 1
 * (models/repair/common.py HINT_WEIGHT), so the hint counts only where a tile knows nothing
 * nearby.
 *
 * The hint is the same push-pull, run on a copy box-shrunk to at most `longSide` (colour and
 * coverage averaged per block) and carried down to a single pixel, so every pixel gets a colour
 * whenever any pixel of the photo is known. Mirrors common.py hole_hint; a test checks the two
 * agree.
 */
export interface HoleHint {
  /** Size of the photo the hint is read at. */
  width: number;
  height: number;
  /** The shrunk fill: RGB planes in [0,1], `small.width` x `small.height`. */
  small: { width: number; height: number; rgb: Float32Array };
  /** Where each column and row of the photo reads the shrunk fill. */
  cols: Taps;
  rows: Taps;
}

/** Bilinear taps along one axis: per output pixel, the two source pixels and the weight of the second. */
interface Taps {
  i0: Int32Array;
  i1: Int32Array;
  l: Float64Array;
}

/** Push-pull levels carry a colour only where coverage x GAIN >= 1 (common.py push_pull's gain). */
const GAIN = 16;
const EPS = 1e-6;

export function holeHint(image: RgbaImage, mask: Mask, longSide: number): HoleHint {
  const { width: w, height: h } = image;
  const f = Math.max(1, Math.ceil(Math.max(w, h) / longSide));
  const sw = Math.ceil(w / f), sh = Math.ceil(h / f);
  // per block: coverage (share of known pixels) and colour x coverage, both over the block's pixels
  const acc = new Float64Array(4 * sw * sh);
  const block = new Int32Array(w);
  for (let x = 0; x < w; x++) block[x] = Math.floor(x / f);
  for (let y = 0; y < h; y++) {
    const row = Math.floor(y / f) * sw;
    for (let x = 0, i = y * w; x < w; x++, i++) {
      if (mask.data[i]) continue;
      const b = 4 * (row + block[x]!);
      acc[b] += image.data[4 * i]! / 255;
      acc[b + 1] += image.data[4 * i + 1]! / 255;
      acc[b + 2] += image.data[4 * i + 2]! / 255;
      acc[b + 3]++;
    }
  }
  const cs = new Float32Array(3 * sw * sh), ws = new Float32Array(sw * sh);
  for (let by = 0; by < sh; by++)
    for (let bx = 0; bx < sw; bx++) {
      const b = by * sw + bx, n = (Math.min(w, (bx + 1) * f) - bx * f) * (Math.min(h, (by + 1) * f) - by * f);
      ws[b] = acc[4 * b + 3]! / n;
      for (let c = 0; c < 3; c++) cs[c * sw * sh + b] = acc[4 * b + c]! / n;
    }
  const levels = Math.max(1, Math.ceil(Math.log2(Math.max(sw, sh))));
  return {
    width: w, height: h,
    small: { width: sw, height: sh, rgb: pushPull(cs, ws, sw, sh, levels) },
    cols: axisTaps(sw, w), rows: axisTaps(sh, h),
  };
}

/** The hint at pixel (x, y) of the photo, its R, G, B in `out`: the shrunk fill read bilinearly. */
export function hintAt(hint: HoleHint, x: number, y: number, out: Float32Array): void {
  const { width: sw, height: sh, rgb } = hint.small;
  for (let c = 0; c < 3; c++) out[c] = lerp2(rgb, c * sw * sh, sw, hint.cols, x, hint.rows, y);
}

/**
 * Push-pull on planes `cs` (3 colour planes, colour x coverage) and `ws` (coverage), w x h:
 * averages down `levels` 2x2 levels (an odd last row or column repeated), then from the coarsest
 * up each level keeps its own colour where its coverage counts and takes the coarser one,
 * enlarged bilinearly, elsewhere. Returns the 3 filled colour planes.
 */
function pushPull(cs0: Float32Array, ws0: Float32Array, w0: number, h0: number, levels: number): Float32Array {
  const pyramid = [{ cs: cs0, ws: ws0, w: w0, h: h0 }];
  for (let l = 0; l < levels; l++) {
    const { cs, ws, w, h } = pyramid[l]!;
    const w2 = Math.ceil(w / 2), h2 = Math.ceil(h / 2);
    pyramid.push({ cs: halve(cs, 3, w, h), ws: halve(ws, 1, w, h), w: w2, h: h2 });
  }
  const top = pyramid[levels]!;
  let col = new Float32Array(3 * top.w * top.h);
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < top.w * top.h; i++) col[c * top.w * top.h + i] = top.cs[c * top.w * top.h + i]! / Math.max(top.ws[i]!, EPS);
  let cw = top.w, ch = top.h;
  for (let l = levels - 1; l >= 0; l--) {
    const { cs, ws, w, h } = pyramid[l]!;
    const next = new Float32Array(3 * w * h);
    const cols = axisTaps(cw, w), rows = axisTaps(ch, h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = y * w + x, a = Math.min(1, Math.max(0, ws[i]! * GAIN));
        for (let c = 0; c < 3; c++) {
          const up = lerp2(col, c * cw * ch, cw, cols, x, rows, y);
          next[c * w * h + i] = a * (cs[c * w * h + i]! / Math.max(ws[i]!, EPS)) + (1 - a) * up;
        }
      }
    col = next;
    cw = w;
    ch = h;
  }
  return col;
}

/** 2x2 means of `planes` planes of w x h; an odd last row or column is repeated (ceil-mode pooling). */
function halve(src: Float32Array, planes: number, w: number, h: number): Float32Array {
  const w2 = Math.ceil(w / 2), h2 = Math.ceil(h / 2);
  const out = new Float32Array(planes * w2 * h2);
  for (let p = 0; p < planes; p++) {
    const s = src.subarray(p * w * h), o = p * w2 * h2;
    for (let y = 0; y < h2; y++) {
      const ya = 2 * y * w, yb = Math.min(2 * y + 1, h - 1) * w;
      for (let x = 0; x < w2; x++) {
        const xa = 2 * x, xb = Math.min(2 * x + 1, w - 1);
        out[o + y * w2 + x] = (s[ya + xa]! + s[ya + xb]! + s[yb + xa]! + s[yb + xb]!) / 4;
      }
    }
  }
  return out;
}

/**
 * Bilinear taps of a `to`-long axis reading a `from`-long one, pixel centres aligned (PyTorch's
 * align_corners=False, which common.py's push_pull and hole_hint use).
 */
function axisTaps(from: number, to: number): Taps {
  const t = { i0: new Int32Array(to), i1: new Int32Array(to), l: new Float64Array(to) };
  for (let i = 0; i < to; i++) {
    const s = Math.max(0, (i + 0.5) * (from / to) - 0.5);
    const i0 = Math.min(Math.floor(s), from - 1);
    t.i0[i] = i0;
    t.i1[i] = Math.min(i0 + 1, from - 1);
    t.l[i] = s - i0;
  }
  return t;
}

/** Plane `p` (from offset `off`, `w` wide) read bilinearly at output pixel (x, y) through its taps. */
function lerp2(p: Float32Array, off: number, w: number, cols: Taps, x: number, rows: Taps, y: number): number {
  const x0 = cols.i0[x]!, x1 = cols.i1[x]!, lx = cols.l[x]!;
  const a = off + rows.i0[y]! * w, b = off + rows.i1[y]! * w, ly = rows.l[y]!;
  return (1 - ly) * ((1 - lx) * p[a + x0]! + lx * p[a + x1]!) + ly * ((1 - lx) * p[b + x0]! + lx * p[b + x1]!);
}
