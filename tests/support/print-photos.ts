/**
 * Photos of prints, made up: a held-out photo (kodak24, mcmaster, BSDS500 test) becomes a print,
 * with or without a white paper border, lying in perspective on a table (wood grain, cloth or
 * plain), lit unevenly, with a cast shadow across it, a glare blob on its surface and sensor
 * noise. The print's true corners come with it. Seeded: the same seed makes the same photo.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { RgbaImage } from '../../src/core/image/types';
import type { Point, Quad } from '../../src/core/capture/quad';

const SHARED = new URL('../../../shared/data/', import.meta.url).pathname;

/** The source photos, in a fixed order. */
export function sourcePhotos(): string[] {
  const dirs = ['eval/kodak24', 'eval/mcmaster', 'photos/bsds500/test'];
  return dirs.flatMap((d) =>
    readdirSync(join(SHARED, d))
      .filter((f) => /\.(png|tif|jpg)$/i.test(f))
      .sort()
      .map((f) => join(SHARED, d, f)),
  );
}

export async function loadRgba(path: string): Promise<RgbaImage> {
  const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength) };
}

/** mulberry32: small, fast, seedable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Table = 'wood' | 'cloth' | 'plain';

export interface PrintPhoto {
  image: RgbaImage;
  corners: Quad;
  table: Table;
  border: boolean;
  source: string;
}

/** Smooth value noise in [0, 1] (bilinear between random lattice values), period-free enough. */
function valueNoise(rand: () => number, cells: number): (x: number, y: number) => number {
  const n = cells + 2, grid = new Float32Array(n * n).map(() => rand());
  return (x, y) => {
    const gx = Math.min(cells, Math.max(0, x * cells)), gy = Math.min(cells, Math.max(0, y * cells));
    const x0 = Math.floor(gx), y0 = Math.floor(gy), fx = gx - x0, fy = gy - y0;
    const sx = fx * fx * (3 - 2 * fx), sy = fy * fy * (3 - 2 * fy);
    const v = (i: number, j: number) => grid[j * n + i]!;
    return (v(x0, y0) * (1 - sx) + v(x0 + 1, y0) * sx) * (1 - sy) + (v(x0, y0 + 1) * (1 - sx) + v(x0 + 1, y0 + 1) * sx) * sy;
  };
}

function gauss(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}

/** The table's colour at (x, y) in [0,1]^2 coordinates of the frame, per kind. */
function tableTexture(kind: Table, rand: () => number, width: number, height: number): (x: number, y: number, out: number[]) => void {
  const pick = <T,>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const low = valueNoise(rand, 6), warp = valueNoise(rand, 3);
  if (kind === 'wood') {
    const base = pick([[150, 100, 60], [110, 70, 40], [190, 140, 90], [80, 50, 30], [170, 120, 80]]);
    const angle = rand() * Math.PI, freq = 30 + rand() * 60, contrast = 0.15 + rand() * 0.2;
    const c = Math.cos(angle), s = Math.sin(angle), aspect = width / height;
    return (x, y, out) => {
      const u = x * aspect * c + y * s, v = -x * aspect * s + y * c;
      const grain = Math.sin(u * freq + 6 * warp(x, y) + 2 * Math.sin(v * 7)) * 0.5 + 0.5;
      const k = 1 - contrast * grain + 0.15 * (low(x, y) - 0.5);
      for (let i = 0; i < 3; i++) out[i] = base[i]! * k;
    };
  }
  if (kind === 'cloth') {
    const base = pick([[60, 80, 130], [130, 40, 40], [70, 110, 70], [200, 195, 185], [40, 40, 45], [150, 130, 110]]);
    const period = 3 + rand() * 4, contrast = 0.08 + rand() * 0.12;
    return (x, y, out) => {
      const px = (x * width) / period, py = (y * height) / period;
      const weave = ((Math.floor(px) + Math.floor(py)) % 2 ? 1 : -1) * Math.abs(Math.sin(px * Math.PI) * Math.sin(py * Math.PI));
      const k = 1 + contrast * weave * 0.5 + 0.1 * (low(x, y) - 0.5);
      for (let i = 0; i < 3; i++) out[i] = base[i]! * k;
    };
  }
  const base = pick([[225, 222, 215], [130, 130, 128], [35, 35, 38], [90, 120, 90], [200, 170, 140]]);
  return (x, y, out) => {
    const k = 1 + 0.06 * (low(x, y) - 0.5);
    for (let i = 0; i < 3; i++) out[i] = base[i]! * k;
  };
}

