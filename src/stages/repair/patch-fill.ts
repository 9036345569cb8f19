import type { RgbaImage } from '../../core/image/types';
import { chamferDistance, labelRegions, type Mask } from '../../core/image/mask';

/**
 * Large holes rebuilt from the photo's own patches. The inpainting network fills a torn corner or
 * a missing patch with the right colours but no texture or structure: a smooth smear. Here every
 * hole region that reaches deeper than `minDepth` px (16: over about 32 px wide; below that the
 * network is close to the truth and scores better) is filled again, as content-aware fills do
 * (Wexler, Shechtman & Irani 2007, with PatchMatch's search, Barnes et al. 2009): coarse to fine,
 * each hole pixel's patch is matched to an undamaged patch of the photo near it (the seam is part
 * of the patch, so the match continues what surrounds the hole) and the hole is rewritten from the
 * matches. The network's fill is the coarsest level's first guess, so the layout it found (sky
 * above, water below) guides the search. Thin marks (scratches, dust, cracks) keep the network's
 * fill, which is better there; pixels outside the mask are never touched.
 */
export interface PatchFillOptions {
  /** regions whose deepest pixel is at most this far (px) from their edge keep the network's fill */
  minDepth: number;
  /** patch half-size: patches are (2 * patch + 1) px square */
  patch: number;
  seed: number;
  /** the most pixels the finest level searched may have (see where `shift` is chosen) */
  maxLevelPixels: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export const patchFillDefaults = { minDepth: 16, patch: 3, seed: 1, maxLevelPixels: 1_500_000 };

/** Search-and-vote rounds per level: the finest level starts from the coarser one's matches. */
const ROUNDS = { coarse: 4, finest: 2 };

interface Level {
  w: number;
  h: number;
  /** interleaved RGB 0..255; hole pixels hold the current guess */
  rgb: Float32Array;
  /** every masked pixel: never a source */
  hole: Uint8Array;
  /** the pixels rebuilt: masked pixels of the large regions */
  target: Uint8Array;
}

export function patchFillLargeHoles(filled: RgbaImage, mask: Mask, options: Partial<PatchFillOptions> = {}): RgbaImage {
  const o = { ...patchFillDefaults, ...options };
  const { width: W, height: H } = filled;
  const depth = chamferDistance(mask.data, W, H);
  const { labels, count } = labelRegions(mask);
  const large = new Uint8Array(count);
  let deepest = 0;
  for (let i = 0; i < labels.length; i++)
    if (depth[i]! > o.minDepth) {
      large[labels[i]!] = 1;
      deepest = Math.max(deepest, depth[i]!);
    }
  if (!deepest) return filled;

  // Work in a window round the large regions: matches come from the photo near them.
  let x0 = W, y0 = H, x1 = -1, y1 = -1;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! < 0 || !large[labels[i]!]) continue;
    const y = (i / W) | 0, x = i - y * W;
    x0 = Math.min(x0, x), x1 = Math.max(x1, x), y0 = Math.min(y0, y), y1 = Math.max(y1, y);
  }
  const margin = Math.max(96, x1 - x0, y1 - y0);
  const wx = Math.max(0, x0 - margin), wy = Math.max(0, y0 - margin);
  const w = Math.min(W, x1 + margin + 1) - wx, h = Math.min(H, y1 + margin + 1) - wy;
  const hole = new Uint8Array(w * h), target = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x, g = (wy + y) * W + wx + x;
      hole[i] = mask.data[g] ? 1 : 0;
      target[i] = labels[g]! >= 0 && large[labels[g]!] ? 1 : 0;
    }
  // The finest level searched: the window itself, or, above maxLevelPixels (the window round a torn
  // corner of a 24 MP scan), the window halved `shift` times; the photo's pixels are then copied
  // along that level's matches scaled up, so memory and time stay those of a 1.5 MP photo.
  let shift = 0;
  while ((w >> shift) * (h >> shift) > o.maxLevelPixels) shift++;
  const finest = shrunkLevel(filled.data, W, { x: wx, y: wy, w, h }, hole, target, shift);
  // Halve until the holes are a few patches deep: there the search sees the layout round them.
  const levels = [finest];
  for (let d = deepest / 2 ** shift; d > 4 * o.patch && Math.min(levels.at(-1)!.w, levels.at(-1)!.h) > 16 * o.patch; d /= 2)
    levels.push(halve(levels.at(-1)!));

  let seed = o.seed >>> 0 || 1;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const total = (levels.length - 1) * ROUNDS.coarse + ROUNDS.finest;
  let done = 0;
  let coarser: { field: Int32Array; w: number } | null = null;
  for (let li = levels.length - 1; li >= 0; li--) {
    const level = levels[li]!;
    const rounds = li === 0 && shift === 0 ? ROUNDS.finest : ROUNDS.coarse;
    const field = new PatchField(level, o.patch, random);
    if (!field.sources.length) return filled; // no undamaged patch near the holes to copy from
    field.start(coarser);
    if (coarser) field.vote(false);
    for (let r = 0; r < rounds; r++) {
      o.signal?.throwIfAborted();
      field.search(r % 2 === 0);
      field.vote(li === 0 && shift === 0 && r === rounds - 1);
      o.onProgress?.(++done, total);
    }
    coarser = { field: field.match, w: level.w };
  }

  const out = new Uint8ClampedArray(filled.data);
  const lw = finest.w, lh = finest.h, cell = (1 << shift) - 1;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!target[i]) continue;
      const g = ((wy + y) * W + wx + x) * 4;
      const li = Math.min(y >> shift, lh - 1) * lw + Math.min(x >> shift, lw - 1);
      if (shift) {
        // the photo's own pixel at the same place in the block its level's match points to
        const s = coarser!.field[li]!;
        const sy = (((s / lw) | 0) << shift) + (y & cell), sx = ((s % lw) << shift) + (x & cell);
        if (s >= 0 && sy < h && sx < w && !hole[sy * w + sx]) {
          const sg = ((wy + sy) * W + wx + sx) * 4;
          for (let c = 0; c < 3; c++) out[g + c] = filled.data[sg + c]!;
          continue;
        }
      }
      for (let c = 0; c < 3; c++) out[g + c] = finest.rgb[li * 3 + c]!;
    }
  return { width: W, height: H, data: out };
}

