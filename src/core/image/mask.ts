/** A per-pixel mask at image resolution: 255 where a pixel is marked (damaged), 0 elsewhere. */
export interface Mask {
  width: number;
  height: number;
  data: Uint8Array;
}

export function emptyMask(width: number, height: number): Mask {
  return { width, height, data: new Uint8Array(width * height) };
}

/** Share of marked pixels, 0..1. */
export function maskCoverage(mask: Mask): number {
  let n = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) n++;
  return mask.data.length ? n / mask.data.length : 0;
}

/** Thresholds a probability plane (0..1) into a mask. */
export function thresholdPlane(plane: Float32Array, width: number, height: number, threshold = 0.5): Mask {
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = plane[i]! >= threshold ? 255 : 0;
  return { width, height, data };
}

/**
 * Grows the mask by `radius` pixels (square structuring element, two separable passes):
 * detected scratches have soft edges that the fill should cover too.
 */
export function dilateMask(mask: Mask, radius: number): Mask {
  if (radius <= 0) return mask;
  const { width: w, height: h } = mask;
  const tmp = new Uint8Array(w * h);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let v = 0;
      for (let k = Math.max(0, x - radius); k <= Math.min(w - 1, x + radius) && !v; k++) v = mask.data[row + k]!;
      tmp[row + x] = v;
    }
  }
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      let v = 0;
      for (let k = Math.max(0, y - radius); k <= Math.min(h - 1, y + radius) && !v; k++) v = tmp[k * w + x]!;
      out[y * w + x] = v;
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * The mask's 8-connected regions: labels[i] is the region of pixel i (0 .. count-1, numbered in
 * scan order of their first pixel), or -1 where the mask is not marked.
 */
export function labelRegions(mask: Mask): { labels: Int32Array; count: number } {
  const { width: w, height: h, data } = mask;
  const labels = new Int32Array(w * h).fill(-1);
  const stack: number[] = [];
  let count = 0;
  for (let i = 0; i < w * h; i++) {
    if (!data[i] || labels[i]! >= 0) continue;
    labels[i] = count;
    stack.push(i);
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % w, y = (p - x) / w;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx, ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
          const q = ny * w + nx;
          if (data[q] && labels[q]! < 0) (labels[q] = count), stack.push(q);
        }
    }
    count++;
  }
  return { labels, count };
}

/** Paints (value 255) or erases (0) a filled disc; returns the touched bounding box. */
export function paintDisc(mask: Mask, cx: number, cy: number, radius: number, value: 0 | 255) {
  const x0 = Math.max(0, Math.floor(cx - radius)), x1 = Math.min(mask.width - 1, Math.ceil(cx + radius));
  const y0 = Math.max(0, Math.floor(cy - radius)), y1 = Math.min(mask.height - 1, Math.ceil(cy + radius));
  const r2 = radius * radius;
  for (let y = y0; y <= y1; y++)
    for (let x = x0; x <= x1; x++) if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r2) mask.data[y * mask.width + x] = value;
  return { x0, y0, x1, y1 };
}

/**
 * The mask as seen on a viewWidth x viewHeight grid (the editor's overlay, smaller than the
 * photo): a view pixel is on when any mask pixel under it is, so one-pixel scratches stay
 * visible. Only the view pixels covering the mask region x0..x1, y0..y1 (inclusive) are
 * computed; `x`, `y` place the returned block in the view.
 */
export function maskView(mask: Mask, region: { x0: number; y0: number; x1: number; y1: number }, viewWidth: number, viewHeight: number) {
  const kx = mask.width / viewWidth, ky = mask.height / viewHeight;
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v)); // float rounding at block edges
  const cx0 = clamp(Math.floor(region.x0 / kx), 0, viewWidth - 1), cx1 = clamp(Math.floor(region.x1 / kx), cx0, viewWidth - 1);
  const cy0 = clamp(Math.floor(region.y0 / ky), 0, viewHeight - 1), cy1 = clamp(Math.floor(region.y1 / ky), cy0, viewHeight - 1);
  const width = cx1 - cx0 + 1, height = cy1 - cy0 + 1;
  // every mask pixel under those view pixels
  const bx0 = Math.floor(cx0 * kx), bx1 = Math.min(mask.width - 1, Math.ceil((cx1 + 1) * kx) - 1);
  const by0 = Math.floor(cy0 * ky), by1 = Math.min(mask.height - 1, Math.ceil((cy1 + 1) * ky) - 1);
  const col = new Int32Array(bx1 - bx0 + 1);
  for (let x = bx0; x <= bx1; x++) col[x - bx0] = clamp(Math.floor(x / kx), cx0, cx1) - cx0;
  const on = new Uint8Array(width * height);
  for (let y = by0; y <= by1; y++) {
    const row = (clamp(Math.floor(y / ky), cy0, cy1) - cy0) * width;
    const m = y * mask.width;
    for (let x = bx0; x <= bx1; x++) if (mask.data[m + x]) on[row + col[x - bx0]!] = 1;
  }
  return { x: cx0, y: cy0, width, height, on };
}

/**
 * For each pixel, its distance in px (3-4 chamfer, within 6 % of Euclidean) to the nearest pixel
 * of the other kind: marked pixels get their depth inside the mask (unmarked ones 0), or, with
 * `outside`, unmarked pixels get their distance from the mask (marked ones 0). Beyond the photo's
 * edge counts as unmarked for depth, as far away for distance.
 */
export function chamferDistance(marked: Uint8Array, w: number, h: number, outside = false): Float32Array {
  const far = 1e9;
  const d = new Float32Array(w * h);
  for (let i = 0; i < d.length; i++) d[i] = !marked[i] === outside ? far : 0;
  const edge = outside ? far : 0;
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= w || y >= h ? edge : d[y * w + x]!);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (d[i]) d[i] = Math.min(d[i]!, at(x - 1, y) + 3, at(x, y - 1) + 3, at(x - 1, y - 1) + 4, at(x + 1, y - 1) + 4);
    }
  for (let y = h - 1; y >= 0; y--)
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      if (d[i]) d[i] = Math.min(d[i]!, at(x + 1, y) + 3, at(x, y + 1) + 3, at(x + 1, y + 1) + 4, at(x - 1, y + 1) + 4);
    }
  for (let i = 0; i < d.length; i++) d[i] = d[i]! / 3;
  return d;
}
