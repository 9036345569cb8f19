/**
 * Large holes: the hint the app writes into hole pixels (holeHint, the same sums as Python's
 * common.hole_hint), and what it is for: the real inpainting network, tile by tile, filling a torn
 * corner wider than a tile with the photo's colours instead of black.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { StageContext } from '../../src/core/pipeline/stage';
import { hintAt, holeHint } from '../../src/stages/repair/hole-hint';
import { inpaint } from '../../src/stages/repair/run';
import { openNodeModel, type NodeOrt } from '../../cli/models';
import { rgbaFromRgb } from '../support/rgb-image';

const root = join(__dirname, '..', '..');

describe('holeHint', () => {
  it("gives Python's hole_hint for a large torn corner, shrunk with partial blocks", () => {
    const ref = JSON.parse(readFileSync(join(root, 'models/repair/tests/reference/hole-hint.json'), 'utf8'));
    const { width: w, height: h } = ref;
    const image = rgbaFromRgb(w, h, Buffer.from(ref.image, 'base64'));
    const mask = { width: w, height: h, data: Uint8Array.from(Buffer.from(ref.hole, 'base64'), (v) => v * 255) };
    const buf = Buffer.from(ref.hint, 'base64');
    const hint = holeHint(image, mask, ref.longSide);
    expect([hint.small.width, hint.small.height]).toEqual([17, 13]);
    let maxDiff = 0;
    const got = new Float32Array(3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        hintAt(hint, x, y, got);
        for (let c = 0; c < 3; c++) maxDiff = Math.max(maxDiff, Math.abs(got[c]! - buf.readFloatLE(4 * ((c * h + y) * w + x))));
      }
    expect(maxDiff).toBeLessThan(ref.tolerance);
  });

  it('continues the known colours into a hole that covers most of the photo', () => {
    // left third green, the rest a hole: the hint is green everywhere
    const w = 90, h = 40;
    const rgb = new Uint8Array(w * h * 3);
    const mask = { width: w, height: h, data: new Uint8Array(w * h) };
    for (let i = 0; i < w * h; i++) {
      rgb.set([30, 180, 60], i * 3);
      if (i % w >= 30) mask.data[i] = 255;
    }
    const hint = holeHint(rgbaFromRgb(w, h, rgb), mask, 16);
    const got = new Float32Array(3);
    for (const [x, y] of [[89, 39], [60, 0], [45, 20]] as const) {
      hintAt(hint, x, y, got);
      expect(Array.from(got, (v) => v * 255)).toEqual([expect.closeTo(30, 3), expect.closeTo(180, 3), expect.closeTo(60, 3)]);
    }
  });
});

describe('inpaint with the shipped network: a torn corner wider than a tile', () => {
  it('fills it with the colours around it, not black', async () => {
    // a 640x480 sea-green photo with soft waves; the bottom-right 400x300 is torn away, so several
    // 256 px tiles lie wholly inside the hole
    const w = 640, h = 480;
    const rgb = new Uint8Array(w * h * 3);
    const mask = { width: w, height: h, data: new Uint8Array(w * h) };
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const wave = 12 * Math.sin(x / 9 + Math.sin(y / 17));
        rgb.set([40 + wave, 110 + wave, 100 + wave], (y * w + x) * 3);
        if (x >= w - 400 && y >= h - 300) mask.data[y * w + x] = 255;
      }
    const image = rgbaFromRgb(w, h, rgb);
    const ctx: StageContext = {
      progress: () => undefined,
      loadModel: (m) => openNodeModel(ort as unknown as NodeOrt, m, join(root, 'public/models'), 1),
    };
    const out = await inpaint(image, mask, ctx);
    let darkest = 255;
    const sum = [0, 0, 0];
    let n = 0;
    for (let i = 0; i < w * h; i++) {
      if (!mask.data[i]) {
        expect(out.data[i * 4]).toBe(image.data[i * 4]); // known pixels untouched
        continue;
      }
      for (let c = 0; c < 3; c++) sum[c]! += out.data[i * 4 + c]!;
      darkest = Math.min(darkest, out.data[i * 4 + 1]!);
      n++;
    }
    const mean = sum.map((s) => s / n);
    expect(Math.abs(mean[0]! - 40)).toBeLessThan(6);
    expect(Math.abs(mean[1]! - 110)).toBeLessThan(6);
    expect(Math.abs(mean[2]! - 100)).toBeLessThan(6);
    expect(darkest).toBeGreaterThan(80); // green never falls towards black (without the hint: 0, mean green 73)
  }, 60_000);
});
