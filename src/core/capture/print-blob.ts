/**
 * The rough print: pixels unlike the table, cleaned up (opened, largest piece, holes filled),
 * and the largest quadrilateral that fits in its convex hull. A first guess only: the edge
 * fit (print-edges.ts) places the sides.
 */
import { polygonArea, orderQuad, type Point, type Quad } from './quad';

/** Binary erosion or dilation by a (2r+1)^2 square, separable (running counts per row, then per column). */
function morph(mask: Uint8Array, w: number, h: number, r: number, dilate: boolean): Uint8Array {
  const tmp = new Uint8Array(w * h), out = new Uint8Array(w * h);
  const pass = (src: Uint8Array, dst: Uint8Array, n: number, len: number, at: (i: number, j: number) => number) => {
    for (let i = 0; i < n; i++) {
      let count = 0;
      for (let j = 0; j < Math.min(r, len); j++) count += src[at(i, j)]!;
      for (let j = 0; j < len; j++) {
        if (j + r < len) count += src[at(i, j + r)]!;
        if (j - r - 1 >= 0) count -= src[at(i, j - r - 1)]!;
        const span = Math.min(len - 1, j + r) - Math.max(0, j - r) + 1;
        dst[at(i, j)] = dilate ? (count > 0 ? 1 : 0) : count === span ? 1 : 0;
      }
    }
  };
  pass(mask, tmp, h, w, (y, x) => y * w + x);
  pass(tmp, out, w, h, (x, y) => y * w + x);
  return out;
}

/**
 * The largest 4-connected piece of the mask with its holes filled; with `join`, every piece at
 * least a tenth of its size joins it (a print whose dark middle looks like a dark table splits
 * in two).
 */
function largestFilledPiece(mask: Uint8Array, w: number, h: number, join = false): { piece: Uint8Array; area: number } {
  const label = new Int32Array(w * h);
  const stack = new Int32Array(w * h);
  let best = 0, bestSize = 0, next = 0;
  const sizes: number[] = [];
  for (let s = 0; s < w * h; s++) {
    if (!mask[s] || label[s]) continue;
    let top = 0, size = 0;
    label[s] = ++next;
    stack[top++] = s;
    while (top) {
      const p = stack[--top]!;
      size++;
      const x = p % w;
      for (const q of [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, p - w, p + w]) {
        if (q < 0 || q >= w * h || !mask[q] || label[q]) continue;
        label[q] = next;
        stack[top++] = q;
      }
    }
    if (size > bestSize) (bestSize = size), (best = next);
    sizes.push(size);
  }
  const keep = new Uint8Array(next + 1);
  keep[best] = 1;
  if (join) sizes.forEach((s, i) => s >= 0.1 * bestSize && (keep[i + 1] = 1));
  // Fill holes: everything not reachable from the frame's edge outside the piece belongs to it.
  const outside = new Uint8Array(w * h);
  let top = 0;
  const seed = (p: number) => {
    if (!keep[label[p]!] && !outside[p]) (outside[p] = 1), (stack[top++] = p);
  };
  for (let x = 0; x < w; x++) seed(x), seed((h - 1) * w + x);
  for (let y = 0; y < h; y++) seed(y * w), seed(y * w + w - 1);
  while (top) {
    const p = stack[--top]!;
    const x = p % w;
    if (x > 0) seed(p - 1);
    if (x < w - 1) seed(p + 1);
    if (p >= w) seed(p - w);
    if (p < w * (h - 1)) seed(p + w);
  }
  const piece = new Uint8Array(w * h);
  let area = 0;
  for (let i = 0; i < w * h; i++) if (!outside[i]) (piece[i] = 1), area++;
  return { piece, area };
}