/** The 3x3 homography mapping the unit square's corners to q (for rendering the print). */
function squareToQuad(q: Quad): number[] {
  const [p0, p1, p2, p3] = q;
  const dx1 = p1.x - p2.x, dx2 = p3.x - p2.x, dy1 = p1.y - p2.y, dy2 = p3.y - p2.y;
  const sx = p0.x - p1.x + p2.x - p3.x, sy = p0.y - p1.y + p2.y - p3.y;
  const den = dx1 * dy2 - dx2 * dy1;
  const g = (sx * dy2 - dx2 * sy) / den, h = (dx1 * sy - sx * dy1) / den;
  return [p1.x - p0.x + g * p1.x, p3.x - p0.x + h * p3.x, p0.x, p1.y - p0.y + g * p1.y, p3.y - p0.y + h * p3.y, p0.y, g, h, 1];
}

function invert3(m: number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = m as [number, number, number, number, number, number, number, number, number];
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [A / det, -(b * i - c * h) / det, (b * f - c * e) / det, B / det, (a * i - c * g) / det, -(a * f - c * d) / det, C / det, -(a * h - b * g) / det, (a * e - b * d) / det];
}

/** Random print corners in the frame: a rotated rectangle of the print's aspect, then keystoned and jittered. */
function placePrint(rand: () => number, width: number, height: number, aspect: number): Quad {
  for (;;) {
    const share = 0.15 + rand() * 0.45; // of the frame's area
    const area = share * width * height;
    const pw = Math.sqrt(area * aspect), ph = pw / aspect;
    const angle = (rand() - 0.5) * (Math.PI / 3.6); // +-25 degrees
    const cx = width * (0.3 + rand() * 0.4), cy = height * (0.3 + rand() * 0.4);
    const keystone = 0.75 + rand() * 0.25; // the far edge looks shorter
    const far = Math.floor(rand() * 4);
    const base: Point[] = [
      { x: -pw / 2, y: -ph / 2 }, { x: pw / 2, y: -ph / 2 }, { x: pw / 2, y: ph / 2 }, { x: -pw / 2, y: ph / 2 },
    ];
    // Shrink one side (the far one) towards its middle.
    const a = base[far]!, b = base[(far + 1) % 4]!;
    const mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2;
    for (const p of [a, b]) (p.x = mx + (p.x - mx) * keystone), (p.y = my + (p.y - my) * keystone);
    const jitter = 0.03 * Math.min(pw, ph);
    const q = base.map((p) => {
      const x = p.x + gauss(rand) * jitter, y = p.y + gauss(rand) * jitter;
      return { x: cx + x * Math.cos(angle) - y * Math.sin(angle), y: cy + x * Math.sin(angle) + y * Math.cos(angle) };
    }) as Quad;
    const margin = 0.02 * Math.min(width, height);
    if (q.every((p) => p.x > margin && p.y > margin && p.x < width - margin && p.y < height - margin)) return q;
  }
}

export interface PrintPhotoOptions {
  width?: number;
  height?: number;
}

