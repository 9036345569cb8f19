import type { Point, Quad } from './quad';

/** A 3x3 projective transform, row-major; maps (x, y, 1) to (X, Y, W), point (X/W, Y/W). */
export type Homography = Float64Array;

/**
 * The homography taking the four `from` corners to the four `to` corners (the classic 8x8
 * direct linear solve with h33 = 1). Throws when three of the corners are collinear.
 */
export function homographyBetween(from: Quad, to: Quad): Homography {
  const a: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const { x, y } = from[i]!, { x: u, y: v } = to[i]!;
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  const h = solve(a);
  return Float64Array.from([...h, 1]);
}

/** Gauss-Jordan elimination with partial pivoting on an n x (n+1) augmented matrix. */
function solve(a: number[][]): number[] {
  const n = a.length;
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    if (Math.abs(a[pivot]![c]!) < 1e-12) throw new Error('The corners do not form a quadrilateral (three are in a line).');
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    const row = a[c]!;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / row[c]!;
      if (f !== 0) for (let k = c; k <= n; k++) a[r]![k]! -= f * row[k]!;
    }
  }
  return a.map((row, i) => row[n]! / row[i]!);
}

export function applyHomography(h: Homography, p: Point): Point {
  const w = h[6]! * p.x + h[7]! * p.y + h[8]!;
  return { x: (h[0]! * p.x + h[1]! * p.y + h[2]!) / w, y: (h[3]! * p.x + h[4]! * p.y + h[5]!) / w };
}
