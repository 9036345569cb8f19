/**
 * Places the print's four sides precisely. Along each side of a rough quad, short profiles
 * across the side look for the step from table to print: a sharp change of colour whose outer
 * side looks like the table and whose inner side does not (which tells the print's edge from the
 * wood grain outside it, a soft shadow's edge, and the inner edge of a white border). A straight
 * line through the most of those steps (RANSAC, then least squares) is the side; the corners are
 * where neighbouring sides meet.
 */
import { tableDistance, type TableModel } from './table-model';
import type { Point, Quad } from './quad';

export interface FeatureImage {
  width: number;
  height: number;
  /** Three colour features per pixel (table-model.ts). */
  f: Float32Array;
}

export interface EdgeFit {
  quad: Quad;
  /** Per side: the share of profiles whose step lies on the fitted line. */
  support: number[];
}

const PROFILES = 48;
/** Half-width (px) of the windows compared on either side of a candidate step. */
const STEP = 2;
const likeTable = (d: number) => Math.exp((-d * d) / (2 * 2.5 * 2.5));

export function sample(img: FeatureImage, x: number, y: number, out: Float32Array, o: number): void {
  // Pixel centres sit at +0.5.
  let sx = x - 0.5, sy = y - 0.5;
  sx = Math.min(img.width - 1, Math.max(0, sx));
  sy = Math.min(img.height - 1, Math.max(0, sy));
  const x0 = Math.min(img.width - 2, Math.floor(sx)), y0 = Math.min(img.height - 2, Math.floor(sy));
  const fx = sx - x0, fy = sy - y0, f = img.f, W = img.width;
  const a = (y0 * W + x0) * 3, b = a + 3, c = a + W * 3, d = c + 3;
  for (let k = 0; k < 3; k++)
    out[o + k] = (f[a + k]! * (1 - fx) + f[b + k]! * fx) * (1 - fy) + (f[c + k]! * (1 - fx) + f[d + k]! * fx) * fy;
}

interface Candidate {
  x: number;
  y: number;
  w: number;
}

/** Candidate steps along one profile across the side at point p (outward normal n), strongest first. */
function profileSteps(img: FeatureImage, table: TableModel, p: Point, u: Point, n: Point, band: number): Candidate[] {
  const lo = -band - 4, hi = band + 4, len = hi - lo + 1;
  const prof = new Float32Array(len * 3), tmp = new Float32Array(3);
  for (let i = 0; i < len; i++) {
    const t = lo + i;
    // Three taps along the side average out texture and noise without blurring across it.
    for (const s of [-1.5, 0, 1.5]) {
      sample(img, p.x + n.x * t + u.x * s, p.y + n.y * t + u.y * s, tmp, 0);
      for (let k = 0; k < 3; k++) prof[i * 3 + k]! += tmp[k]! / 3;
    }
  }
  const mean = (from: number, to: number, out: Float32Array) => {
    out.fill(0);
    for (let i = from; i <= to; i++) for (let k = 0; k < 3; k++) out[k]! += prof[i * 3 + k]! / (to - from + 1);
  };
  const inner = new Float32Array(3), outer = new Float32Array(3);
  // weight[i]: a step between profile samples i and i + 1 (at t = lo + i + 0.5).
  const weight = new Float32Array(len);
  for (let i = 4; i < len - 5; i++) {
    mean(i - STEP + 1, i, inner);
    mean(i + 1, i + STEP, outer);
    const step = Math.hypot(outer[0]! - inner[0]!, outer[1]! - inner[1]!, outer[2]! - inner[2]!);
    mean(i + 2, i + 4, outer);
    mean(i - 3, i - 1, inner);
    weight[i] = step * likeTable(tableDistance(table, outer)) * (1 - likeTable(tableDistance(table, inner)));
  }
  let max = 0;
  for (const w of weight) max = Math.max(max, w);
  if (max <= 0) return [];
  const found: Candidate[] = [];
  for (let i = 5; i < len - 6; i++) {
    const w = weight[i]!;
    if (w < 0.03 * max || w < weight[i - 1]! || w < weight[i + 1]!) continue;
    // Sub-pixel: the vertex of the parabola through the peak and its neighbours.
    const l = weight[i - 1]!, r = weight[i + 1]!, den = l - 2 * w + r;
    const off = den < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (l - r)) / den)) : 0;
    const t = lo + i + 0.5 + off;
    if (Math.abs(t) > band) continue;
    found.push({ x: p.x + n.x * t, y: p.y + n.y * t, w });
  }
  return found.sort((a, b) => b.w - a.w).slice(0, 4);
}

