/**
 * Pre- and post-processing of each family of colorization network. All of them see only the
 * photo's lightness and give back chroma (Lab a/b) at some resolution; the stage then carries
 * that chroma up to full size guided by the full-size lightness and keeps the photo's own L.
 *
 * - heirloom-lab-hints (the built-in model, models/colorize): 4 planes [L/100 - 0.5, hint a/110,
 *   hint b/110, hint mask], any size (multiples of 4 here); a/b in Lab units at 1/4 size.
 * - ddcolor: RGB in [0,1] rebuilt from L alone (a = b = 0), a fixed square (512); a/b in Lab
 *   units (OpenCV float Lab) at the input size.
 * - deoldify: the grey image copied to 3 planes, 0..255, a fixed square; RGB 0..255 out, of
 *   which only the chroma is kept.
 */
import type { PlanarImage } from '../../core/image/types';
import type { ColorizeConvention, ModelManifest } from '../../core/models/types';
import type { Plane } from '../../core/color/guided-upsample';
import { lightnessToGray, rgbToLab } from '../../core/color/lab';

/** Hints at the network's input size: a/b planes (Lab units) and a 0/1 mask. */
export interface HintPlanes {
  ab: Float32Array;
  mask: Float32Array;
}

export interface Chroma {
  width: number;
  height: number;
  /** a plane, then b plane, in Lab units. */
  ab: Float32Array;
}

export interface Convention {
  /** Whether the network itself reads hints (all models get them spread afterwards: spread-hints.ts). */
  takesHints: boolean;
  /** The network's input size for a photo of this size. */
  inputSize(width: number, height: number, manifest: ModelManifest): { width: number; height: number };
  input(L: Plane, hints?: HintPlanes): PlanarImage;
  chroma(out: PlanarImage): Chroma;
}

const AB_SCALE = 110;

/**
 * The built-in network was trained on 128 px crops of photos whose short side was 128-256 px:
 * it sees a photo best at a short side of 256 (and a long side of at most 512).
 */
function heirloomSize(width: number, height: number) {
  const s = Math.min(1, 256 / Math.min(width, height), 512 / Math.max(width, height));
  const r4 = (v: number) => Math.max(4, Math.round((v * s) / 4) * 4);
  return { width: r4(width), height: r4(height) };
}

function fixedSquare(m: ModelManifest) {
  return { width: m.tile.size, height: m.tile.size };
}

function planes(L: Plane, count: number, value: (l: number) => number): PlanarImage {
  const n = L.width * L.height;
  const data = new Float32Array(n * count);
  for (let i = 0; i < n; i++) data[i] = value(L.data[i]!);
  for (let c = 1; c < count; c++) data.copyWithin(c * n, 0, n);
  return { width: L.width, height: L.height, channels: count, data };
}

export const CONVENTIONS: Record<ColorizeConvention, Convention> = {
  'heirloom-lab-hints': {
    takesHints: true,
    inputSize: heirloomSize,
    input(L, hints) {
      const n = L.width * L.height;
      const data = new Float32Array(n * 4);
      for (let i = 0; i < n; i++) data[i] = L.data[i]! / 100 - 0.5;
      if (hints) {
        for (let i = 0; i < n; i++) {
          data[n + i] = hints.ab[i]! / AB_SCALE;
          data[2 * n + i] = hints.ab[n + i]! / AB_SCALE;
        }
        data.set(hints.mask, 3 * n);
      }
      return { width: L.width, height: L.height, channels: 4, data };
    },
    chroma: (out) => ({ width: out.width, height: out.height, ab: out.data.subarray(0, 2 * out.width * out.height) }),
  },
  ddcolor: {
    takesHints: false,
    inputSize: (_w, _h, m) => fixedSquare(m),
    input: (L) => planes(L, 3, lightnessToGray),
    chroma: (out) => ({ width: out.width, height: out.height, ab: out.data.subarray(0, 2 * out.width * out.height) }),
  },
  deoldify: {
    takesHints: false,
    inputSize: (_w, _h, m) => fixedSquare(m),
    input: (L) => planes(L, 3, (l) => 255 * lightnessToGray(l)),
    chroma(out) {
      const n = out.width * out.height;
      const ab = new Float32Array(2 * n);
      const q = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
      for (let i = 0; i < n; i++) {
        const [, a, b] = rgbToLab(q(out.data[i]!), q(out.data[n + i]!), q(out.data[2 * n + i]!));
        ab[i] = a;
        ab[n + i] = b;
      }
      return { width: out.width, height: out.height, ab };
    },
  },
};

export function conventionOf(m: ModelManifest): Convention {
  const c = m.convention && m.convention in CONVENTIONS ? CONVENTIONS[m.convention as ColorizeConvention] : undefined;
  if (!c) throw new Error(`The model "${m.id}" does not say how to colorize with it (no known "convention").`);
  return c;
}
