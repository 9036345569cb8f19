import type { Mask } from '../image/mask';

export interface DamageMeasure {
  /** Separate marks (8-connected regions of the mask) of at least MIN_MARK pixels. */
  marks: number;
  /** Share of the photo marked, 0..1. */
  coverage: number;
}

/** Smaller regions are single noisy pixels, not a speck anyone would see. */
const MIN_MARK = 3;

/** Counts the damage mask's marks (scratches, creases, specks) and how much of the photo they cover. */
export function measureDamage(mask: Mask): DamageMeasure {
  const { width: w, height: h, data } = mask;
  const seen = new Uint8Array(w * h);
  const stack: number[] = [];
  let marks = 0, marked = 0;
  for (let i = 0; i < w * h; i++) {
    if (!data[i] || seen[i]) continue;
    let size = 0;
    seen[i] = 1;
    stack.push(i);
    while (stack.length) {
      const p = stack.pop()!;
      size++;
      const x = p % w, y = (p - x) / w;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx, ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
          const q = ny * w + nx;
          if (data[q] && !seen[q]) (seen[q] = 1), stack.push(q);
        }
    }
    marked += size;
    if (size >= MIN_MARK) marks++;
  }
  return { marks, coverage: w * h ? marked / (w * h) : 0 };
}
