/**
 * sRGB <-> CIE Lab (D65), on whole images. The formulas are those of the colorization model's
 * training code (models/colorize/common.py), so the app feeds the network what it learned on;
 * the unit tests check them against culori. The per-pixel work runs on lookup tables and typed
 * arrays: a colour library's one-object-per-pixel API takes seconds on a 24 MP scan.
 */
import type { RgbaImage } from '../image/types.js';

const WHITE = [0.95047, 1.0, 1.08883] as const;
// sRGB (linear) -> XYZ, and its inverse
const M = [0.4124564, 0.3575761, 0.1804375, 0.2126729, 0.7151522, 0.072175, 0.0193339, 0.119192, 0.9503041] as const;
const MI = [3.2404542, -1.5371385, -0.4985314, -0.969266, 1.8760108, 0.041556, 0.0556434, -0.2040259, 1.0572252] as const;
const EPS = (6 / 29) ** 3;

/** 8-bit sRGB value -> linear light. */
const TO_LINEAR = new Float32Array(256).map((_, i) => {
  const v = i / 255;
  return v > 0.04045 ? ((v + 0.055) / 1.055) ** 2.4 : v / 12.92;
});

/** Linear light, quantized to 1/LIN_STEPS, -> 8-bit sRGB (the step is far below one 8-bit level). */
const LIN_STEPS = 65535;
const TO_SRGB8 = new Uint8Array(LIN_STEPS + 1).map((_, i) => {
  const v = i / LIN_STEPS;
  return Math.round(255 * (v > 0.0031308 ? 1.055 * v ** (1 / 2.4) - 0.055 : 12.92 * v));
});

const f = (t: number) => (t > EPS ? Math.cbrt(t) : t / (3 * (6 / 29) ** 2) + 4 / 29);
const finv = (t: number) => (t > 6 / 29 ? t * t * t : 3 * (6 / 29) ** 2 * (t - 4 / 29));

export type Lab = [number, number, number];

/** One 8-bit sRGB colour -> Lab (L 0..100, a/b roughly -110..110). */
export function rgbToLab(r: number, g: number, b: number): Lab {
  const lr = TO_LINEAR[r & 255]!, lg = TO_LINEAR[g & 255]!, lb = TO_LINEAR[b & 255]!;
  const fx = f((M[0] * lr + M[1] * lg + M[2] * lb) / WHITE[0]);
  const fy = f(M[3] * lr + M[4] * lg + M[5] * lb);
  const fz = f((M[6] * lr + M[7] * lg + M[8] * lb) / WHITE[2]);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** Lab -> 8-bit sRGB, written at out[o..o+2]; out-of-gamut colours are clipped in linear light. */
export function labToRgbInto(L: number, a: number, b: number, out: Uint8ClampedArray | Uint8Array | number[], o: number): void {
  const fy = (L + 16) / 116;
  const x = finv(fy + a / 500) * WHITE[0];
  const y = finv(fy);
  const z = finv(fy - b / 200) * WHITE[2];
  const q = (v: number) => TO_SRGB8[Math.round((v <= 0 ? 0 : v >= 1 ? 1 : v) * LIN_STEPS)]!;
  out[o] = q(MI[0] * x + MI[1] * y + MI[2] * z);
  out[o + 1] = q(MI[3] * x + MI[4] * y + MI[5] * z);
  out[o + 2] = q(MI[6] * x + MI[7] * y + MI[8] * z);
}

export function labToRgb(L: number, a: number, b: number): [number, number, number] {
  const out: number[] = [0, 0, 0];
  labToRgbInto(L, a, b, out, 0);
  return out as [number, number, number];
}

/** Lightness only (L from the luminance Y): what the colorization network sees. */
export function lightnessPlane(image: RgbaImage): Float32Array {
  const n = image.width * image.height;
  const out = new Float32Array(n);
  const d = image.data;
  for (let i = 0, o = 0; i < n; i++, o += 4) {
    out[i] = 116 * f(M[3] * TO_LINEAR[d[o]!]! + M[4] * TO_LINEAR[d[o + 1]!]! + M[5] * TO_LINEAR[d[o + 2]!]!) - 16;
  }
  return out;
}

/** The hex colour of a colour picker ("#rrggbb") as 8-bit RGB. */
export function parseHexColor(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim());
  if (!m) throw new Error(`"${hex}" is not a colour of the form #rrggbb`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

/** The sRGB grey (0..1) of lightness L: the colour with this L and a = b = 0. */
export function lightnessToGray(L: number): number {
  const y = finv((L + 16) / 116);
  const v = y <= 0 ? 0 : y >= 1 ? 1 : y;
  return v > 0.0031308 ? 1.055 * v ** (1 / 2.4) - 0.055 : 12.92 * v;
}
