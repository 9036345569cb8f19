/**
 * Is this photo black-and-white (or a toned print: sepia, cyanotype, selenium)? Such photos
 * hold one hue at most: their a/b values lie along a single ray from grey (the tone's chroma
 * grows and shrinks with lightness, its hue does not). A colour photo spreads them sideways
 * or to the opposite hue. Sampled on at most ~65k pixels, so it is instant on any scan.
 */
import type { RgbaImage } from '../image/types.js';
import { rgbToLab } from './lab.js';

export interface ToneAnalysis {
  monochrome: boolean;
  /** Mean a/b: 0,0 for neutral grey; a sepia print sits around a 5..10, b 15..25. */
  meanA: number;
  meanB: number;
  /** The 95th percentile of the a/b distance from the tone's ray (Lab units). */
  spread: number;
  /**
   * Share of pixels clearly off the tone's ray (over COLOURED Lab units): a colour photo of a
   * mostly grey scene (a small red plane in a white sky) holds a few per cent of real colour
   * that the 95th percentile does not see.
   */
  colourShare: number;
}

/** Distance from the tone's ray (Lab units) beyond which a pixel has a colour of its own. */
export const COLOURED = 15;
/** A photo with at least this share of such pixels has colour, whatever its spread says. */
export const MIN_COLOUR_SHARE = 0.005;

/** True when the photo holds colour of its own (not black-and-white, not a toned print). */
export function hasColour(t: ToneAnalysis): boolean {
  return !t.monochrome || t.colourShare >= MIN_COLOUR_SHARE;
}

/** Below this spread (Lab units) the photo is taken as monochrome... */
export const MONOCHROME_SPREAD = 6;
/** ...unless it is this saturated (95th percentile chroma): toned prints stay far below it. */
export const MONOCHROME_MAX_CHROMA = 45;

export function analyzeTone(image: RgbaImage): ToneAnalysis {
  const n = image.width * image.height;
  const step = Math.max(1, Math.floor(n / 65536));
  const count = Math.ceil(n / step);
  // Typed arrays: their numeric sort is several times faster than sorting boxed numbers.
  const as = new Float32Array(count), bs = new Float32Array(count);
  let sumA = 0, sumB = 0;
  for (let i = 0, k = 0; i < n; i += step, k++) {
    const o = i * 4;
    const [, a, b] = rgbToLab(image.data[o]!, image.data[o + 1]!, image.data[o + 2]!);
    as[k] = a;
    bs[k] = b;
    sumA += a;
    sumB += b;
  }
  const meanA = sumA / count, meanB = sumB / count;
  const c = Math.hypot(meanA, meanB);
  // Distance of each sample from the ray grey -> mean tone (from grey itself for neutral photos).
  const ux = c > 3 ? meanA / c : 0, uy = c > 3 ? meanB / c : 0;
  const dist = new Float32Array(count), chromas = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    const a = as[k]!, b = bs[k]!;
    const along = a * ux + b * uy;
    dist[k] = along > 0 ? Math.abs(a * uy - b * ux) : Math.hypot(a, b);
    chromas[k] = Math.hypot(a, b);
  }
  dist.sort();
  chromas.sort();
  const p95 = (v: Float32Array) => v[Math.min(v.length - 1, Math.floor(0.95 * v.length))] ?? 0;
  const spread = p95(dist);
  let coloured = 0;
  for (let i = dist.length - 1; i >= 0 && dist[i]! > COLOURED; i--) coloured++;
  const chroma = p95(chromas);
  return { monochrome: spread < MONOCHROME_SPREAD && chroma < MONOCHROME_MAX_CHROMA, meanA, meanB, spread, colourShare: dist.length ? coloured / dist.length : 0 };
}
