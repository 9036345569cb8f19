import { describe, expect, it } from 'vitest';
import { applyOrientation, readOrientation } from '../../src/core/image/exif-orientation';
import type { RgbaImage } from '../../src/core/image/types';
import { withExifOrientation } from '../support/exif-segment';

/**
 * Stored 3x2 image, pixels labelled by their red value:
 *   a b c
 *   d e f
 */
const [a, b, c, d, e, f] = [10, 20, 30, 40, 50, 60];
const stored: RgbaImage = {
  width: 3,
  height: 2,
  data: new Uint8ClampedArray([a, b, c, d, e, f].flatMap((v) => [v, v + 1, v + 2, 255 - v])),
};

/** Red values of an image, row by row. */
const rows = (img: RgbaImage): number[][] =>
  Array.from({ length: img.height }, (_, y) => Array.from({ length: img.width }, (_, x) => img.data[(y * img.width + x) * 4]!));

// What a viewer shows for each EXIF orientation of the stored pixels above.
const EXPECTED: Record<number, number[][]> = {
  1: [[a, b, c], [d, e, f]],
  2: [[c, b, a], [f, e, d]], // mirrored horizontally
  3: [[f, e, d], [c, b, a]], // rotated 180
  4: [[d, e, f], [a, b, c]], // mirrored vertically
  5: [[a, d], [b, e], [c, f]], // mirrored horizontally, rotated 270 CW (transpose)
  6: [[d, a], [e, b], [f, c]], // rotated 90 CW
  7: [[f, c], [e, b], [d, a]], // mirrored horizontally, rotated 90 CW (transverse)
  8: [[c, f], [b, e], [a, d]], // rotated 270 CW
};

describe('applyOrientation', () => {
  for (let o = 1; o <= 8; o++) {
    it(`orientation ${o} gives the expected arrangement`, () => {
      const out = applyOrientation(stored, o);
      expect(rows(out)).toEqual(EXPECTED[o]);
      expect([out.width, out.height]).toEqual(o >= 5 ? [2, 3] : [3, 2]);
      // Whole pixels move together (all four channels).
      for (let i = 0; i < out.width * out.height; i++) {
        const r = out.data[i * 4]!;
        expect([...out.data.subarray(i * 4, i * 4 + 4)]).toEqual([r, r + 1, r + 2, 255 - r]);
      }
    });
  }

  it('composes like rotations (6 four times, 6 then 8, 3 twice are identities)', () => {
    let img = stored;
    for (let i = 0; i < 4; i++) img = applyOrientation(img, 6);
    expect(img.data).toEqual(stored.data);
    expect(applyOrientation(applyOrientation(stored, 6), 8).data).toEqual(stored.data);
    expect(applyOrientation(applyOrientation(stored, 3), 3).data).toEqual(stored.data);
  });

  it('leaves the image alone for 1 and invalid values', () => {
    expect(applyOrientation(stored, 1)).toBe(stored);
    expect(applyOrientation(stored, 0)).toBe(stored);
    expect(applyOrientation(stored, 9)).toBe(stored);
  });
});

/**
 * A hand-built baseline JPEG: 8x8, one grey component, all-ones quantisation table and
 * one-code Huffman tables, whose single block is DC diff 0 + EOB (a flat mid-grey square).
 */
function baselineJpeg(): number[] {
  const seg = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body];
  const oneCodeTable = (classId: number) => [classId, 1, ...new Array<number>(15).fill(0), 0x00];
  return [
    0xff, 0xd8, // SOI
    ...seg(0xdb, [0x00, ...new Array<number>(64).fill(1)]), // DQT
    ...seg(0xc0, [8, 0, 8, 0, 8, 1, 1, 0x11, 0]), // SOF0: 8-bit, 8x8, 1 component
    ...seg(0xc4, oneCodeTable(0x00)), // DHT DC 0
    ...seg(0xc4, oneCodeTable(0x10)), // DHT AC 0
    ...seg(0xda, [1, 1, 0x00, 0, 63, 0]), // SOS
    0x3f, // bits "00" (DC category 0, EOB) padded with ones
    0xff, 0xd9, // EOI
  ];
}

function jpegWithOrientation(orientation: number, littleEndian: boolean): ArrayBuffer {
  return withExifOrientation(baselineJpeg(), orientation, littleEndian).buffer as ArrayBuffer;
}

describe('readOrientation', () => {
  for (const littleEndian of [false, true]) {
    it(`reads every orientation from a JPEG's EXIF (${littleEndian ? 'Intel' : 'Motorola'} byte order)`, async () => {
      for (let o = 1; o <= 8; o++) expect(await readOrientation(jpegWithOrientation(o, littleEndian))).toBe(o);
    });
  }

  it('returns 1 when there is no EXIF, and for garbage', async () => {
    expect(await readOrientation(new Uint8Array(baselineJpeg()).buffer)).toBe(1);
    expect(await readOrientation(new Uint8Array([1, 2, 3, 4, 5]).buffer)).toBe(1);
    expect(await readOrientation(new ArrayBuffer(0))).toBe(1);
  });

  it('reads the tag and applies it end to end', async () => {
    const o = await readOrientation(jpegWithOrientation(6, false));
    expect(rows(applyOrientation(stored, o))).toEqual(EXPECTED[6]);
  });
});
