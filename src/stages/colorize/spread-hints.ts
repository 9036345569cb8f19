/**
 * Makes colour hints hold: each hint's colour spreads from where it was placed over the area of
 * similar lightness around it and stops at edges, and is blended over the network's colours
 * there. The built-in network takes hints as input too, but after a few thousand CPU training
 * steps its own response is weak (model card), and DDColor/DeOldify exports take none; this makes
 * "click the sweater, say blue" work with every model.
 *
 * Spreading follows geodesic distance over the lightness image (Levin et al. 2004 propagate
 * colour between neighbours of similar intensity; this is the cheap, non-iterative form): a step
 * costs its length plus how much the lightness changes beyond a small texture allowance, so
 * crossing an edge is a long way. Two raster sweeps (forward and backward), repeated, give the
 * distance (Toivanen 1996).
 */
import type { Plane } from '../../core/color/guided-upsample';
import { parseHexColor, rgbToLab } from '../../core/color/lab';
import type { Chroma } from './conventions';
import type { ColorHint } from './meta';

export interface SpreadOptions {
  /** How far a hint reaches in a flat area, as a fraction of the longer side (Gaussian sigma). */
  reach?: number;
  /** Distance added per L unit of lightness change (beyond `texture`) between neighbours, in pixels. */
  edgeCost?: number;
  /** Lightness changes up to this (L units) between neighbours count as texture, not edges. */
  texture?: number;
}

/** Geodesic distance (in pixels) from the seed pixels over a lightness plane. */
export function geodesicDistance(L: Plane, seeds: Iterable<number>, edgeCost = 1, texture = 3, passes = 2): Float32Array {
  const { width: w, height: h, data } = L;
  const dist = new Float32Array(w * h).fill(Infinity);
  for (const s of seeds) if (s >= 0 && s < dist.length) dist[s] = 0;
  const step = (i: number, j: number, len: number) => {
    const d = dist[j]! + len + edgeCost * Math.max(0, Math.abs(data[i]! - data[j]!) - texture);
    if (d < dist[i]!) dist[i] = d;
  };
  for (let p = 0; p < passes; p++) {
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (x > 0) step(i, i - 1, 1);
        if (y > 0) {
          step(i, i - w, 1);
          if (x > 0) step(i, i - w - 1, Math.SQRT2);
          if (x < w - 1) step(i, i - w + 1, Math.SQRT2);
        }
      }
    for (let y = h - 1; y >= 0; y--)
      for (let x = w - 1; x >= 0; x--) {
        const i = y * w + x;
        if (x < w - 1) step(i, i + 1, 1);
        if (y < h - 1) {
          step(i, i + w, 1);
          if (x < w - 1) step(i, i + w + 1, Math.SQRT2);
          if (x > 0) step(i, i + w - 1, Math.SQRT2);
        }
      }
  }
  return dist;
}

/** Blends the hints' colours into `chroma` (in place); `L` is the lightness at the chroma's size. */
export function spreadHints(chroma: Chroma, L: Plane, hints: readonly ColorHint[], options: SpreadOptions = {}): void {
  if (!hints.length) return;
  const { width: w, height: h } = chroma;
  const n = w * h;
  const sigma = Math.max(1, (options.reach ?? 0.08) * Math.max(w, h));
  const sumW = new Float32Array(n), sumA = new Float32Array(n), sumB = new Float32Array(n), maxW = new Float32Array(n);
  for (const hint of hints) {
    const [, a, b] = rgbToLab(...parseHexColor(hint.color));
    const seeds = hint.points
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
      .map(([x, y]) => Math.min(h - 1, Math.max(0, Math.floor(y * h))) * w + Math.min(w - 1, Math.max(0, Math.floor(x * w))));
    if (!seeds.length) continue;
    const d = geodesicDistance(L, seeds, options.edgeCost ?? 1, options.texture ?? 3);
    for (let i = 0; i < n; i++) {
      const wt = Math.exp(-0.5 * (d[i]! / sigma) ** 2);
      if (wt < 1e-4) continue;
      sumW[i]! += wt;
      sumA[i]! += wt * a;
      sumB[i]! += wt * b;
      if (wt > maxW[i]!) maxW[i] = wt;
    }
  }
  for (let i = 0; i < n; i++) {
    if (!sumW[i]) continue;
    // the nearest hints decide the colour; the strongest one decides how much it replaces the network's
    const k = Math.min(1, maxW[i]!);
    chroma.ab[i] = (1 - k) * chroma.ab[i]! + (k * sumA[i]!) / sumW[i]!;
    chroma.ab[n + i] = (1 - k) * chroma.ab[n + i]! + (k * sumB[i]!) / sumW[i]!;
  }
}