interface Line {
  /** Unit normal and offset: points with nx*x + ny*y = c lie on it. */
  nx: number;
  ny: number;
  c: number;
}

/** The line through most of the profiles' steps: RANSAC over pairs of candidates, scored by inlier weight. */
function ransacLine(profiles: Candidate[][], tol: number, accept: (a: Candidate, b: Candidate) => boolean, perProfile = 1): { line: Line; score: number; count: number } | null {
  const tops = profiles.flatMap((c) => c.slice(0, perProfile));
  let best: Line | null = null, bestScore = 0, bestCount = 0;
  for (let i = 0; i < tops.length; i++)
    for (let j = i + 1; j < tops.length; j++) {
      const a = tops[i]!, b = tops[j]!, dx = b.x - a.x, dy = b.y - a.y, len = Math.hypot(dx, dy);
      if (len < 8 || !accept(a, b)) continue;
      const line = { nx: -dy / len, ny: dx / len, c: 0 };
      line.c = line.nx * a.x + line.ny * a.y;
      let score = 0, count = 0;
      for (const cands of profiles) {
        let w = 0;
        for (const c of cands) if (Math.abs(line.nx * c.x + line.ny * c.y - line.c) <= tol) w = Math.max(w, c.w);
        score += w;
        if (w > 0) count++;
      }
      if (score > bestScore) (bestScore = score), (best = line), (bestCount = count);
    }
  return best ? { line: best, score: bestScore, count: bestCount } : null;
}

/**
 * The side's line. A white paper border gives two parallel edges (table to paper, paper to
 * picture) and the inner one is often the stronger; the print's edge is the outer one, so an
 * outer parallel line found along most of the side wins.
 */
function fitSide(profiles: Candidate[][], tol: number, n: Point): { line: Line; support: number } | null {
  let found = ransacLine(profiles, tol, () => true);
  if (!found) return null;
  for (let round = 0; round < 3; round++) {
    const { line } = found;
    const outward = (c: Candidate) => signedOut(line, n, c) > 3 * tol;
    const outer = ransacLine(profiles.map((cs) => cs.filter(outward)), tol, (a, b) => {
      const dx = b.x - a.x, dy = b.y - a.y;
      return Math.abs(line.nx * dx + line.ny * dy) / Math.hypot(dx, dy) < 0.08; // parallel within ~5 degrees (perspective)
    }, 2);
    // Straight, parallel and along most of the side: the paper's edge, however faint against a pale table.
    if (!outer || outer.count < 0.5 * PROFILES || outer.score < 0.04 * found.score) break;
    found = outer;
  }
  const best = found.line;
  const pts: Candidate[] = [];
  for (const cands of profiles) {
    let pick: Candidate | undefined;
    for (const c of cands) if (Math.abs(best.nx * c.x + best.ny * c.y - best.c) <= tol && (!pick || c.w > pick.w)) pick = c;
    if (pick) pts.push(pick);
  }
  if (pts.length < 2) return null;
  // Weighted total least squares: the line through the centroid along the main axis.
  let sw = 0, mx = 0, my = 0;
  for (const p of pts) (sw += p.w), (mx += p.w * p.x), (my += p.w * p.y);
  mx /= sw;
  my /= sw;
  let sxx = 0, sxy = 0, syy = 0;
  for (const p of pts) {
    const dx = p.x - mx, dy = p.y - my;
    sxx += p.w * dx * dx;
    sxy += p.w * dx * dy;
    syy += p.w * dy * dy;
  }
  const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  const nx = -Math.sin(angle), ny = Math.cos(angle);
  return { line: { nx, ny, c: nx * mx + ny * my }, support: pts.length / PROFILES };
}

