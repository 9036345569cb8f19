/**
 * The capture step (src/core/capture): the homography and warp are exact on known geometry;
 * the corner finder is correct on generated photos of prints (tests/support/print-photos.ts:
 * held-out photos on wood, cloth and plain tables, shadows, glare, borders), leaves photos that
 * are not of a print alone, and is fast at 12 MP. The accuracy target (corner error
 * <= 1 % of the diagonal on >= 95 % of photos) is a quality figure, measured on 200 photos by
 * `npm run eval:capture` and reported in the README; these tests check correctness, quickly.
 */
import { describe, expect, it } from 'vitest';
import { applyHomography, homographyBetween } from '../../src/core/capture/homography';
import { printSize, warpQuad } from '../../src/core/capture/warp';
import { findPrint, MIN_PHOTO_SIDE } from '../../src/core/capture/find-print';
import { cropToPrint } from '../../src/core/capture/crop-to-print';
import { orderQuad, type Quad } from '../../src/core/capture/quad';
import { cornerError, loadRgba, photographPrint, printPhotoSet, sourcePhotos } from '../support/print-photos';
import type { RgbaImage } from '../../src/core/image/types';
import { featureImage, learnTable } from '../../src/core/capture/table-model';
import { outsideTableShare, researchSide } from '../../src/core/capture/side-evidence';

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
    const photo = photographPrint(source, seed, { width: 800, height: 600 });
    expect(photo.border).toBe(false);
    const flat = warpQuad(photo.image, photo.corners, { width: source.width, height: source.height });
    // Shadow, lamp, glare and noise are on the print too: close, not equal, and far closer than a wrong crop.
    const wrong = warpQuad(photo.image, photo.corners.map((p) => ({ x: p.x + 40, y: p.y + 25 })) as Quad, { width: source.width, height: source.height });
    expect(psnr(flat, source)).toBeGreaterThan(psnr(wrong, source) + 3);
  });
});

describe('a side with picture outside it is searched for again', () => {
  // A 400x300 table with a print from (100, 60) to (300, 240): blue above y = 150; below it,
  // on the left a patch of the table's own colour a little lighter, on the right red. The edge
  // fit can take y = 150 (the blue's lower edge, a line inside the picture) for the bottom side.
  const w = 400, h = 300, data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const inPrint = x >= 100 && x < 300 && y >= 60 && y < 240;
      const rgb = !inPrint ? [90, 120, 90] : y < 150 ? [60, 80, 160] : x < 200 ? [114, 144, 114] : [170, 50, 40];
      data.set([...rgb, 255], (y * w + x) * 4);
    }
  const f = featureImage({ width: w, height: h, data });
  const img = { width: w, height: h, f }, table = learnTable(f, w, h, 10);
  const inner = quad(100, 60, 300, 60, 300, 150, 100, 150), truth = quad(100, 60, 300, 60, 300, 240, 100, 240);

  it('sees picture, not table, outside a line inside the picture, and table outside the print\'s sides', () => {
    expect(outsideTableShare(img, table, inner[2], inner[3])).toBeLessThan(0.6);
    truth.forEach((p, i) => expect(outsideTableShare(img, table, p, truth[(i + 1) % 4]!)).toBe(1));
  });

  it('moves that side out to the print\'s edge, where the table begins, and leaves a true side alone', () => {
    const moved = researchSide(img, table, inner, 2)!;
    expect(moved).not.toBeNull();
    // To within a few px: the edge fit (fitSides) then places the side to sub-pixel.
    moved.forEach((p, i) => expect(Math.hypot(p.x - truth[i]!.x, p.y - truth[i]!.y)).toBeLessThan(3));
    expect(researchSide(img, table, truth, 1)).toBeNull();
  });
});

