/**
 * Carrying a low-resolution chroma map up to full resolution without bleeding colour across
 * edges: joint bilateral upsampling (Kopf et al. 2007). Each full-resolution pixel averages the
 * nearby low-resolution chroma samples, weighted by distance and by how close that sample's
 * lightness is to the pixel's own, so a sample from the other side of an edge (different
 * lightness) counts for little. Large factors go up in steps of at most 4x, each guided by the
 * lightness at its own resolution, so the lightness a sample is compared with is never an
 * average over a big block. The last step streams rows, so no full-size chroma buffer exists.
 */

/** A single-channel float image. */
export interface Plane {
  width: number;
  height: number;
  data: Float32Array;
}

/** Box-filter downscale of a plane (each output pixel averages the input pixels it covers). */
export function resizeArea(src: Plane, width: number, height: number): Plane {
  const out = new Float32Array(width * height);
  const sx = src.width / width, sy = src.height / height;
  // column spans, computed once
  const x0 = new Int32Array(width), x1 = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    x0[x] = Math.min(src.width - 1, Math.floor(x * sx));
    x1[x] = Math.max(x0[x]! + 1, Math.min(src.width, Math.floor((x + 1) * sx)));
  }
  const rowSum = new Float64Array(width);
  for (let y = 0; y < height; y++) {
    const y0 = Math.min(src.height - 1, Math.floor(y * sy));
    const y1 = Math.max(y0 + 1, Math.min(src.height, Math.floor((y + 1) * sy)));
    rowSum.fill(0);
    for (let yy = y0; yy < y1; yy++) {
      const row = yy * src.width;
      for (let x = 0; x < width; x++) {
        let s = 0;
        for (let xx = x0[x]!; xx < x1[x]!; xx++) s += src.data[row + xx]!;
        rowSum[x]! += s;
      }
    }
    for (let x = 0; x < width; x++) out[y * width + x] = rowSum[x]! / ((y1 - y0) * (x1[x]! - x0[x]!));
  }
  return { width, height, data: out };
}

export interface UpsampleOptions {
  /** Spatial Gaussian sigma, in low-resolution pixels. */
  sigmaSpatial?: number;
  /** Range (lightness) Gaussian sigma, in L units (0..100). */
  sigmaRange?: number;
}

/** For each output coordinate: the first of the 4 low-res taps and their spatial weights. */
function taps(n: number, lowN: number, sigma: number): { first: Int32Array; w: Float32Array } {
  const first = new Int32Array(n);
  const w = new Float32Array(n * 4);
  const scale = lowN / n;
  for (let i = 0; i < n; i++) {
    const u = (i + 0.5) * scale - 0.5;
    const f0 = Math.floor(u) - 1;
    first[i] = f0;
    for (let k = 0; k < 4; k++) {
      const j = f0 + k;
      w[i * 4 + k] = j < 0 || j >= lowN ? 0 : Math.exp(-0.5 * ((u - j) / sigma) ** 2);
    }
  }
  return { first, w };
}

/**
 * One joint bilateral step: `ab` (2 planes, low.width x low.height, guided by `low` lightness)
 * to the size of `guide`; `emit(y, a, b)` gets each output row in turn (the arrays are reused).
 */
export function jointBilateralRows(
  ab: Float32Array,
  low: Plane,
  guide: Plane,
  emit: (y: number, a: Float32Array, b: Float32Array) => void,
  options: UpsampleOptions = {},
): void {
  const sigmaS = options.sigmaSpatial ?? 1;
  const sigmaR = options.sigmaRange ?? 8;
  const { width: w, height: h } = low;
  const { width: W, height: H } = guide;
  const plane = w * h;
  const cols = taps(W, w, sigmaS);
  const rows = taps(H, h, sigmaS);
  // range weights by |dL| in steps of 1/8 L unit
  const RSTEP = 8;
  const range = new Float32Array(100 * RSTEP + 2).map((_, i) => Math.exp(-0.5 * (i / RSTEP / sigmaR) ** 2));
  const aRow = new Float32Array(W), bRow = new Float32Array(W);
  for (let y = 0; y < H; y++) {
    const fy = rows.first[y]!;
    for (let x = 0; x < W; x++) {
      const g = guide.data[y * W + x]!;
      const fx = cols.first[x]!;
      let sw = 0, sa = 0, sb = 0, spatialOnly = 0, saS = 0, sbS = 0;
      for (let ky = 0; ky < 4; ky++) {
        const wy = rows.w[y * 4 + ky]!;
        if (wy === 0) continue;
        const row = (fy + ky) * w;
        for (let kx = 0; kx < 4; kx++) {
          const ws = wy * cols.w[x * 4 + kx]!;
          if (ws === 0) continue;
          const j = row + fx + kx;
          const d = Math.abs(low.data[j]! - g) * RSTEP;
          const wt = ws * range[d > 100 * RSTEP ? 100 * RSTEP + 1 : Math.round(d)]!;
          sw += wt; sa += wt * ab[j]!; sb += wt * ab[plane + j]!;
          spatialOnly += ws; saS += ws * ab[j]!; sbS += ws * ab[plane + j]!;
        }
      }
      // A pixel unlike every sample nearby (a thin bright line) falls back to plain interpolation.
      if (sw > 1e-6 * spatialOnly) { aRow[x] = sa / sw; bRow[x] = sb / sw; }
      else { aRow[x] = saS / spatialOnly; bRow[x] = sbS / spatialOnly; }
    }
    emit(y, aRow, bRow);
  }
}

/**
 * The full chain: `ab` (2 planes at `low`'s size, guided by `low`) up to `full`'s size in steps
 * of at most 4x per side; the last step's rows go to `emit`.
 */
export function upsampleChroma(
  ab: Float32Array,
  low: Plane,
  full: Plane,
  emit: (y: number, a: Float32Array, b: Float32Array) => void,
  options: UpsampleOptions = {},
): void {
  let curAb = ab;
  let cur = low;
  for (;;) {
    const fx = full.width / cur.width, fy = full.height / cur.height;
    if (fx <= 4 && fy <= 4) break;
    const next = resizeArea(full, Math.min(full.width, cur.width * 4), Math.min(full.height, cur.height * 4));
    const out = new Float32Array(2 * next.width * next.height);
    const np = next.width * next.height;
    jointBilateralRows(curAb, cur, next, (y, a, b) => {
      out.set(a, y * next.width);
      out.set(b, np + y * next.width);
    }, options);
    curAb = out;
    cur = next;
  }
  jointBilateralRows(curAb, cur, full, emit, options);
}