/** The window of the photo box-shrunk by 2^shift: a pixel is a hole (a target) when any under it is. */
function shrunkLevel(
  data: Uint8ClampedArray,
  W: number,
  win: { x: number; y: number; w: number; h: number },
  hole: Uint8Array,
  target: Uint8Array,
  shift: number,
): Level {
  const k = 1 << shift;
  const w = win.w >> shift, h = win.h >> shift;
  const level: Level = { w, h, rgb: new Float32Array(w * h * 3), hole: new Uint8Array(w * h), target: new Uint8Array(w * h) };
  for (let y = 0; y < h * k; y++)
    for (let x = 0; x < w * k; x++) {
      const i = (y >> shift) * w + (x >> shift), j = y * win.w + x, g = ((win.y + y) * W + win.x + x) * 4;
      for (let c = 0; c < 3; c++) level.rgb[i * 3 + c] += data[g + c]! / (k * k);
      level.hole[i] ||= hole[j]!;
      level.target[i] ||= target[j]!;
    }
  return level;
}

/** The nearest-neighbour field of one level: for each target pixel, the centre of its best source patch. */
class PatchField {
  readonly sources: number[] = [];
  readonly match: Int32Array;
  private readonly targets: number[] = [];
  private readonly isSource: Uint8Array;
  private readonly cost: Float32Array;

  constructor(
    private readonly level: Level,
    private readonly p: number,
    private readonly random: () => number,
  ) {
    const { w, h, hole, target } = level;
    const away = chamferDistance(hole, w, h, true);
    this.isSource = new Uint8Array(w * h);
    for (let y = p; y < h - p; y++)
      for (let x = p; x < w - p; x++) {
        const i = y * w + x;
        if (away[i]! > p + 0.5) (this.isSource[i] = 1), this.sources.push(i); // the whole patch is undamaged
      }
    for (let i = 0; i < w * h; i++) if (target[i]) this.targets.push(i);
    this.match = new Int32Array(w * h).fill(-1);
    this.cost = new Float32Array(w * h);
  }

  /** First matches: the coarser level's, scaled up (where still a source), else random. */
  start(coarser: { field: Int32Array; w: number } | null) {
    const { w, h } = this.level;
    for (const t of this.targets) {
      let s = -1;
      if (coarser) {
        const ty = (t / w) | 0, tx = t - ty * w;
        const ch = coarser.field.length / coarser.w;
        const cs = coarser.field[Math.min(ty >> 1, ch - 1) * coarser.w + Math.min(tx >> 1, coarser.w - 1)]!;
        if (cs >= 0) {
          const cy = (cs / coarser.w) | 0, cx = cs - cy * coarser.w;
          const sy = 2 * cy + (ty & 1), sx = 2 * cx + (tx & 1);
          if (sy < h && sx < w && this.isSource[sy * w + sx]) s = sy * w + sx;
        }
      }
      this.match[t] = s >= 0 ? s : this.sources[(this.random() * this.sources.length) | 0]!;
    }
  }