describe('finding the print', () => {
  // 20 photos at 800x600 (seeds 0..19): small enough to make and search in a few seconds.
  const photos = printPhotoSet(20, 0, { width: 800, height: 600 });
  const errorsOf = async () =>
    (await photos).map((p) => {
      const found = findPrint(p.image);
      return found.corners ? cornerError(found.corners, p.corners) : Infinity;
    });
  let errors: Promise<number[]> | undefined;

  it('puts the corners on the print in most generated photos, and the typical corner well within 1 %', async () => {
    errors ??= errorsOf();
    const e = await errors;
    const list = `corner errors: ${e.map((x) => (x * 100).toFixed(2)).join(', ')} %`;
    // A broken finder misses most; this one gets 19 of these 20 within 1 % (the 95 %
    // target is measured on 200 photos by `npm run eval:capture`, not asserted here).
    expect(e.filter((x) => x <= 0.01).length, list).toBeGreaterThanOrEqual(16);
    const sorted = e.slice().sort((a, b) => a - b);
    expect(sorted[10]!, list).toBeLessThan(0.003);
    // The set is varied: every kind of table, with and without a border.
    const ps = await photos;
    expect(new Set(ps.map((p) => p.table)).size).toBe(3);
    expect(ps.some((p) => p.border) && ps.some((p) => !p.border)).toBe(true);
  }, 60_000);

  it('keeps a white paper border: the corners are those of the paper, not of the picture', async () => {
    errors ??= errorsOf();
    const e = await errors, ps = await photos;
    const bordered = e.filter((_, i) => ps[i]!.border);
    expect(bordered.filter((x) => x <= 0.01).length).toBeGreaterThanOrEqual(bordered.length - 3);
  }, 60_000);

  it('leaves a photo with no print in it as it is (no corners proposed)', async () => {
    for (const name of ['kodim01.png', 'kodim05.png', 'kodim23.png']) {
      // at camera size (the 500 px originals are under MIN_PHOTO_SIDE, which is not what this tests)
      const source = await loadRgba(sourcePhotos().find((p) => p.endsWith(name))!);
      const plain = warpQuad(source, quad(0, 0, source.width, 0, source.width, source.height, 0, source.height), { width: 2 * source.width, height: 2 * source.height });
      const found = findPrint(plain);
      expect(found.corners, `${name}: ${found.message}`).toBeNull();
      expect(found.message).toMatch(/No print found.*left as it is/);
      const crop = cropToPrint(plain);
      expect(crop.image).toBe(plain);
      expect(crop.note).toMatchObject({ stage: 'capture', skipped: true });
    }
  });

  it('does not look for prints in small images (scans, crops): a false alarm there would crop good content', async () => {
    const big = photographPrint(await loadRgba(sourcePhotos()[3]!), 4, { width: 800, height: 600 });
    expect(findPrint(big.image).corners).not.toBeNull(); // the same scene at camera size is found
    const small = photographPrint(await loadRgba(sourcePhotos()[3]!), 4, { width: 480, height: 360 });
    const found = findPrint(small.image);
    expect(found.corners).toBeNull();
    expect(found.message).toMatch(/too small.*left as it is/);
    expect(Math.max(small.image.width, small.image.height)).toBeLessThan(MIN_PHOTO_SIDE);
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
    // A generated 800x600 photo enlarged to 4000x3000 (making one at 12 MP takes far longer than finding the print in it).
    const small = (await photos)[0]!;
    const image = enlarge(small.image, 4000, 3000);
    const truth = small.corners.map((p) => ({ x: p.x * 5, y: p.y * 5 })) as Quad;
    const started = performance.now();
    const found = findPrint(image);
    const flat = warpQuad(image, found.corners!);
    const ms = performance.now() - started;
    expect(cornerError(found.corners!, truth)).toBeLessThan(0.01);
    expect(flat.width * flat.height).toBeGreaterThan(1e6);
    // The target is < 1 s on a phone-class CPU; this shared CI box gets 3x the room.
    expect(ms).toBeLessThan(3000);
  }, 60_000);
});

/** Bilinear enlargement (pixel centres at +0.5 map onto each other, so corners scale by the ratio). */
function enlarge(img: RgbaImage, width: number, height: number): RgbaImage {
  const out = new Uint8ClampedArray(width * height * 4), src = img.data, W = img.width;
  const kx = img.width / width, ky = img.height / height;
  for (let y = 0; y < height; y++) {
    const sy = Math.min(img.height - 1, Math.max(0, (y + 0.5) * ky - 0.5)), y0 = Math.min(img.height - 2, sy | 0), fy = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = Math.min(W - 1, Math.max(0, (x + 0.5) * kx - 0.5)), x0 = Math.min(W - 2, sx | 0), fx = sx - x0;
      const a = (y0 * W + x0) * 4, c = a + W * 4, o = (y * width + x) * 4;
      for (let k = 0; k < 4; k++) out[o + k] = (src[a + k]! * (1 - fx) + src[a + 4 + k]! * fx) * (1 - fy) + (src[c + k]! * (1 - fx) + src[c + 4 + k]! * fx) * fy;
    }
  }
  return { width, height, data: out };
}