/** Convex hull (monotone chain) of the piece's left and right ends on each row, clockwise on screen. */
function hullOf(piece: Uint8Array, w: number, h: number): Point[] {
  const pts: Point[] = [];
  for (let y = 0; y < h; y++) {
    let l = -1, r = -1;
    for (let x = 0; x < w; x++) if (piece[y * w + x]) ((l = l < 0 ? x : l), (r = x));
    // Pixel extents, corners included, so the hull hugs the piece's outline.
    if (l >= 0) pts.push({ x: l, y }, { x: l, y: y + 1 }, { x: r + 1, y }, { x: r + 1, y: y + 1 });
  }
  pts.sort((a, b) => a.x - b.x || a.y - b.y);
  const cross = (o: Point, a: Point, b: Point) => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
  const lower: Point[] = [], upper: Point[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

/**
 * The largest-area quadrilateral with its corners on the hull: start from the hull's widest pair
 * and the farthest point on each side of it, then move one corner at a time to the hull vertex
 * that grows the area most, until none does.
 */
function largestInscribedQuad(hull: Point[]): Quad | null {
  const n = hull.length;
  if (n < 4) return null;
  let a = 0, b = 1, far = -1;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const d = (hull[i]!.x - hull[j]!.x) ** 2 + (hull[i]!.y - hull[j]!.y) ** 2;
      if (d > far) (far = d), (a = i), (b = j);
    }
  const side = (p: Point) => (hull[b]!.x - hull[a]!.x) * (p.y - hull[a]!.y) - (hull[b]!.y - hull[a]!.y) * (p.x - hull[a]!.x);
  let c = -1, d = -1, cBest = 0, dBest = 0;
  for (let i = 0; i < n; i++) {
    const s = side(hull[i]!);
    if (s > cBest) (cBest = s), (c = i);
    if (-s > dBest) (dBest = -s), (d = i);
  }
  if (c < 0 || d < 0) return null;
  const idx = [a, b, c, d].sort((x, y) => x - y);
  const area = (ix: number[]) => Math.abs(polygonArea(ix.map((i) => hull[i]!)));
  let best = area(idx);
  for (let improved = true, rounds = 0; improved && rounds < 50; rounds++) {
    improved = false;
    for (let k = 0; k < 4; k++) {
      const lo = idx[(k + 3) % 4]!, hi = idx[(k + 1) % 4]!;
      // Candidates strictly between the neighbours, walking the hull forward.
      for (let i = (lo + 1) % n; i !== hi; i = (i + 1) % n) {
        const trial = idx.slice();
        trial[k] = i;
        const v = area(trial);
        if (v > best + 1e-9) (best = v), (idx[k] = i), (improved = true);
      }
    }
  }
  return orderQuad(idx.map((i) => hull[i]!));
}

export interface BlobQuad {
  quad: Quad;
  /** The piece's area and the quad's, as shares of the frame. */
  pieceShare: number;
  quadShare: number;
}

/** Rough print quads from the table-distance map, one per threshold (deduplicated by the caller). */
export function blobQuads(distance: Float32Array, w: number, h: number, thresholds: number[]): BlobQuad[] {
  const out: BlobQuad[] = [];
  const r = Math.max(1, Math.round(Math.max(w, h) / 256));
  for (const t of thresholds) {
    let mask: Uint8Array = new Uint8Array(w * h);
    for (let i = 0; i < w * h; i++) mask[i] = distance[i]! > t ? 1 : 0;
    // Opening drops specks of table texture; closing joins a print split by glare or a dark band.
    mask = morph(morph(mask, w, h, r, false), w, h, r, true);
    mask = morph(morph(mask, w, h, r, true), w, h, r, false);
    for (const join of [false, true]) {
      const { piece, area } = largestFilledPiece(mask, w, h, join);
      if (area < 0.02 * w * h) continue;
      const quad = largestInscribedQuad(hullOf(piece, w, h));
      if (!quad) continue;
      if (out.some((o) => o.quad.every((p, i) => Math.abs(p.x - quad[i]!.x) + Math.abs(p.y - quad[i]!.y) < 2))) continue;
      out.push({ quad, pieceShare: area / (w * h), quadShare: polygonArea(quad) / (w * h) });
    }
  }
  return out;
}

/** Otsu's threshold of values clipped to [0, max], on 256 bins. */
export function otsu(values: Float32Array, max: number): number {
  const bins = new Float64Array(256);
  for (const v of values) bins[Math.min(255, Math.max(0, Math.floor((v / max) * 255)))]!++;
  const total = values.length;
  let sumAll = 0;
  for (let i = 0; i < 256; i++) sumAll += i * bins[i]!;
  let wB = 0, sumB = 0, best = 0, bestVar = -1;
  for (let i = 0; i < 256; i++) {
    wB += bins[i]!;
    if (!wB || wB === total) continue;
    sumB += i * bins[i]!;
    const mB = sumB / wB, mF = (sumAll - sumB) / (total - wB);
    const between = wB * (total - wB) * (mB - mF) ** 2;
    if (between > bestVar) (bestVar = between), (best = i);
  }
  return ((best + 0.5) / 255) * max;
}
