/**
 * Large holes rebuilt from the photo's own patches (patchFillLargeHoles): texture where the network
 * leaves a smooth smear, thin marks and undamaged pixels left exactly as they were.
 */
import { describe, expect, it } from 'vitest';
import type { RgbaImage } from '../../src/core/image/types';
import { emptyMask, type Mask } from '../../src/core/image/mask';
import { patchFillLargeHoles } from '../../src/stages/repair/patch-fill';

/** Diagonal stripes, period 10 px, with fine noise: a texture a smooth fill cannot hold. */
function stripes(w: number, h: number): RgbaImage {
  const data = new Uint8ClampedArray(w * h * 4);
  let seed = 7;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const v = 128 + 70 * Math.sin((2 * Math.PI * (x + y)) / 10) + ((seed >>> 24) % 9) - 4;
      data.set([v, v * 0.8, v * 0.6, 255], (y * w + x) * 4);
    }
  return { width: w, height: h, data };
}

/** What the network leaves in a large hole: the mean colour of the photo, flat. */
function smoothFill(img: RgbaImage, mask: Mask): RgbaImage {
  const out = new Uint8ClampedArray(img.data);
  const mean = [0, 0, 0];
  let n = 0;
  for (let i = 0; i < mask.data.length; i++)
    if (!mask.data[i]) {
      for (let c = 0; c < 3; c++) mean[c]! += img.data[i * 4 + c]!;
      n++;
    }
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) for (let c = 0; c < 3; c++) out[i * 4 + c] = mean[c]! / n;
  return { width: img.width, height: img.height, data: out };
}

function rect(mask: Mask, x0: number, y0: number, x1: number, y1: number) {
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask.data[y * mask.width + x] = 255;
}

function holePsnr(a: RgbaImage, b: RgbaImage, mask: Mask) {
  let se = 0, n = 0;
  for (let i = 0; i < mask.data.length; i++)
    if (mask.data[i])
      for (let c = 0; c < 3; c++) {
        se += (a.data[i * 4 + c]! - b.data[i * 4 + c]!) ** 2;
        n++;
      }
  return 10 * Math.log10((255 * 255) / (se / n));
}

describe('patchFillLargeHoles', () => {
  const truth = stripes(160, 120);

  it('rebuilds the texture of a large hole from the photo round it; nothing outside the hole moves', () => {
    const mask = emptyMask(160, 120);
    rect(mask, 60, 40, 110, 85); // 50x45 px: 12 % of the photo
    const smooth = smoothFill(truth, mask);
    const out = patchFillLargeHoles(smooth, mask);
    for (let i = 0; i < mask.data.length; i++)
      if (!mask.data[i]) for (let c = 0; c < 4; c++) expect(out.data[i * 4 + c]).toBe(smooth.data[i * 4 + c]);
    const flat = holePsnr(smooth, truth, mask);
    const rebuilt = holePsnr(out, truth, mask);
    // the stripes continue through the hole in phase (the seam is part of each patch)
    expect(rebuilt).toBeGreaterThan(flat + 8);
    expect(rebuilt).toBeGreaterThan(25);
  });

  it('leaves thin marks and small holes with the fill it was given, and returns the photo itself when no hole is large', () => {
    const mask = emptyMask(160, 120);
    rect(mask, 10, 60, 150, 65); // a 5 px scratch: 3 px deep at most
    rect(mask, 80, 20, 84, 24); // a speck
    rect(mask, 120, 80, 150, 110); // a 30 px blob: 15 px deep, where the network's fill is better
    const smooth = smoothFill(truth, mask);
    expect(patchFillLargeHoles(smooth, mask)).toBe(smooth);
    rect(mask, 60, 80, 110, 115); // and a large hole too: the scratch and the speck still keep their fill
    const again = smoothFill(truth, mask);
    const out = patchFillLargeHoles(again, mask);
    for (const [x, y] of [[20, 62], [140, 61], [81, 21], [135, 95]] as const) {
      const i = (y * 160 + x) * 4;
      expect([out.data[i], out.data[i + 1], out.data[i + 2]]).toEqual([again.data[i], again.data[i + 1], again.data[i + 2]]);
    }
    expect(holePsnr(out, truth, mask)).toBeGreaterThan(holePsnr(again, truth, mask) + 3);
  });

  it('on a photo too large to search at full size, searches a shrunk copy and copies the photo\'s own pixels', () => {
    const mask = emptyMask(160, 120);
    rect(mask, 60, 40, 110, 85);
    const smooth = smoothFill(truth, mask);
    const out = patchFillLargeHoles(smooth, mask, { maxLevelPixels: 5_000 }); // the 160x120 window is searched at 80x60
    const outside = new Set<string>();
    for (let i = 0; i < mask.data.length; i++) if (!mask.data[i]) outside.add(Array.from(truth.data.subarray(i * 4, i * 4 + 3)).join());
    let copied = 0, n = 0;
    for (let i = 0; i < mask.data.length; i++)
      if (mask.data[i]) {
        n++;
        if (outside.has(Array.from(out.data.subarray(i * 4, i * 4 + 3)).join())) copied++;
      }
    expect(copied / n).toBeGreaterThan(0.9); // real pixels of the photo, not a blur of them
    expect(holePsnr(out, truth, mask)).toBeGreaterThan(holePsnr(smooth, truth, mask) + 5);
  });

  it('is repeatable, reports progress and stops when cancelled', () => {
    const mask = emptyMask(160, 120);
    rect(mask, 0, 0, 60, 50); // a torn corner
    const smooth = smoothFill(truth, mask);
    const steps: number[] = [];
    const a = patchFillLargeHoles(smooth, mask, { onProgress: (done, total) => steps.push(done / total) });
    expect(patchFillLargeHoles(smooth, mask).data).toEqual(a.data);
    expect(steps.at(-1)).toBe(1);
    expect(steps.length).toBeGreaterThan(1);
    const stop = new AbortController();
    stop.abort();
    expect(() => patchFillLargeHoles(smooth, mask, { signal: stop.signal })).toThrow();
  });
});
