/**
 * Colour cast, with a confidence. Dyes fade unevenly, which scales whole channels (a yellow
 * print has lost blue, a magenta one green). Three cues estimate the per-channel gains:
 *
 * - grey edge (the main one): the Minkowski-6 mean of each channel's gradient. Edges of every
 *   colour average to grey in natural photos; a photo dominated by one colour has mostly
 *   *inner* area of that colour, which has no gradient, so it barely moves this cue. On the 52
 *   clean eval photos it stays within 0.2 (log ratio) of neutral, 0.1 for most.
 * - white patch: the mean colour of the brightest 3 % (unclipped) pixels;
 * - grey world: the mean colour of the whole photo (the cue that pushed a red hat towards cyan).
 *
 * A real cast shifts all of them the same way, so the confidence is how far the two weaker cues
 * agree with the grey-edge direction, and whether removing the cast makes more pixels neutral
 * (a real cast's greys become grey again; a colourful scene's greys would turn coloured); the correction (`weight`) grows with the cast's size
 * beyond what clean photos show and with that confidence. Photos dominated by one colour get a
 * grey-edge reading that the highlights (a white or grey background) and usually the overall mean
 * contradict: no correction.
 */
import type { RgbaImage } from '../image/types';
import { luma, smoothstep } from './shrink';

export interface CastMeasure {
  /** log(R/G) and log(B/G) of the grey-edge estimate: 0,0 is neutral. */
  u: number;
  v: number;
  /** hypot(u, v). */
  magnitude: number;
  /** 0..1: how far the white-patch and grey-world cues agree with the grey-edge estimate. */
  confidence: number;
  /** 0..1: how much of the cast a correction should remove (size beyond clean photos x confidence). */
  weight: number;
  /** Per-channel multipliers that remove the whole estimated cast (luminance kept). */
  gains: [number, number, number];
  /** "yellow", "magenta", ... (the cast's hue in words), or "none". */
  hue: string;
}

/** Grey-edge log-ratio sizes: clean photos stay below the first; the second is a clear cast. */
export const CAST_SIZE: [number, number] = [0.08, 0.18];
/** A pixel is neutral under a cast (u, v) when its own log ratios are this close to it. */
const NEUTRAL = 0.05;

/** log(1 + v) for 8-bit values: the per-pixel log ratios without a Math.log per pixel. */
const LOG1P = Float64Array.from({ length: 256 }, (_, v) => Math.log(v + 1));

/** Share of the mid-tone pixels whose colour is the cast (u, v) itself, i.e. grey under that cast. */
function neutralShare(img: RgbaImage, lum: Float32Array, u: number, v: number): number {
  const d = img.data;
  let n = 0, hit = 0;
  for (let i = 0, o = 0; i < lum.length; i++, o += 4) {
    if (lum[i]! <= 20 || Math.max(d[o]!, d[o + 1]!, d[o + 2]!) >= 250 || d[o + 3] === 0) continue;
    n++;
    const lg = LOG1P[d[o + 1]!]!;
    if (Math.abs(LOG1P[d[o]!]! - lg - u) < NEUTRAL && Math.abs(LOG1P[d[o + 2]!]! - lg - v) < NEUTRAL) hit++;
  }
  return n ? hit / n : 0;
}

function logRatios(v: [number, number, number]): [number, number] {
  const e = 1e-6;
  return [Math.log((v[0] + e) / (v[1] + e)), Math.log((v[2] + e) / (v[1] + e))];
}

