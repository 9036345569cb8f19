/**
 * Feathered blending of overlapping model tiles, at output resolution.
 *
 * Each tile gets a separable weight w(x) * w(y). Along an axis the weight ramps from ~0 to 1
 * across the zone it shares with the previous neighbour and from 1 to ~0 across the zone it
 * shares with the next one; it stays 1 on image borders. Because the rising ramp of one tile
 * and the falling ramp of its neighbour are complementary (f(t) + f(1 - t) = 1), the raw
 * weights already sum to 1 wherever at most two tiles overlap per axis; the accumulator still
 * divides by the summed weight so the result is exactly normalised even when overlaps exceed
 * half a tile. Ramps are sampled at pixel centres, so no weight is ever 0 (no divide by zero).
 *
 * Memory: the accumulator holds 3 float32 (RGB) + 1 float32 (weight) per output pixel, i.e.
 * 16 bytes/px, plus 4 bytes/px for the final RGBA output: peak ~20 bytes per output pixel
 * (+ one tile). Examples: 4 MP -> 80 MB, 16 MP -> 320 MB, 64 MP -> 1.28 GB.
 * Beyond ~64 MP of output this no longer fits comfortably in a browser tab; such outputs
 * need a streaming approach (process one tile row at a time and flush finished strips
 * straight into the RGBA output), which can replace this class behind the same interface.
 */
import type { PlanarImage, RgbaImage } from '../image/types.js';
import type { ValueRange } from '../tensor/layout.js';
import type { Tile } from './tiles.js';

export type RampShape = 'linear' | 'cosine';

/** Output pixels above which the whole-image accumulator is considered too large. */
export const MAX_ACCUMULATOR_PIXELS = 64 * 1024 * 1024;

/** Bytes held at peak for an output of `pixels` pixels (accumulator + final RGBA). */
export function accumulatorPeakBytes(pixels: number): number {
  return pixels * (16 + 4);
}

/** Rising ramp f on t in (0, 1), with f(t) + f(1 - t) = 1. */
function ramp(t: number, shape: RampShape): number {
  return shape === 'cosine' ? 0.5 - 0.5 * Math.cos(Math.PI * t) : t;
}

/**
 * Weights along one axis of a tile of `length` output pixels that shares `lead` pixels with
 * the previous tile and `trail` pixels with the next one.
 */
export function axisWeights(length: number, lead: number, trail: number, shape: RampShape = 'cosine'): Float32Array {
  const w = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    let v = 1;
    if (lead > 0 && i < lead) v = Math.min(v, ramp((i + 0.5) / lead, shape));
    if (trail > 0 && i >= length - trail) v = Math.min(v, ramp((length - i - 0.5) / trail, shape));
    w[i] = v;
  }
  return w;
}

/** Separable weights for a tile, scaled to output resolution. */
export function tileWeights(tile: Tile, scale: number, shape: RampShape = 'cosine'): { wx: Float32Array; wy: Float32Array } {
  const o = tile.overlap;
  return {
    wx: axisWeights(tile.width * scale, o.left * scale, o.right * scale, shape),
    wy: axisWeights(tile.height * scale, o.top * scale, o.bottom * scale, shape),
  };
}

/** Sums weight * value and weight over the output, then normalises into 8-bit RGB. */
export class BlendAccumulator {
  readonly width: number;
  readonly height: number;
  /** Planar RGB sums in 0..255 units (R plane, G plane, B plane). */
  readonly rgb: Float32Array;
  /** Summed weight per pixel; exposed so tests can check the feathering covers everything. */
  readonly weight: Float32Array;

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    // Throws a RangeError on its own if the allocation is impossible; see header for sizing.
    this.rgb = new Float32Array(width * height * 3);
    this.weight = new Float32Array(width * height);
  }

  /**
   * Adds a model output tile (values in `range`) whose top-left lands at (ox, oy), weighted
   * by wx[x] * wy[y]. Values are converted to 0..255 first so the final pass is range-free.
   */
  add(tile: PlanarImage, range: ValueRange, ox: number, oy: number, wx: Float32Array, wy: Float32Array): void {
    const { width: tw, height: th } = tile;
    if (tile.channels < 3 || wx.length !== tw || wy.length !== th) {
      throw new RangeError(`Tile ${tw}x${th}x${tile.channels} does not match its ${wx.length}x${wy.length} weights`);
    }
    if (ox < 0 || oy < 0 || ox + tw > this.width || oy + th > this.height) {
      throw new RangeError(`Tile at (${ox}, ${oy}) size ${tw}x${th} falls outside the ${this.width}x${this.height} output`);
    }
    const [lo, hi] = range;
    const k = 255 / (hi - lo);
    const plane = this.width * this.height;
    const tplane = tw * th;
    const src = tile.data;
    for (let y = 0; y < th; y++) {
      const wyv = wy[y]!;
      let s = y * tw;
      let d = (oy + y) * this.width + ox;
      for (let x = 0; x < tw; x++, s++, d++) {
        const w = wx[x]! * wyv;
        this.weight[d]! += w;
        this.rgb[d]! += w * (src[s]! - lo) * k;
        this.rgb[d + plane]! += w * (src[s + tplane]! - lo) * k;
        this.rgb[d + 2 * plane]! += w * (src[s + 2 * tplane]! - lo) * k;
      }
    }
  }

  /** Divides by the summed weight, rounds and clamps; alpha from `alpha` or 255. */
  toRgba(alpha?: Uint8ClampedArray): RgbaImage {
    const n = this.width * this.height;
    const out = new Uint8ClampedArray(n * 4);
    const rgb = this.rgb;
    for (let i = 0, d = 0; i < n; i++, d += 4) {
      const w = this.weight[i]!;
      // w is > 0 wherever a tile landed; an uncovered pixel (a planning bug) stays black.
      const inv = w > 0 ? 1 / w : 0;
      // Round here; the clamped array then clamps to 0..255 (and turns NaN into 0).
      out[d] = Math.round(rgb[i]! * inv);
      out[d + 1] = Math.round(rgb[i + n]! * inv);
      out[d + 2] = Math.round(rgb[i + 2 * n]! * inv);
      out[d + 3] = alpha ? alpha[i]! : 255;
    }
    return { width: this.width, height: this.height, data: out };
  }
}
