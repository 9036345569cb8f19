import { describe, expect, it } from 'vitest';
import { dilateMask, emptyMask, maskCoverage, paintDisc, thresholdPlane } from '../../src/core/image/mask';

describe('masks', () => {
  it('paints and erases a disc and reports the touched box', () => {
    const m = emptyMask(20, 10);
    const box = paintDisc(m, 10, 5, 3, 255);
    expect(box).toEqual({ x0: 7, y0: 2, x1: 13, y1: 8 });
    expect(m.data[5 * 20 + 10]).toBe(255);
    expect(m.data[0]).toBe(0);
    const painted = maskCoverage(m);
    expect(painted).toBeGreaterThan(0.1);
    paintDisc(m, 10, 5, 1.5, 0);
    expect(m.data[5 * 20 + 10]).toBe(0);
    expect(maskCoverage(m)).toBeLessThan(painted);
  });

  it('clips discs at the border', () => {
    const m = emptyMask(4, 4);
    expect(paintDisc(m, 0, 0, 2, 255)).toEqual({ x0: 0, y0: 0, x1: 2, y1: 2 });
    expect(m.data[0]).toBe(255);
  });

  it('dilates by a square of the given radius, clamped at edges', () => {
    const m = emptyMask(7, 5);
    m.data[2 * 7 + 3] = 255;
    const d = dilateMask(m, 1);
    const on = [...d.data.keys()].filter((i) => d.data[i]).map((i) => [i % 7, Math.floor(i / 7)]);
    expect(on).toHaveLength(9);
    for (const [x, y] of on) expect(Math.abs(x! - 3) <= 1 && Math.abs(y! - 2) <= 1).toBe(true);
    expect(dilateMask(m, 0)).toBe(m);
    const corner = emptyMask(3, 3);
    corner.data[0] = 255;
    expect(maskCoverage(dilateMask(corner, 5))).toBe(1);
  });

  it('thresholds probabilities at 0.5 by default', () => {
    const m = thresholdPlane(new Float32Array([0, 0.49, 0.5, 1]), 2, 2);
    expect([...m.data]).toEqual([0, 0, 255, 255]);
  });
});