/** One photo of a print, from a source photo and a seed. */
export function photographPrint(source: RgbaImage, seed: number, opts: PrintPhotoOptions = {}, sourceName = ''): PrintPhoto {
  const rand = rng(seed);
  const width = opts.width ?? 1200, height = opts.height ?? 900;
  const table: Table = (['wood', 'cloth', 'plain'] as const)[Math.floor(rand() * 3)]!;
  const border = rand() < 0.5;
  // The print: the source, portrait or landscape as it is, inside an optional paper border.
  const bw = border ? Math.round(Math.min(source.width, source.height) * (0.03 + rand() * 0.05)) : 0;
  const pw = source.width + 2 * bw, ph = source.height + 2 * bw;
  const paper = [235 + rand() * 15, 230 + rand() * 15, 215 + rand() * 20];
  const corners = placePrint(rand, width, height, pw / ph);
  const toPrint = invert3(squareToQuad(corners));
  const texture = tableTexture(table, rand, width, height);
  // Light: a lamp somewhere (smooth falloff), a cast shadow (a soft half-plane), glare on the print.
  const lamp = { x: rand(), y: rand(), k: 0.15 + rand() * 0.25 };
  const shadowAngle = rand() * 2 * Math.PI, shadowOffset = (rand() - 0.5) * 0.8, shadowSoft = 0.01 + rand() * 0.04;
  const shadowDepth = rand() < 0.7 ? 0.25 + rand() * 0.3 : 0;
  const sc = Math.cos(shadowAngle), ss = Math.sin(shadowAngle);
  const glareAt = { u: 0.2 + rand() * 0.6, v: 0.2 + rand() * 0.6 }, glareR = 0.06 + rand() * 0.12, glare = rand() < 0.8 ? 0.5 + rand() * 0.45 : 0;
  const noise = 1.5 + rand() * 3;
  const edges = corners.map((p, i) => {
    const q = corners[(i + 1) % 4]!, len = Math.hypot(q.x - p.x, q.y - p.y);
    // Inward unit normal for a clockwise-on-screen quad, and its offset.
    const nx = -(q.y - p.y) / len, ny = (q.x - p.x) / len;
    return { nx, ny, c: nx * p.x + ny * p.y };
  });
  const data = new Uint8ClampedArray(width * height * 4);
  const t = [0, 0, 0], src = source.data, SW = source.width;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const X = x + 0.5, Y = y + 0.5, fx = X / width, fy = Y / height;
      texture(fx, fy, t);
      // Coverage from the distance to the nearest side: antialiased edges, exact where straight.
      let inside = Infinity;
      for (const e of edges) inside = Math.min(inside, e.nx * X + e.ny * Y - e.c);
      const alpha = Math.min(1, Math.max(0, inside + 0.5));
      let r = t[0]!, g = t[1]!, b = t[2]!;
      if (alpha > 0) {
        const w = toPrint[6]! * X + toPrint[7]! * Y + toPrint[8]!;
        const u = (toPrint[0]! * X + toPrint[1]! * Y + toPrint[2]!) / w, v = (toPrint[3]! * X + toPrint[4]! * Y + toPrint[5]!) / w;
        const px = u * pw - bw - 0.5, py = v * ph - bw - 0.5;
        let pr: number, pg: number, pb: number;
        if (px < -0.5 || py < -0.5 || px > source.width - 0.5 || py > source.height - 0.5) [pr, pg, pb] = paper as [number, number, number];
        else {
          const sx = Math.min(source.width - 1, Math.max(0, px)), sy = Math.min(source.height - 1, Math.max(0, py));
          const x0 = Math.min(source.width - 2, Math.floor(sx)), y0 = Math.min(source.height - 2, Math.floor(sy));
          const ax = sx - x0, ay = sy - y0, o = (y0 * SW + x0) * 4;
          const at = (k: number) => (src[o + k]! * (1 - ax) + src[o + 4 + k]! * ax) * (1 - ay) + (src[o + SW * 4 + k]! * (1 - ax) + src[o + SW * 4 + 4 + k]! * ax) * ay;
          [pr, pg, pb] = [at(0), at(1), at(2)];
        }
        const gd = ((u - glareAt.u) ** 2 + (v - glareAt.v) ** 2) / (glareR * glareR);
        const gl = glare * Math.exp(-gd);
        pr += (255 - pr) * gl;
        pg += (255 - pg) * gl;
        pb += (255 - pb) * gl;
        r = r * (1 - alpha) + pr * alpha;
        g = g * (1 - alpha) + pg * alpha;
        b = b * (1 - alpha) + pb * alpha;
      }
      const light = 1 - lamp.k * Math.hypot(fx - lamp.x, fy - lamp.y);
      const sd = (fx - 0.5) * sc + (fy - 0.5) * ss - shadowOffset;
      const shade = 1 - shadowDepth / (1 + Math.exp(-sd / shadowSoft));
      const k = light * shade, o = (y * width + x) * 4;
      data[o] = r * k + gauss(rand) * noise;
      data[o + 1] = g * k + gauss(rand) * noise;
      data[o + 2] = b * k + gauss(rand) * noise;
      data[o + 3] = 255;
    }
  }
  return { image: { width, height, data }, corners, table, border, source: sourceName };
}

/** The worst corner's distance from the truth, as a share of the print's diagonal. */
export function cornerError(found: Quad, truth: Quad): number {
  const diag = (Math.hypot(truth[2].x - truth[0].x, truth[2].y - truth[0].y) + Math.hypot(truth[3].x - truth[1].x, truth[3].y - truth[1].y)) / 2;
  return Math.max(...found.map((p, i) => Math.hypot(p.x - truth[i]!.x, p.y - truth[i]!.y))) / diag;
}

/** A set of photos: seed s uses source (s * 7) mod n, seeds base .. base + count - 1. */
export async function printPhotoSet(count: number, base: number, opts: PrintPhotoOptions = {}): Promise<PrintPhoto[]> {
  const sources = sourcePhotos();
  const out: PrintPhoto[] = [];
  for (let i = 0; i < count; i++) {
    const path = sources[((base + i) * 7) % sources.length]!;
    out.push(photographPrint(await loadRgba(path), base + i, opts, path.split('/').slice(-2).join('/')));
  }
  return out;
}
