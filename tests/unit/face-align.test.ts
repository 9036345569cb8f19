import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { applySimilarity, detailToKeep, faceTemplate, fitSimilarity, invertSimilarity, keepOriginalColour, matchColour, pasteCrop, similarityScale, warpToCrop, type Point } from '../../src/core/faces/align';
import type { RgbaImage } from '../../src/core/image/types';
import { rgbToLab } from '../../src/core/color/lab';

const kodak = join(__dirname, '..', '..', '..', 'shared', 'data', 'eval', 'kodak24', 'kodim05.png');
function photo(): RgbaImage {
  const png = PNG.sync.read(readFileSync(kodak));
  return { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data) };
}

describe('face alignment', () => {
  it('fits the similarity that maps five landmarks onto the template, and inverts it', () => {
    const truth = { a: 0.8 * Math.cos(0.35), b: 0.8 * Math.sin(0.35), tx: -40, ty: 25 };
    const tpl = faceTemplate(128);
    const inv = invertSimilarity(truth);
    const landmarks = tpl.map((p) => applySimilarity(inv, p));
    const m = fitSimilarity(landmarks, tpl);
    for (const k of ['a', 'b', 'tx', 'ty'] as const) expect(m[k]).toBeCloseTo(truth[k], 6);
    const back = applySimilarity(invertSimilarity(m), applySimilarity(m, [123, 45]));
    expect(back[0]).toBeCloseTo(123, 6);
    expect(back[1]).toBeCloseTo(45, 6);
    expect(similarityScale(m)).toBeCloseTo(0.8, 6);
    // noisy landmarks: least squares stays close
    const noisy = landmarks.map(([x, y], i) => [x + ((i * 7) % 3) - 1, y + ((i * 5) % 3) - 1] as Point);
    const mn = fitSimilarity(noisy, tpl);
    expect(Math.abs(similarityScale(mn) - 0.8)).toBeLessThan(0.03);
  });

  it('round-trips: warp into the face square, paste back, and the photo is what it was', () => {
    const img = photo();
    const m = { a: 0.9 * Math.cos(-0.4), b: 0.9 * Math.sin(-0.4), tx: -100, ty: 80 }; // rotated, slightly enlarged crop
    const crop = warpToCrop(img, m, 128);
    const out: RgbaImage = { ...img, data: new Uint8ClampedArray(img.data.length) };
    pasteCrop(out, crop, m, 1, 0.001);
    // compare where the crop covers the photo away from its border
    const inv = invertSimilarity(m);
    let sum = 0, n = 0, touched = 0;
    for (let v = 20; v < 108; v += 3)
      for (let u = 20; u < 108; u += 3) {
        const [x, y] = applySimilarity(inv, [u + 0.5, v + 0.5]).map(Math.floor) as Point;
        if (x < 1 || y < 1 || x >= img.width - 1 || y >= img.height - 1) continue;
        const o = (y * img.width + x) * 4;
        for (let c = 0; c < 3; c++) sum += Math.abs(out.data[o + c]! - img.data[o + c]!);
        n += 3;
      }
    for (let i = 0; i < out.data.length; i += 4) if (out.data[i] || out.data[i + 1] || out.data[i + 2]) touched++;
    expect(n).toBeGreaterThan(1000);
    expect(sum / n).toBeLessThan(6); // two bilinear resamplings of a detailed photo
    // only the crop's footprint changed: about (128 / 0.9)^2 pixels
    expect(touched).toBeLessThan(1.05 * (128 / 0.9) ** 2);
    expect(touched).toBeGreaterThan(0.8 * (128 / 0.9) ** 2);
  });

  it('pastes with a feathered edge and a fidelity amount; amount 0 changes nothing', () => {
    const img: RgbaImage = { width: 64, height: 64, data: new Uint8ClampedArray(64 * 64 * 4).fill(0) };
    const white = { width: 32, height: 32, channels: 3, data: new Float32Array(3 * 32 * 32).fill(1) };
    const m = { a: 1, b: 0, tx: -16, ty: -16 }; // the crop covers x, y in 16..48
    const none = { ...img, data: new Uint8ClampedArray(img.data) };
    pasteCrop(none, white, m, 0);
    expect(none.data).toEqual(img.data);
    const half = { ...img, data: new Uint8ClampedArray(img.data) };
    pasteCrop(half, white, m, 0.5);
    const at = (x: number, y: number) => half.data[(y * 64 + x) * 4]!;
    expect(at(32, 32)).toBe(128); // centre: fidelity 0.5 of white
    expect(at(16, 32)).toBe(0); // the crop's edge: feathered to nothing
    expect(at(19, 32)).toBeGreaterThan(0);
    expect(at(19, 32)).toBeLessThan(128);
    expect(at(5, 5)).toBe(0); // outside
  });

  it('keeps the face colour of the original when the restoration shifts it', () => {
    const s = 16, plane = s * s;
    const orig = { width: s, height: s, channels: 3, data: new Float32Array(3 * plane).map((_, i) => [0.7, 0.5, 0.4][Math.floor(i / plane)]!) };
    const rest = { width: s, height: s, channels: 3, data: new Float32Array(3 * plane).map((_, i) => [0.6, 0.55, 0.5][Math.floor(i / plane)]! + (i % 2) * 0.02) };
    matchColour(rest, orig);
    for (let c = 0; c < 3; c++) {
      const mean = rest.data.subarray(c * plane, (c + 1) * plane).reduce((a, b) => a + b, 0) / plane;
      expect(mean).toBeCloseTo([0.7, 0.5, 0.4][c]!, 2);
    }
  });

  it('on a black-and-white or toned crop keeps only the restoration\'s lightness: no colour is added', () => {
    const s = 8, plane = s * s;
    // a sepia ramp (the original) and a restoration that brightened it and tinted it blue
    const sepia = (v: number) => [v, 0.85 * v, 0.68 * v];
    const orig = { width: s, height: s, channels: 3, data: new Float32Array(3 * plane).map((_, i) => sepia(0.2 + 0.6 * ((i % plane) / plane))[Math.floor(i / plane)]!) };
    const rest = { width: s, height: s, channels: 3, data: new Float32Array(3 * plane).map((_, i) => orig.data[i]! * [1.0, 1.1, 1.5][Math.floor(i / plane)]! + 0.05) };
    const before = Float32Array.from(rest.data);
    keepOriginalColour(rest, orig);
    const lab = (d: Float32Array, i: number) => rgbToLab(...([0, 1, 2].map((c) => Math.round(255 * Math.min(1, d[c * plane + i]!))) as [number, number, number]));
    for (let i = 0; i < plane; i++) {
      const [L, a, b] = lab(rest.data, i), [, a0, b0] = lab(orig.data, i), [L1] = lab(before, i);
      expect(Math.abs(L - L1)).toBeLessThan(0.6); // the restoration's lightness
      expect(Math.hypot(a - a0, b - b0)).toBeLessThan(1.5); // the original's colour, not the blue tint
    }
    // a grey original stays grey
    const grey = { width: s, height: s, channels: 3, data: new Float32Array(3 * plane).map((_, i) => 0.3 + 0.4 * ((i % plane) / plane)) };
    keepOriginalColour(rest, grey);
    for (let i = 0; i < plane; i++) {
      const [r, g, b] = [0, 1, 2].map((c) => Math.round(255 * rest.data[c * plane + i]!));
      expect(Math.max(Math.abs(r! - g!), Math.abs(g! - b!))).toBeLessThanOrEqual(1);
    }
  });

  /** A 512x512 grey photo with a one-pixel checkerboard in the middle: detail no 128 px square can hold. */
  function checkerPhoto(): RgbaImage {
    const n = 512, data = new Uint8ClampedArray(n * n * 4);
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) {
        const v = x > 128 && x < 384 && y > 128 && y < 384 ? ((x + y) % 2 ? 200 : 40) : 120;
        data.set([v, v, v, 255], (y * n + x) * 4);
      }
    return { width: n, height: n, data };
  }

  it('shrinks a large face into the square without aliasing (box-filtered samples)', () => {
    const m = { a: 0.25 * Math.cos(0.3), b: 0.25 * Math.sin(0.3), tx: 0, ty: 0 }; // 4x smaller, rotated
    const c = applySimilarity(m, [256, 256]);
    const toCrop = { ...m, tx: m.tx + 64 - c[0], ty: m.ty + 64 - c[1] }; // photo centre -> crop centre
    expect(applySimilarity(invertSimilarity(toCrop), [64, 64])[0]).toBeCloseTo(256, 6);
    const crop = warpToCrop(checkerPhoto(), toCrop, 128);
    // the checkerboard averages to (200 + 40) / 2 = 120 grey; single bilinear taps would alias into stripes
    let dev = 0, n = 0;
    for (let v = 48; v < 80; v++) for (let u = 48; u < 80; u++) { dev = Math.max(dev, Math.abs(crop.data[v * 128 + u]! * 255 - 120)); n++; }
    expect(n).toBe(32 * 32);
    expect(dev).toBeLessThan(12);
  });

  it('pastes only the change when given the original crop: a large face keeps its own fine detail', () => {
    const img = checkerPhoto();
    const toCrop = { a: 0.25, b: 0, tx: 0, ty: 0 }; // the whole 512 photo in a 128 square
    const crop = warpToCrop(img, toCrop, 128);
    // a "restoration" that brightens by 0.1 everywhere and changes nothing else
    const restored = { ...crop, data: crop.data.map((v) => v + 0.1) };
    const kept: RgbaImage = { ...img, data: new Uint8ClampedArray(img.data) };
    pasteCrop(kept, restored, toCrop, 1, 0.12, crop);
    const plain: RgbaImage = { ...img, data: new Uint8ClampedArray(img.data) };
    pasteCrop(plain, restored, toCrop, 1, 0.12);
    const at = (im: RgbaImage, x: number, y: number) => im.data[(y * 512 + x) * 4]!;
    for (const [x, y] of [[256, 256], [257, 256], [300, 301]] as const) {
      expect(at(kept, x, y)).toBeCloseTo(at(img, x, y) + 25.5, -0.5); // the checker is still there, brightened
      expect(Math.abs(at(plain, x, y) - (120 + 25.5))).toBeLessThan(8); // a plain paste flattens it to the square's grey
    }
    const none: RgbaImage = { ...img, data: new Uint8ClampedArray(img.data) };
    pasteCrop(none, restored, toCrop, 1, 0.12, crop, 0);
    expect(none.data).toEqual(plain.data);
  });

  it('keeps a face\'s own detail only when it is much larger than the square', () => {
    expect(detailToKeep(1)).toBe(0);
    expect(detailToKeep(0.6)).toBe(0); // a 200 px UTKFace-size face in the 128 square
    expect(detailToKeep(0.3)).toBe(1);
    expect(detailToKeep(0.1)).toBe(1);
    const mid = detailToKeep(0.45);
    expect(mid).toBeGreaterThan(0.3);
    expect(mid).toBeLessThan(0.7);
    for (let s = 0.05; s < 1; s += 0.05) expect(detailToKeep(s)).toBeGreaterThanOrEqual(detailToKeep(s + 0.05)); // smaller scale, more kept
  });
});
