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
 * Memory: the accumulator covers one horizontal strip of the output (one row of tiles), not
 * the whole image: 16 bytes per strip pixel (3 float32 sums + 1 float32 weight). runTiled
 * flushes finished rows into the 8-bit output and slides the strip down, so the peak is
 * 4 bytes per output pixel (the RGBA result) + 2 * 16 * outputWidth * stripRows (old and new
 * strip while sliding; + 1 byte per output pixel of resampled alpha for transparent inputs)
 * + tiles. For a 6000x4000 scan at 2x with 128 px tiles: 384 MB of result + 2 x 49 MB of
 * strip, instead of 1.9 GB for a whole-image float accumulator.
 */
import type { PlanarImage, RgbaImage } from '../image/types.js';
import type { ValueRange } from '../tensor/layout.js';
import type { Tile } from './tiles.js';

export type RampShape = 'linear' | 'cosine';

/**
 * Bytes held at peak by runTiled: the RGBA result plus two strips of float sums (the old and
 * the new strip both exist while sliding). Tiles themselves come on top.
 */
export function tiledPeakBytes(outWidth: number, outHeight: number, stripRows: number): number {
  return outWidth * outHeight * 4 + 2 * outWidth * stripRows * 16;
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

/**
 * Sums weight * value and weight over output rows [y0, y0 + height) for `channels` planes,
 * then normalises. Values are stored in 0..255 units whatever the model's range, so the
 * final pass is range-free. Coordinates passed to add() are absolute output coordinates.
 */
export class BlendAccumulator {
  readonly width: number;
  readonly height: number;
  readonly y0: number;
  readonly channels: number;
  /** Planar sums, one plane per channel. */
  readonly sums: Float32Array;
  /** Summed weight per pixel; exposed so tests can check the feathering covers everything. */
  readonly weight: Float32Array;

  constructor(width: number, height: number, y0 = 0, channels = 3) {
    this.width = width;
    this.height = height;
    this.y0 = y0;
    this.channels = channels;
    // Throws a RangeError on its own if the allocation is impossible; see header for sizing.
    this.sums = new Float32Array(width * height * channels);
    this.weight = new Float32Array(width * height);
  }

  /** Adds a model output tile (values in `range`) whose top-left lands at (ox, oy), weighted by wx[x] * wy[y]. */
  add(tile: PlanarImage, range: ValueRange, ox: number, oy: number, wx: Float32Array, wy: Float32Array): void {
    const { width: tw, height: th } = tile;
    if (tile.channels < this.channels || wx.length !== tw || wy.length !== th) {
      throw new RangeError(`Tile ${tw}x${th}x${tile.channels} does not match its ${wx.length}x${wy.length}x${this.channels} weights`);
    }
    const ly = oy - this.y0;
    if (ox < 0 || ly < 0 || ox + tw > this.width || ly + th > this.height) {
      throw new RangeError(`Tile at (${ox}, ${oy}) size ${tw}x${th} falls outside the ${this.width}x${this.height} strip at row ${this.y0}`);
    }
    const [lo, hi] = range;
    const k = 255 / (hi - lo);
    const plane = this.width * this.height;
    const tplane = tw * th;
    const src = tile.data;
    for (let y = 0; y < th; y++) {
      const wyv = wy[y]!;
      const s0 = y * tw;
      const d0 = (ly + y) * this.width + ox;
      for (let x = 0; x < tw; x++) this.weight[d0 + x]! += wx[x]! * wyv;
      for (let c = 0; c < this.channels; c++) {
        const sums = this.sums;
        for (let x = 0, s = s0 + c * tplane, d = d0 + c * plane; x < tw; x++, s++, d++) sums[d]! += wx[x]! * wyv * (src[s]! - lo) * k;
      }
    }
  }

  /**
   * Normalises absolute rows [from, to) of the first 3 channels into `out` (same width):
   * divides by the summed weight, rounds and clamps; alpha from `alpha` (a full output plane) or 255.
   */
  writeRows(out: RgbaImage, from: number, to: number, alpha?: Uint8ClampedArray): void {
    const n = this.width * this.height;
    const sums = this.sums;
    const dst = out.data;
    for (let i = (from - this.y0) * this.width, end = (to - this.y0) * this.width, o = from * this.width; i < end; i++, o++) {
      const w = this.weight[i]!;
      // w is > 0 wherever a tile landed; an uncovered pixel (a planning bug) stays black.
      const inv = w > 0 ? 1 / w : 0;
      const d = o * 4;
      // Round here; the clamped array then clamps to 0..255 (and turns NaN into 0).
      dst[d] = Math.round(sums[i]! * inv);
      dst[d + 1] = Math.round(sums[i + n]! * inv);
      dst[d + 2] = Math.round(sums[i + 2 * n]! * inv);
      dst[d + 3] = alpha ? alpha[o]! : 255;
    }
  }

  /** Normalises absolute rows [from, to) of channel 0 into a full-size plane, in 0..1 of the model's range. */
  writePlaneRows(out: Float32Array, from: number, to: number): void {
    for (let i = (from - this.y0) * this.width, end = (to - this.y0) * this.width, o = from * this.width; i < end; i++, o++) {
      const w = this.weight[i]!;
      out[o] = w > 0 ? this.sums[i]! / w / 255 : 0;
    }
  }

  /** A strip over rows [y0, y0 + height) that keeps the sums of the rows both strips share. */
  slideTo(y0: number, height: number): BlendAccumulator {
    const next = new BlendAccumulator(this.width, height, y0, this.channels);
    const from = Math.max(y0, this.y0);
    const to = Math.min(y0 + height, this.y0 + this.height);
    if (to > from) {
      const w = this.width;
      const src = (from - this.y0) * w, dst = (from - y0) * w, len = (to - from) * w;
      next.weight.set(this.weight.subarray(src, src + len), dst);
      for (let c = 0; c < this.channels; c++) {
        next.sums.set(this.sums.subarray(c * w * this.height + src, c * w * this.height + src + len), c * w * height + dst);
      }
    }
    return next;
  }

  /** The whole strip as its own RGBA image (used where the strip is the full output). */
  toRgba(alpha?: Uint8ClampedArray): RgbaImage {
    const out: RgbaImage = { width: this.width, height: this.height, data: new Uint8ClampedArray(this.width * this.height * 4) };
    this.writeRows({ ...out, height: this.y0 + this.height, data: out.data }, this.y0, this.y0 + this.height, alpha);
    return out;
  }
}
