import { describe, expect, it } from 'vitest';
import { chamferDistance, dilateMask, emptyMask, labelRegions, maskCoverage, maskView, paintDisc, thresholdPlane } from '../../src/core/image/mask';

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

  it('measures depth inside the mask and distance outside it (3-4 chamfer, in px)', () => {
    // a 9x9 square in a 21x13 frame, at x 2..10, y 2..10
    const m = emptyMask(21, 13);
    for (let y = 2; y <= 10; y++) for (let x = 2; x <= 10; x++) m.data[y * 21 + x] = 255;
    const depth = chamferDistance(m.data, 21, 13);
    expect(depth[6 * 21 + 6]).toBeCloseTo(5, 5); // the centre: 5 steps to the nearest unmarked pixel
    expect(depth[2 * 21 + 6]).toBeCloseTo(1, 5); // on the square's edge
    expect(depth[0]).toBe(0); // unmarked
    const away = chamferDistance(m.data, 21, 13, true);
    expect(away[6 * 21 + 18]).toBeCloseTo(8, 5); // 8 px right of the square
    expect(away[6 * 21 + 6]).toBe(0);
    // the photo's edge counts as unmarked for depth: a region along it is shallow there
    const edge = emptyMask(8, 8);
    edge.data.fill(255);
    expect(chamferDistance(edge.data, 8, 8)[0]).toBeCloseTo(1, 5);
  });

  it('thresholds probabilities at 0.5 by default', () => {
    const m = thresholdPlane(new Float32Array([0, 0.49, 0.5, 1]), 2, 2);
    expect([...m.data]).toEqual([0, 0, 255, 255]);
  });
});

describe('maskView (the editor overlay of a large mask)', () => {
  /** Reference: a view pixel is on iff a mask pixel whose position maps into it is on. */
  function brute(mask: ReturnType<typeof emptyMask>, vw: number, vh: number) {
    const on = new Uint8Array(vw * vh);
    for (let y = 0; y < mask.height; y++)
      for (let x = 0; x < mask.width; x++)
        if (mask.data[y * mask.width + x]) on[Math.min(vh - 1, Math.floor((y * vh) / mask.height)) * vw + Math.min(vw - 1, Math.floor((x * vw) / mask.width))] = 1;
    return on;
  }

  it('keeps one-pixel scratches visible when shrinking, whole and by regions', () => {
    const mask = emptyMask(6000, 4000);
    for (let y = 0; y < 4000; y++) mask.data[y * 6000 + 1234] = 1; // a 1 px vertical scratch
    for (let i = 0; i < 500; i++) mask.data[(i * 7919) % mask.data.length] = 1; // dust
    const [vw, vh] = [2048, 1365];
    const want = brute(mask, vw, vh);
    const all = maskView(mask, { x0: 0, y0: 0, x1: 5999, y1: 3999 }, vw, vh);
    expect([all.x, all.y, all.width, all.height]).toEqual([0, 0, vw, vh]);
    expect(Array.from(all.on)).toEqual(Array.from(want));
    // A region redraw agrees with the full view where they overlap.
    const part = maskView(mask, { x0: 1200, y0: 100, x1: 1300, y1: 333 }, vw, vh);
    expect(part.width).toBeGreaterThan(0);
    for (let y = 0; y < part.height; y++)
      for (let x = 0; x < part.width; x++) expect(part.on[y * part.width + x]).toBe(want[(part.y + y) * vw + part.x + x]);
    expect(part.on.some((v) => v)).toBe(true);
  });

  it('is the mask itself at full size', () => {
    const mask = emptyMask(30, 20);
    paintDisc(mask, 10, 10, 4, 255);
    const v = maskView(mask, { x0: 0, y0: 0, x1: 29, y1: 19 }, 30, 20);
    expect(Array.from(v.on)).toEqual(Array.from(mask.data, (m) => (m ? 1 : 0)));
  });

  it('labels 8-connected regions in scan order, diagonal neighbours joined', () => {
    // 5x3: a diagonal pair (one region), a lone pixel at the right, nothing else
    const m = { width: 5, height: 3, data: Uint8Array.from([255, 0, 0, 0, 255, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0]) };
    const { labels, count } = labelRegions(m);
    expect(count).toBe(2);
    expect(Array.from(labels)).toEqual([0, -1, -1, -1, 1, -1, 0, -1, -1, -1, -1, -1, -1, -1, -1]);
  });
});
