import type { RgbaImage } from '../../core/image/types';

/**
 * Classical fade and colour-cast repair for old prints, as 256-entry lookup tables (fast on
 * 50-megapixel scans, and exact to test):
 * - levels: one stretch for all channels, between robust low/high percentiles of the
 *   luminance (a faded print has lost its blacks and whites; stretching channels separately
 *   would invent colour, since real scenes rarely fill every channel);
 * - colour cast: dyes fade unevenly, which shifts whole channels; each channel is shifted
 *   back so its mean meets the luminance mean (grey world), bounded so a genuinely
 *   colourful scene is not pushed into false colour;
 * - keepTone skips the cast step, so contrast comes back but a sepia or vintage tone stays.
 * `strength` blends each curve with the identity (0 = unchanged, 1 = full correction).
 */
export interface FadeOptions {
  strength: number;
  keepTone: boolean;
}

/** Share of pixels allowed to clip at each end: ignores dust specks and scratches. */
const CLIP = 0.005;
/** Largest channel shift (0..255 levels) the cast correction applies. */
const MAX_SHIFT = 48;

export function fadeCurves(img: RgbaImage, opts: FadeOptions): [Uint8Array, Uint8Array, Uint8Array] {
  const hist = histograms(img);
  const s = Math.min(1, Math.max(0, opts.strength));
  const [lo, hi] = percentiles(hist[3]!);
  const levels = stretch(lo, hi);
  const yMean = meanAfter(hist[3]!, levels);
  return [0, 1, 2].map((c) => {
    const shift = opts.keepTone ? 0 : Math.max(-MAX_SHIFT, Math.min(MAX_SHIFT, yMean - meanAfter(hist[c]!, levels)));
    return blend(levels.map((v) => v + shift), s);
  }) as [Uint8Array, Uint8Array, Uint8Array];
}

export function fixFading(img: RgbaImage, opts: FadeOptions): RgbaImage {
  const [r, g, b] = fadeCurves(img, opts);
  const out = new Uint8ClampedArray(img.data.length);
  const src = img.data;
  for (let i = 0; i < src.length; i += 4) {
    out[i] = r[src[i]!]!;
    out[i + 1] = g[src[i + 1]!]!;
    out[i + 2] = b[src[i + 2]!]!;
    out[i + 3] = src[i + 3]!;
  }
  return { width: img.width, height: img.height, data: out };
}

/** R, G, B and luminance histograms, from at most ~1M sampled pixels. */
function histograms(img: RgbaImage): Float64Array[] {
  const h = [0, 1, 2, 3].map(() => new Float64Array(256));
  const n = img.width * img.height;
  const step = Math.max(1, Math.floor(n / 1_000_000)) * 4;
  const d = img.data;
  for (let i = 0; i < d.length; i += step) {
    if (d[i + 3] === 0) continue; // transparent pixels say nothing about the print
    h[0]![d[i]!]!++;
    h[1]![d[i + 1]!]!++;
    h[2]![d[i + 2]!]!++;
    h[3]![Math.round(0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!)]!++;
  }
  return h;
}

function percentiles(hist: Float64Array): [number, number] {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return [0, 255];
  let acc = 0, lo = 0, hi = 255;
  for (let v = 0; v < 256; v++) if ((acc += hist[v]!) > total * CLIP) { lo = v; break; }
  acc = 0;
  for (let v = 255; v >= 0; v--) if ((acc += hist[v]!) > total * CLIP) { hi = v; break; }
  // A flat channel (a blank image) has nothing to stretch.
  return hi - lo < 8 ? [0, 255] : [lo, hi];
}

/** Linear curve mapping lo..hi onto 0..255 (clamping happens when the curve is blended). */
function stretch(lo: number, hi: number): Float64Array {
  const c = new Float64Array(256);
  for (let v = 0; v < 256; v++) c[v] = (255 * (v - lo)) / (hi - lo);
  return c;
}

function meanAfter(hist: Float64Array, curve: Float64Array): number {
  let sum = 0, n = 0;
  for (let v = 0; v < 256; v++) { sum += hist[v]! * Math.min(255, Math.max(0, curve[v]!)); n += hist[v]!; }
  return n ? sum / n : 128;
}

function blend(curve: Float64Array, s: number): Uint8Array {
  const out = new Uint8Array(256);
  for (let v = 0; v < 256; v++) out[v] = Math.min(255, Math.max(0, Math.round(v + s * (curve[v]! - v))));
  return out;
}
