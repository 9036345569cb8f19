/**
 * The capture step (src/core/capture): the homography and warp are exact on known geometry;
 * the corner finder meets its target on generated photos of prints (tests/support/
 * print-photos.ts: held-out photos on wood, cloth and plain tables, shadows, glare, borders);
 * and photos that are not of a print are left alone.
 */
import { describe, expect, it } from 'vitest';
import { applyHomography, homographyBetween } from '../../src/core/capture/homography';
import { printSize, warpQuad } from '../../src/core/capture/warp';
import { findPrint } from '../../src/core/capture/find-print';
import { cropToPrint } from '../../src/core/capture/crop-to-print';
import { orderQuad, type Quad } from '../../src/core/capture/quad';
import { cornerError, loadRgba, photographPrint, printPhotoSet, sourcePhotos } from '../support/print-photos';
import type { RgbaImage } from '../../src/core/image/types';

const quad = (...xy: number[]): Quad => [0, 1, 2, 3].map((i) => ({ x: xy[2 * i]!, y: xy[2 * i + 1]! })) as Quad;

function psnr(a: RgbaImage, b: RgbaImage): number {
  let se = 0, n = 0;
  for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) (se += (a.data[i]! - b.data[i]!) ** 2), n++;
  return 10 * Math.log10((255 * 255) / (se / n || 1e-9));
}

describe('homography and warp', () => {
  it('maps each corner onto its target', () => {
    const from = quad(0, 0, 300, 0, 300, 200, 0, 200);
    const to = quad(12.5, 40, 280, 10, 310, 260, -5, 220);
    const h = homographyBetween(from, to);
    from.forEach((p, i) => {
      const q = applyHomography(h, p);
      expect(q.x).toBeCloseTo(to[i]!.x, 6);
      expect(q.y).toBeCloseTo(to[i]!.y, 6);
    });
    expect(() => homographyBetween(from, quad(0, 0, 1, 1, 2, 2, 3, 3))).toThrow(/quadrilateral/);
  });

  it('the whole frame as the quad gives the photo back (to within rounding)', async () => {
    const img = await loadRgba(sourcePhotos()[0]!);
    const out = warpQuad(img, quad(0, 0, img.width, 0, img.width, img.height, 0, img.height));
    expect([out.width, out.height]).toEqual([img.width, img.height]);
    let worst = 0;
    for (let i = 0; i < img.data.length; i++) worst = Math.max(worst, Math.abs(out.data[i]! - img.data[i]!));
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('sizes the result from the longer of each pair of opposite sides', () => {
    expect(printSize(quad(0, 0, 400, 0, 380, 290, 10, 300))).toEqual({ width: 400, height: 300 });
  });

  it('orders corners found in any order as top-left, top-right, bottom-right, bottom-left', () => {
    const q = orderQuad([{ x: 90, y: 95 }, { x: 10, y: 5 }, { x: 5, y: 90 }, { x: 100, y: 10 }]);
    expect(q.map((p) => [p.x, p.y])).toEqual([[10, 5], [100, 10], [90, 95], [5, 90]]);
  });

  it('straightens a print with its true corners back to the print itself', async () => {
    const source = await loadRgba(sourcePhotos()[3]!);
    // A seed with no paper border, so the print is exactly the source photo.
    let seed = 7;
    while (photographPrint({ width: 8, height: 8, data: new Uint8ClampedArray(256) }, seed).border) seed++;
    const photo = photographPrint(source, seed);
    expect(photo.border).toBe(false);
    const flat = warpQuad(photo.image, photo.corners, { width: source.width, height: source.height });
    // Shadow, lamp, glare and noise are on the print too: close, not equal, and far closer than a wrong crop.
    const wrong = warpQuad(photo.image, photo.corners.map((p) => ({ x: p.x + 40, y: p.y + 25 })) as Quad, { width: source.width, height: source.height });
    expect(psnr(flat, source)).toBeGreaterThan(psnr(wrong, source) + 3);
  });
});

describe('finding the print', () => {
  it('puts every corner within 1 % of the print diagonal on at least 95 % of 40 generated photos', async () => {
    const photos = await printPhotoSet(40, 0);
    const errors = photos.map((p) => {
      const found = findPrint(p.image);
      return found.corners ? cornerError(found.corners, p.corners) : Infinity;
    });
    const within = errors.filter((e) => e <= 0.01).length / errors.length;
    expect(within, `corner errors: ${errors.map((e) => (e * 100).toFixed(2)).join(', ')} %`).toBeGreaterThanOrEqual(0.95);
    // The set is varied: every kind of table, with and without a border.
    expect(new Set(photos.map((p) => p.table)).size).toBe(3);
    expect(photos.some((p) => p.border) && photos.some((p) => !p.border)).toBe(true);
  }, 120_000);

  it('leaves a photo with no print in it as it is (no corners proposed)', async () => {
    for (const name of ['kodim01.png', 'kodim05.png', 'kodim23.png']) {
      const plain = await loadRgba(sourcePhotos().find((p) => p.endsWith(name))!);
      const found = findPrint(plain);
      expect(found.corners, `${name}: ${found.message}`).toBeNull();
      expect(found.message).toMatch(/No print found.*left as it is/);
      const crop = cropToPrint(plain);
      expect(crop.image).toBe(plain);
      expect(crop.note).toMatchObject({ stage: 'capture', skipped: true });
    }
  });

  it('says a print that fills the frame is the photo itself (a scan): nothing to crop', async () => {
    const source = await loadRgba(sourcePhotos()[5]!);
    // The print nearly edge to edge: a 1 % table margin all round.
    const w = 1000, h = Math.round((1000 * source.height) / source.width);
    const frame: RgbaImage = { width: w, height: h, data: new Uint8ClampedArray(w * h * 4).fill(200) };
    const inner = warpQuad(source, quad(0, 0, source.width, 0, source.width, source.height, 0, source.height), { width: w - 20, height: h - 20 });
    for (let y = 0; y < inner.height; y++) frame.data.set(inner.data.subarray(y * inner.width * 4, (y + 1) * inner.width * 4), ((y + 10) * w + 10) * 4);
    const found = findPrint(frame);
    expect(found.corners).toBeNull();
    expect(found.message).toMatch(/fills the frame|left as it is/);
  });

  it('finds and straightens a print in a 12 MP phone photo in well under a second', async () => {
    const photo = photographPrint(await loadRgba(sourcePhotos()[0]!), 4242, { width: 4000, height: 3000 });
    const started = performance.now();
    const found = findPrint(photo.image);
    const flat = warpQuad(photo.image, found.corners!);
    const ms = performance.now() - started;
    expect(cornerError(found.corners!, photo.corners)).toBeLessThan(0.01);
    expect(flat.width * flat.height).toBeGreaterThan(1e6);
    // The target is < 1 s on a phone-class CPU; this shared CI box gets 3x the room.
    expect(ms).toBeLessThan(3000);
  }, 60_000);
});