/** How far c lies outside the line, along the side's outward normal n. */
function signedOut(line: Line, n: Point, c: Candidate): number {
  const d = line.nx * c.x + line.ny * c.y - line.c;
  return line.nx * n.x + line.ny * n.y >= 0 ? d : -d;
}

function intersect(a: Line, b: Line): Point | null {
  const det = a.nx * b.ny - a.ny * b.nx;
  if (Math.abs(det) < 1e-9) return null;
  return { x: (a.c * b.ny - a.ny * b.c) / det, y: (a.nx * b.c - a.c * b.nx) / det };
}

/**
 * Fits the four sides near `quad` (within `band` px across each side), in the feature image's
 * pixels. Null when a side finds no steps at all or two sides come out parallel.
 */
export function fitPrintEdges(img: FeatureImage, table: TableModel, quad: Quad, band: number, tol: number, outward = 0): EdgeFit | null {
  const lines: Line[] = [];
  const support: number[] = [];
  for (let s = 0; s < 4; s++) {
    const a = quad[s]!, b = quad[(s + 1) % 4]!;
    const len = Math.hypot(b.x - a.x, b.y - a.y);
    if (len < 8) return null;
    const u = { x: (b.x - a.x) / len, y: (b.y - a.y) / len };
    // Clockwise on screen (y down): the outward normal is the side's direction turned left.
    const n = { x: u.y, y: -u.x };
    const profiles: Candidate[][] = [];
    for (let i = 0; i < PROFILES; i++) {
      const k = 0.06 + (0.88 * (i + 0.5)) / PROFILES;
      profiles.push(profileSteps(img, table, { x: a.x + (b.x - a.x) * k, y: a.y + (b.y - a.y) * k }, u, n, band));
    }
    const fit = fitSide(profiles, tol, n);
    if (!fit) return null;
    lines.push(fit.line);
    support.push(fit.support);
  }
  const corners = cornersOf(lines);
  if (!corners) return null;
  if (!outward) return { quad: corners, support };
  // Each side pushed out to the outermost parallel edge beyond it, if there is one.
  const moved = lines.map((line, s) => outermostEdge(img, table, line, corners[s]!, corners[(s + 1) % 4]!, outward));
  if (moved.every((m, s) => m === lines[s])) return { quad: corners, support };
  const pushed = cornersOf(moved);
  return pushed ? { quad: pushed, support } : { quad: corners, support };
}

function cornersOf(lines: Line[]): Quad | null {
  const corners: Point[] = [];
  for (let i = 0; i < 4; i++) {
    const p = intersect(lines[(i + 3) % 4]!, lines[i]!);
    if (!p) return null;
    corners.push(p);
  }
  return corners as Quad;
}

const OUT_PROFILES = 40;
/** Profiles are averaged in this many runs along the side, so a faint but straight edge stands out of the noise. */
const OUT_GROUPS = 5;
/** Least number of runs that must show the outer edge. */
const OUT_AGREE = 4;

/**
 * The outermost straight edge parallel to a side and outside it, within `reach` px: a sharp step
 * whose outer side looks like the table, along most of the side. That edge is the print's (the
 * side first found can be a line inside the picture, a horizon or a bench, where the picture
 * next to the print's edge looks like the table; or the inner edge of a white border that is
 * hardly paler than the table). Unlike the first fit, the inner side need not look unlike the
 * table; the profiles are averaged along runs of the side first, which a straight edge survives
 * and noise and table texture do not.
 */
