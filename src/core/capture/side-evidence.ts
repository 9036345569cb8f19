/**
 * What lies either side of a fitted side, along its whole length. A print's side has the table
 * outside it all the way along; a line inside the picture (a horizon, a bench, the edge of a
 * dark area), which the edge fit can take for the side where the picture next to the print's
 * edge looks like the table, has picture outside it over much of its length. Such a side is
 * searched for again further out, between the lines of its two neighbours.
 */
import { tableDistance, type TableModel } from './table-model';
import { sample, type FeatureImage } from './print-edges';
import type { Point, Quad } from './quad';

const SAMPLES = 32;
/** Table distance under which a colour counts as table (the edge fit's likeTable falloff). */
const TABLE_LIKE = 2.5;
const likeTable = (d: number) => Math.exp((-d * d) / (2 * TABLE_LIKE * TABLE_LIKE));
/** Width (px) of the strips compared either side of a side. */
const STRIP = 6;
/** A step of this size (feature units) across a side counts as an edge even where both strips look like the table. */
const FULL_STEP = 15;

/** Strip means either side of the side a -> b at `SAMPLES` points (clockwise quad: outside is to the left). */
function strips(img: FeatureImage, a: Point, b: Point, visit: (outer: Float32Array, inner: Float32Array) => void, samples = SAMPLES): void {
  const len = Math.hypot(b.x - a.x, b.y - a.y);
  const n = { x: (b.y - a.y) / len, y: -(b.x - a.x) / len };
  const tmp = new Float32Array(3), outer = new Float32Array(3), inner = new Float32Array(3);
  for (let i = 0; i < samples; i++) {
    const k = 0.04 + (0.92 * (i + 0.5)) / samples, px = a.x + (b.x - a.x) * k, py = a.y + (b.y - a.y) * k;
    outer.fill(0);
    inner.fill(0);
    for (let t = 1; t <= STRIP; t++) {
      sample(img, px + n.x * t, py + n.y * t, tmp, 0);
      for (let c = 0; c < 3; c++) outer[c]! += tmp[c]! / STRIP;
      sample(img, px - n.x * t, py - n.y * t, tmp, 0);
      for (let c = 0; c < 3; c++) inner[c]! += tmp[c]! / STRIP;
    }
    visit(outer, inner);
  }
}

/** Share of the side a -> b whose outer strip looks like the table. */
export function outsideTableShare(img: FeatureImage, table: TableModel, a: Point, b: Point): number {
  let n = 0;
  strips(img, a, b, (outer) => tableDistance(table, outer) < TABLE_LIKE && n++);
  return n / SAMPLES;
}

/** 0..1: how much of the side a -> b has the table outside and something else (or a clear step) inside. */
export function sideScore(img: FeatureImage, table: TableModel, a: Point, b: Point, samples = SAMPLES): number {
  let s = 0;
  strips(img, a, b, (outer, inner) => {
    const step = Math.hypot(outer[0]! - inner[0]!, outer[1]! - inner[1]!, outer[2]! - inner[2]!);
    s += likeTable(tableDistance(table, outer)) * Math.max(1 - likeTable(tableDistance(table, inner)), Math.min(1, step / FULL_STEP));
  }, samples);
  return s / samples;
}

/**
 * Side s of the quad searched for again: its ends slid along its neighbours' lines (outwards,
 * up to the frame), keeping the pair that best has the table outside and the print inside.
 * Returns the quad with that side moved, or null when nothing beats the side as it is.
 */
export function researchSide(img: FeatureImage, table: TableModel, quad: Quad, s: number): Quad | null {
  const a = quad[s]!, b = quad[(s + 1) % 4]!, before = quad[(s + 3) % 4]!, after = quad[(s + 2) % 4]!;
  const unit = (p: Point, q: Point) => {
    const l = Math.hypot(p.x - q.x, p.y - q.y);
    return { x: (p.x - q.x) / l, y: (p.y - q.y) / l };
  };
  // Outwards along each neighbouring side, beyond the corner.
  const da = unit(a, before), db = unit(b, after);
  const reach = (p: Point, d: Point) => {
    let t = Infinity;
    if (d.x > 1e-6) t = Math.min(t, (img.width - 1 - p.x) / d.x);
    if (d.x < -1e-6) t = Math.min(t, (1 - p.x) / d.x);
    if (d.y > 1e-6) t = Math.min(t, (img.height - 1 - p.y) / d.y);
    if (d.y < -1e-6) t = Math.min(t, (1 - p.y) / d.y);
    return Math.max(0, t);
  };
  const ra = reach(a, da), rb = reach(b, db);
  const at = (p: Point, d: Point, t: number) => ({ x: p.x + d.x * t, y: p.y + d.y * t });
  // Coarse to fine: a grid over both ends' whole reach on fewer samples, then finer grids around the best.
  let step = Math.max(4, Math.max(ra, rb) / 32), samples = SAMPLES / 4;
  let best = { ta: 0, tb: 0, score: sideScore(img, table, a, b, samples) };
  const grid = (fromA: number, toA: number, fromB: number, toB: number) => {
    for (let ta = Math.max(0, fromA); ta <= Math.min(ra, toA); ta += step)
      for (let tb = Math.max(0, fromB); tb <= Math.min(rb, toB); tb += step) {
        const score = sideScore(img, table, at(a, da, ta), at(b, db, tb), samples);
        if (score > best.score) best = { ta, tb, score };
      }
  };
  grid(0, ra, 0, rb);
  if (best.ta === 0 && best.tb === 0) return null;
  samples = SAMPLES;
  best.score = sideScore(img, table, at(a, da, best.ta), at(b, db, best.tb));
  while (step > 1) {
    const around = step;
    step = Math.max(1, Math.floor(step / 3));
    grid(best.ta - around, best.ta + around, best.tb - around, best.tb + around);
  }
  const out = quad.slice() as Quad;
  out[s] = at(a, da, best.ta);
  out[(s + 1) % 4] = at(b, db, best.tb);
  return out;
}
