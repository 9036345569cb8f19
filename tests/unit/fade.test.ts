import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import type { RgbaImage } from '../../src/core/image/types';
import { fixFading } from '../../src/stages/fade/fix-fading';

const kodak = (n: string): RgbaImage => {
  const png = PNG.sync.read(readFileSync(`../shared/data/eval/kodak24/kodim${n}.png`));
  return { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data) };
};

/** A faded print with a yellow cast: lost blacks and whites, blue pulled down. */
function fade(img: RgbaImage): RgbaImage {
  const out = new Uint8ClampedArray(img.data);
  const cast = [22, 12, -18];
  for (let i = 0; i < out.length; i += 4) for (let c = 0; c < 3; c++) out[i + c] = img.data[i + c]! * 0.55 + 70 + cast[c]!;
  return { ...img, data: out };
}

function psnr(a: RgbaImage, b: RgbaImage): number {
  let se = 0, n = 0;
  for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) { se += (a.data[i]! - b.data[i]!) ** 2; n++; }
  return 10 * Math.log10((255 * 255) / (se / n));
}

const channelMean = (img: RgbaImage, c: number) => {
  let s = 0;
  for (let i = c; i < img.data.length; i += 4) s += img.data[i]!;
  return s / (img.data.length / 4);
};

describe('fix fading', () => {
  for (const n of ['03', '05', '19']) {
    it(`restores contrast and removes a yellow cast (kodim${n})`, () => {
      const clean = kodak(n);
      const faded = fade(clean);
      const fixed = fixFading(faded, { strength: 1, keepTone: false });
      expect(psnr(fixed, clean)).toBeGreaterThan(psnr(faded, clean) + 2);
      // The cast (red above blue) shrinks.
      const castBefore = channelMean(faded, 0) - channelMean(faded, 2);
      const castAfter = channelMean(fixed, 0) - channelMean(fixed, 2);
      expect(Math.abs(castAfter - (channelMean(clean, 0) - channelMean(clean, 2)))).toBeLessThan(Math.abs(castBefore - (channelMean(clean, 0) - channelMean(clean, 2))));
    });
  }

  it('keeps the tone when asked: contrast comes back, the sepia cast stays', () => {
    const faded = fade(kodak('05'));
    const kept = fixFading(faded, { strength: 1, keepTone: true });
    const spread = (img: RgbaImage) => { let lo = 255, hi = 0; for (let i = 1; i < img.data.length; i += 4) { lo = Math.min(lo, img.data[i]!); hi = Math.max(hi, img.data[i]!); } return hi - lo; };
    expect(spread(kept)).toBeGreaterThan(spread(faded) * 1.5);
    expect(channelMean(kept, 0) - channelMean(kept, 2)).toBeGreaterThan(0.8 * (channelMean(faded, 0) - channelMean(faded, 2)));
  });

  it('strength 0 leaves the photo unchanged; alpha is never touched', () => {
    const faded = fade(kodak('05'));
    faded.data[3] = 17;
    expect(Buffer.compare(Buffer.from(fixFading(faded, { strength: 0, keepTone: false }).data), Buffer.from(faded.data))).toBe(0);
    expect(fixFading(faded, { strength: 1, keepTone: false }).data[3]).toBe(17);
  });

  it('leaves a blank image alone instead of amplifying noise', () => {
    const blank: RgbaImage = { width: 8, height: 8, data: new Uint8ClampedArray(256).fill(128) };
    expect(fixFading(blank, { strength: 1, keepTone: false }).data).toEqual(blank.data);
  });
});
