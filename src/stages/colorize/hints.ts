/**
 * The hint editor's list with undo, framework-free: every change (add, remove, clear) replaces
 * the list with a new array and remembers the previous one, so Undo restores it exactly.
 */
import type { ColorHint } from './meta';

export class HintHistory {
  private past: ColorHint[][] = [];
  constructor(private current: ColorHint[] = [], private readonly limit = 100) {}

  get hints(): ColorHint[] {
    return this.current;
  }
  get canUndo(): boolean {
    return this.past.length > 0;
  }

  private change(next: ColorHint[]): ColorHint[] {
    this.past.push(this.current);
    if (this.past.length > this.limit) this.past.shift();
    this.current = next;
    return next;
  }

  add(hint: ColorHint): ColorHint[] {
    if (!hint.points.length) return this.current;
    return this.change([...this.current, { color: hint.color, points: hint.points.map(([x, y]) => [x, y] as [number, number]) }]);
  }
  remove(index: number): ColorHint[] {
    if (index < 0 || index >= this.current.length) return this.current;
    return this.change(this.current.filter((_, i) => i !== index));
  }
  clear(): ColorHint[] {
    return this.current.length ? this.change([]) : this.current;
  }
  undo(): ColorHint[] {
    const prev = this.past.pop();
    if (prev) this.current = prev;
    return this.current;
  }
}

/** Adds a point to a stroke unless it is within `minStep` (fractions of the photo) of the last one. */
export function extendStroke(points: [number, number][], p: [number, number], minStep = 0.01): boolean {
  const last = points[points.length - 1];
  if (last && Math.hypot(p[0] - last[0], p[1] - last[1]) < minStep) return false;
  points.push([Math.min(1, Math.max(0, p[0])), Math.min(1, Math.max(0, p[1]))]);
  return true;
}