function outermostEdge(img: FeatureImage, table: TableModel, line: Line, a: Point, b: Point, reach: number): Line {
  const len = Math.hypot(b.x - a.x, b.y - a.y);
  if (len < 16 || reach < 6) return line;
  const u = { x: (b.x - a.x) / len, y: (b.y - a.y) / len };
  const n = { x: u.y, y: -u.x };
  const lo = 3, hi = Math.round(reach), first = lo - 4, count = hi - first + 6;
  const tmp = new Float32Array(3), win = new Float32Array(3), win2 = new Float32Array(3);
  const perGroup = OUT_PROFILES / OUT_GROUPS;
  const groups: { at: Point; found: number[] }[] = [];
  for (let g = 0; g < OUT_GROUPS; g++) {
    const prof = new Float32Array(count * 3);
    for (let i = g * perGroup; i < (g + 1) * perGroup; i++) {
      const k = 0.08 + (0.84 * (i + 0.5)) / OUT_PROFILES;
      const p = onLine(line, { x: a.x + (b.x - a.x) * k, y: a.y + (b.y - a.y) * k });
      for (let j = 0; j < count; j++) {
        const t = first + j;
        for (const s of [-1.5, 0, 1.5]) {
          sample(img, p.x + n.x * t + u.x * s, p.y + n.y * t + u.y * s, tmp, 0);
          for (let c = 0; c < 3; c++) prof[j * 3 + c]! += tmp[c]! / (3 * perGroup);
        }
      }
    }
    const mean = (from: number, to: number, out: Float32Array) => {
      out.fill(0);
      for (let j = from; j <= to; j++) for (let c = 0; c < 3; c++) out[c]! += prof[j * 3 + c]! / (to - from + 1);
    };
    const step = new Float32Array(count);
    for (let j = 1; j < count - 2; j++) {
      mean(j - 1, j, win);
      mean(j + 1, j + 2, win2);
      step[j] = Math.hypot(win2[0]! - win[0]!, win2[1]! - win[1]!, win2[2]! - win[2]!);
    }
    const found: number[] = [];
    for (let j = 4; j < count - 5; j++) {
      const w = step[j]!;
      if (w < 2.5 || w < step[j - 1]! || w < step[j + 1]!) continue;
      // Sharp, not a soft shadow's ramp or a texture: the step stands well above those a few px either side.
      if (w < 2.5 * Math.max(step[j - 3]!, step[j + 3]!, step[j - 4]!, step[j + 4]!, step[j - 5] ?? 0, step[j + 5] ?? 0)) continue;
      // A step between two different levels, not a thin line on one (a weave's ridge, a grain line).
      mean(Math.max(0, j - 4), j - 1, win);
      mean(j + 2, Math.min(count - 1, j + 5), win2);
      if (Math.hypot(win2[0]! - win[0]!, win2[1]! - win[1]!, win2[2]! - win[2]!) < 2.5) continue;
      if (tableDistance(table, win2) > 2.5) continue;
      const t = first + j + 0.5;
      if (t < lo || t > hi) continue;
      found.push(t);
    }
    const k = 0.08 + (0.84 * (g + 0.5)) / OUT_GROUPS;
    groups.push({ at: onLine(line, { x: a.x + (b.x - a.x) * k, y: a.y + (b.y - a.y) * k }), found });
  }
  // The outermost offset that most runs show (within a little tilt: perspective).
  for (let t = hi; t >= lo; t--) {
    const tol = Math.max(2, 0.15 * t);
    const pts: Point[] = [];
    for (const g of groups) {
      let pick: number | undefined;
      for (const x of g.found) if (Math.abs(x - t) <= tol && (pick === undefined || Math.abs(x - t) < Math.abs(pick - t))) pick = x;
      if (pick !== undefined) pts.push({ x: g.at.x + n.x * pick, y: g.at.y + n.y * pick });
    }
    if (pts.length >= OUT_AGREE) return fitLine(pts) ?? line;
  }
  return line;
}

/** The point of the line nearest p. */
function onLine(line: Line, p: Point): Point {
  const off = line.nx * p.x + line.ny * p.y - line.c;
  return { x: p.x - line.nx * off, y: p.y - line.ny * off };
}

function fitLine(pts: Point[]): Line | null {
  if (pts.length < 2) return null;
  let mx = 0, my = 0;
  for (const p of pts) (mx += p.x), (my += p.y);
  mx /= pts.length;
  my /= pts.length;
  let sxx = 0, sxy = 0, syy = 0;
  for (const p of pts) {
    const dx = p.x - mx, dy = p.y - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  const nx = -Math.sin(angle), ny = Math.cos(angle);
  return { nx, ny, c: nx * mx + ny * my };
}