  /** One PatchMatch sweep: propagation from the previous neighbours, then random search in shrinking windows. */
  search(forward: boolean) {
    const { w, h } = this.level;
    const { match, cost, targets } = this;
    for (const t of targets) cost[t] = this.distance(t, match[t]!, Infinity); // the guesses changed since
    const step = forward ? 1 : -1;
    for (let k = 0; k < targets.length; k++) {
      const t = targets[forward ? k : targets.length - 1 - k]!;
      const ty = (t / w) | 0, tx = t - ty * w;
      if (tx - step >= 0 && tx - step < w && match[t - step]! >= 0) this.consider(t, match[t - step]! + step);
      if (ty - step >= 0 && ty - step < h && match[t - step * w]! >= 0) this.consider(t, match[t - step * w]! + step * w);
      for (let r = Math.max(w, h); r >= 1; r >>= 1) {
        const s = match[t]!;
        const sy = (s / w) | 0, sx = s - sy * w;
        const cx = sx + Math.round((this.random() * 2 - 1) * r), cy = sy + Math.round((this.random() * 2 - 1) * r);
        if (cx >= 0 && cx < w && cy >= 0 && cy < h) this.consider(t, cy * w + cx);
      }
    }
  }

  /**
   * Rewrites the targets from their matches: each pixel the mean of what the patches over it put
   * there, or, for the finished image (`own`), its own match's pixel (the mean of slightly
   * different copies greys the texture).
   */
  vote(own: boolean) {
    const { w, h, rgb, target } = this.level;
    const { match, targets, p } = this;
    if (own) {
      const copy = rgb.slice();
      for (const t of targets) for (let c = 0; c < 3; c++) rgb[t * 3 + c] = copy[match[t]! * 3 + c]!;
      return;
    }
    const sum = new Float32Array(w * h * 3);
    const count = new Uint16Array(w * h);
    for (const t of targets) {
      const s = match[t]!;
      const ty = (t / w) | 0, tx = t - ty * w;
      for (let dy = -p; dy <= p; dy++) {
        if (ty + dy < 0 || ty + dy >= h) continue;
        for (let dx = -p; dx <= p; dx++) {
          const i = (ty + dy) * w + tx + dx;
          if (tx + dx < 0 || tx + dx >= w || !target[i]) continue;
          const si = (s + dy * w + dx) * 3;
          sum[i * 3] += rgb[si]!;
          sum[i * 3 + 1] += rgb[si + 1]!;
          sum[i * 3 + 2] += rgb[si + 2]!;
          count[i]++;
        }
      }
    }
    for (const t of targets) if (count[t]) for (let c = 0; c < 3; c++) rgb[t * 3 + c] = sum[t * 3 + c]! / count[t]!;
  }

  private consider(t: number, s: number) {
    if (s < 0 || s >= this.isSource.length || !this.isSource[s] || s === this.match[t]) return;
    const d = this.distance(t, s, this.cost[t]!);
    if (d < this.cost[t]!) (this.cost[t] = d), (this.match[t] = s);
  }

  /** Sum of squared RGB differences of the two patches (the target's clamped at the border), stopping past `limit`. */
  private distance(t: number, s: number, limit: number) {
    const { w, h, rgb } = this.level;
    const p = this.p;
    const ty = (t / w) | 0, tx = t - ty * w;
    let d = 0;
    for (let dy = -p; dy <= p && d < limit; dy++) {
      const tr = Math.min(h - 1, Math.max(0, ty + dy)) * w, sr = s + dy * w;
      for (let dx = -p; dx <= p; dx++) {
        const ti = (tr + Math.min(w - 1, Math.max(0, tx + dx))) * 3, si = (sr + dx) * 3;
        const a = rgb[ti]! - rgb[si]!, b = rgb[ti + 1]! - rgb[si + 1]!, c = rgb[ti + 2]! - rgb[si + 2]!;
        d += a * a + b * b + c * c;
      }
    }
    return d;
  }
}

/** The level above: 2x2 means; a pixel is a hole (a target) when any of its four is. */
function halve(l: Level): Level {
  const w = l.w >> 1, h = l.h >> 1;
  const rgb = new Float32Array(w * h * 3), hole = new Uint8Array(w * h), target = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      for (let dy = 0; dy < 2; dy++)
        for (let dx = 0; dx < 2; dx++) {
          const j = (2 * y + dy) * l.w + 2 * x + dx;
          for (let c = 0; c < 3; c++) rgb[i * 3 + c] += l.rgb[j * 3 + c]! / 4;
          hole[i] ||= l.hole[j]!;
          target[i] ||= l.target[j]!;
        }
    }
  return { w, h, rgb, hole, target };
}
