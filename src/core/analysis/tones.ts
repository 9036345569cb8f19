/**
 * Fading: a faded print has lost its blacks (the darkest tones are lifted towards grey), often
 * some of its whites, and some of its colour. Measured on the luminance histogram.
 *
 * Clean photos vary a lot: a misty landscape or a close-up of a white wall has no black at all
 * (Kodak's kodim12 has its 0.5 % point at 51 levels), so a lifted black alone is weak evidence.
 * The correction therefore starts only where clean photos rarely go (black point above
 * FADED_BLACK[0]) and reaches full strength at FADED_BLACK[1]; in between it grows smoothly, so
 * a slightly faded photo gets a slight correction and a well-exposed one none at all.
 */
import type { RgbaImage } from '../image/types';
import { luma, smoothstep } from './shrink';

export interface ToneMeasures {
  /** Luminance levels (0..255) below which 0.5 % / above which 0.5 % of the pixels lie. */
  black: number;
  white: number;
  /** (white - black) as a share of a well-exposed print's range (NORMAL_RANGE): 1 = normal. */
  contrast: number;
  /** Mean chroma (max - min channel, 0..255) of the pixels. */
  saturation: number;
  /** How faded the photo looks, 0 (not at all) .. 1 (clearly): drives the levels correction. */
  fading: number;
}

/** Share of pixels allowed to clip at each end: ignores dust specks and scratches. */
export const CLIP = 0.005;
/** Black point (levels) where a fade correction starts, and where it is at full strength. */
export const FADED_BLACK: [number, number] = [40, 85];
/** Where a corrected print's black and white points go. */
export const TARGET_BLACK = 8;
export const TARGET_WHITE = 245;
/** The luminance range of a well-exposed print (0.5 % .. 99.5 %). */
export const NORMAL_RANGE = TARGET_WHITE - TARGET_BLACK;

export function luminanceHistogram(img: RgbaImage): Float64Array {
  const h = new Float64Array(256);
  const d = img.data;
  const n = img.width * img.height;
  const step = Math.max(1, Math.floor(n / 1_000_000)) * 4;
  for (let i = 0; i < d.length; i += step) {
    if (d[i + 3] === 0) continue; // transparent pixels say nothing about the print
    h[Math.round(luma(d[i]!, d[i + 1]!, d[i + 2]!))]!++;
  }
  return h;
}

export function percentiles(hist: Float64Array, clip = CLIP): [number, number] {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return [0, 255];
  let acc = 0, lo = 0, hi = 255;
  for (let v = 0; v < 256; v++) if ((acc += hist[v]!) > total * clip) { lo = v; break; }
  acc = 0;
  for (let v = 255; v >= 0; v--) if ((acc += hist[v]!) > total * clip) { hi = v; break; }
  return [lo, hi];
}

export function measureTones(img: RgbaImage): ToneMeasures {
  const [black, white] = percentiles(luminanceHistogram(img));
  let sat = 0, n = 0;
  const d = img.data;
  const step = Math.max(1, Math.floor((img.width * img.height) / 250_000)) * 4;
  for (let i = 0; i < d.length; i += step) {
    if (d[i + 3] === 0) continue;
    sat += Math.max(d[i]!, d[i + 1]!, d[i + 2]!) - Math.min(d[i]!, d[i + 1]!, d[i + 2]!);
    n++;
  }
  // A flat image (blank, one colour) has nothing to stretch.
  const fading = white - black < 8 ? 0 : smoothstep(FADED_BLACK[0], FADED_BLACK[1], black);
  return { black, white, contrast: (white - black) / NORMAL_RANGE, saturation: n ? sat / n : 0, fading };
}
