import { labelRegions, type Mask } from '../image/mask';

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
  const { labels, count } = labelRegions(mask);
  const sizes = new Uint32Array(count);
  for (const id of labels) if (id >= 0) sizes[id]!++;
  let marks = 0, marked = 0;
  for (const size of sizes) {
    marked += size;
    if (size >= MIN_MARK) marks++;
  }
  return { marks, coverage: labels.length ? marked / labels.length : 0 };
}
