import type { RgbaImage } from '../../core/image/types';
import { measureTones, percentiles, TARGET_BLACK, TARGET_WHITE, type ToneMeasures } from '../../core/analysis/tones';
import { estimateCast, type CastMeasure } from '../../core/analysis/cast';
import { shrinkImage, luma } from '../../core/analysis/shrink';
import { analyzeTone, type ToneAnalysis } from '../../core/color/monochrome';

/**
 * Classical fade and colour-cast repair for old prints that scales with what it measures, so a
 * photo that is not faded comes out unchanged (src/core/analysis: tones.ts, cast.ts say how):
 * - levels: one stretch for all channels (stretching channels separately would invent colour),
 *   from the measured black/white points towards a print's normal ones, by the measured
 *   `fading` (0 for a well-exposed photo);
 * - shadows: dyes fade unevenly, so a faded print's channels lose their blacks by different
 *   amounts (a veil of colour over the whole print); each channel's black point is moved onto the
 *   luminance's, by the measured `fading` (a clean photo's coloured shadows are left alone);
 * - colour cast: per-channel gains (multiplicative, so black stays black and a black border
 *   stays neutral) from the grey-edge estimate, by its `weight` (its size beyond what clean
 *   photos show, times the confidence that the highlights and the mean agree: a photo dominated
 *   by one colour is left alone);
 * - saturation: faded dyes lose colour too; a colour photo's chroma is raised with the fading;
 * - keepTone skips the cast and saturation steps, so contrast comes back but a sepia tone stays.
 * `strength` scales all of it (0 = unchanged, 1 = the full measured correction).
 */
export interface FadeOptions {
  strength: number;
  keepTone: boolean;
}

/** What the stage measured and will do, for the analysis text and for tests. */
export interface FadePlan {
  tones: ToneMeasures;
  cast: CastMeasure;
  monochrome: boolean;
  /** Black-and-white / toned or colour (src/core/color/monochrome.ts), on the analysis copy. */
  tone: ToneAnalysis;
  /** Black and white points after correction. */
  black: number;
  white: number;
  /** Per-channel level offsets applied before the levels (the faded veil of colour). */
  offsets: [number, number, number];
  /** Channel multipliers applied after the levels. */
  gains: [number, number, number];
  /** Chroma multiplier (1 = unchanged). */
  saturation: number;
  /** True when the curves are the identity: the stage leaves the photo as it is. */
  identity: boolean;
}

/** Analysis reads a copy of at most this many pixels on the long side. */
const ANALYSIS_SIDE = 768;
/** Chroma boost at full fading (the forge's fade removes up to ~28 % of the chroma). */
const MAX_SATURATION_GAIN = 0.3;

export function planFade(img: RgbaImage, opts: FadeOptions): FadePlan {
  const small = shrinkImage(img, ANALYSIS_SIDE);
  const tones = measureTones(small);
  const tone = analyzeTone(small);
  const monochrome = tone.monochrome;
  const s = Math.min(1, Math.max(0, opts.strength));
  const f = tones.fading * s;
  const black = tones.black - f * (tones.black - Math.min(tones.black, TARGET_BLACK));
  const white = tones.white + f * Math.max(0, TARGET_WHITE - tones.white);
  const offsets = [0, 1, 2].map((c) => (opts.keepTone || f === 0 ? 0 : f * OFFSET_SHARE * Math.max(-MAX_OFFSET, Math.min(MAX_OFFSET, tones.black - channelBlack(small, c))))) as [number, number, number];
  // The cast is read after the veil and levels are fixed, as the gains will be applied.
  const levelled = { tones, black, white, offsets, gains: [1, 1, 1] as [number, number, number] };
  const cast = estimateCast(f === 0 ? small : applyCurves(small, curvesFor(levelled), 1));
  // In a clearly faded print the veil (offsets) carries most of the cast; gains take what is left.
  const w = opts.keepTone ? 0 : cast.weight * s * (1 - 0.5 * f);
  const gains = cast.gains.map((g) => g ** w) as [number, number, number];
  const saturation = opts.keepTone || monochrome ? 1 : 1 + MAX_SATURATION_GAIN * f;
  const plan = { ...levelled, cast, monochrome, tone, gains, saturation, identity: false };
  const [r, g, b] = curvesFor(plan);
  plan.identity = saturation === 1 && [r, g, b].every((c) => c.every((v, i) => v === i));
  return plan;
}

/** The largest per-channel black offset (levels) the shadow step applies. */
const MAX_OFFSET = 40;
/** Share of the black-point difference removed: clean shadows are not exactly neutral either. */
const OFFSET_SHARE = 0.75;

function channelBlack(img: RgbaImage, c: number): number {
  const h = new Float64Array(256);
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] !== 0) h[d[i + c]!]!++;
  return percentiles(h)[0];
}

function curvesFor(p: Pick<FadePlan, 'tones' | 'black' | 'white' | 'gains' | 'offsets'>): [Uint8Array, Uint8Array, Uint8Array] {
  const { black: lo, white: hi } = p.tones;
  const k = hi > lo ? (p.white - p.black) / (hi - lo) : 1;
  return p.gains.map((g, c) => {
    const out = new Uint8Array(256);
    const off = p.offsets[c]!;
    for (let v = 0; v < 256; v++) out[v] = Math.min(255, Math.max(0, Math.round((p.black + (v + off - lo) * k) * g)));
    return out;
  }) as [Uint8Array, Uint8Array, Uint8Array];
}

export function fadeCurves(img: RgbaImage, opts: FadeOptions): [Uint8Array, Uint8Array, Uint8Array] {
  return curvesFor(planFade(img, opts));
}

export function fixFading(img: RgbaImage, opts: FadeOptions, plan: FadePlan = planFade(img, opts)): RgbaImage {
  if (plan.identity) return img;
  return applyCurves(img, curvesFor(plan), plan.saturation);
}

function applyCurves(img: RgbaImage, [r, g, b]: [Uint8Array, Uint8Array, Uint8Array], sat: number): RgbaImage {
  const out = new Uint8ClampedArray(img.data.length);
  const src = img.data;
  for (let i = 0; i < src.length; i += 4) {
    let R = r[src[i]!]!, G = g[src[i + 1]!]!, B = b[src[i + 2]!]!;
    if (sat !== 1) {
      const Y = luma(R, G, B);
      R = Y + sat * (R - Y);
      G = Y + sat * (G - Y);
      B = Y + sat * (B - Y);
    }
    out[i] = R;
    out[i + 1] = G;
    out[i + 2] = B;
    out[i + 3] = src[i + 3]!;
  }
  return { width: img.width, height: img.height, data: out };
}