export function estimateCast(img: RgbaImage): CastMeasure {
  const { width: w, height: h, data: d } = img;
  const edge: [number, number, number] = [0, 0, 0];
  const mean: [number, number, number] = [0, 0, 0];
  let nEdge = 0, nMean = 0;
  const lum = new Float32Array(w * h);
  for (let i = 0, o = 0; i < w * h; i++, o += 4) lum[i] = luma(d[o]!, d[o + 1]!, d[o + 2]!);
  for (let y = 0; y < h - 1; y++)
    for (let x = 0; x < w - 1; x++) {
      const i = y * w + x, o = i * 4;
      if (d[o + 3] === 0) continue;
      for (let c = 0; c < 3; c++) {
        const gx = d[o + 4 + c]! - d[o + c]!, gy = d[o + 4 * w + c]! - d[o + c]!;
        const g2 = gx * gx + gy * gy;
        edge[c] += g2 * g2 * g2; // |grad|^6 (a product: ** is a Math.pow call per pixel)
      }
      nEdge++;
      if (lum[i]! > 15 && Math.max(d[o]!, d[o + 1]!, d[o + 2]!) < 250) {
        for (let c = 0; c < 3; c++) mean[c] += d[o + c]!;
        nMean++;
      }
    }
  const neutral: CastMeasure = { u: 0, v: 0, magnitude: 0, confidence: 0, weight: 0, gains: [1, 1, 1], hue: 'none' };
  if (!nEdge || !nMean) return neutral;
  const ge = edge.map((s) => (s / nEdge) ** (1 / 6)) as [number, number, number];
  if (ge[1] < 1) return neutral; // no edges at all: a blank image
  // white patch: the brightest 3 % of the unclipped, not-too-dark pixels
  const hist = new Float64Array(256);
  for (let i = 0, o = 0; i < w * h; i++, o += 4) if (lum[i]! > 15 && Math.max(d[o]!, d[o + 1]!, d[o + 2]!) < 250) hist[Math.round(lum[i]!)]!++;
  let acc = 0, t = 255;
  for (; t > 0; t--) if ((acc += hist[t]!) >= nMean * 0.03) break;
  const wp: [number, number, number] = [0, 0, 0];
  let nWp = 0;
  for (let i = 0, o = 0; i < w * h; i++, o += 4)
    if (lum[i]! >= t && lum[i]! > 15 && Math.max(d[o]!, d[o + 1]!, d[o + 2]!) < 250) {
      for (let c = 0; c < 3; c++) wp[c] += d[o + c]!;
      nWp++;
    }
  const [u, v] = logRatios(ge);
  const magnitude = Math.hypot(u, v);
  if (magnitude < 1e-3) return neutral;
  // Agreement: each weaker cue projected on the grey-edge direction, as a share of its size.
  const along = (cue: [number, number]) => (cue[0] * u + cue[1] * v) / (magnitude * magnitude);
  const agreeWp = nWp ? along(logRatios(wp)) : 0;
  const agreeGw = along(logRatios(mean));
  // Removing a real cast makes the scene's greys grey again: more pixels become neutral. Removing
  // a "cast" read from a colourful scene (kodim03's hats) makes its greys coloured: fewer do.
  const gained = neutralShare(img, lum, u, v) - neutralShare(img, lum, 0, 0);
  const confidence = smoothstep(0.0, 0.5, Math.min(agreeWp, agreeGw)) * smoothstep(0.003, 0.03, gained);
  const weight = smoothstep(CAST_SIZE[0], CAST_SIZE[1], magnitude) * confidence;
  // Gains that bring the grey-edge colour to neutral, scaled to keep luminance.
  const raw: [number, number, number] = [Math.exp(-u), 1, Math.exp(-v)];
  const norm = luma(...raw);
  return { u, v, magnitude, confidence, weight, gains: raw.map((g) => g / norm) as [number, number, number], hue: hueName(u, v) };
}

/** The cast's colour in words, from the direction of the log ratios. */
function hueName(u: number, v: number): string {
  // u = log(R/G), v = log(B/G); a neutral photo sits at 0,0
  const deg = (Math.atan2(v, u) * 180) / Math.PI;
  const names: [number, string][] = [[-150, 'green'], [-100, 'yellow-green'], [-60, 'yellow'], [-20, 'orange'], [20, 'red'], [60, 'magenta'], [100, 'purple'], [150, 'blue'], [180, 'cyan']];
  for (const [limit, name] of names) if (deg <= limit) return name;
  return 'green';
}
