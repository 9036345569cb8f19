/**
 * Small faces in a big photo: the whole-photo detector pass shrinks the photo to 416 px, so the
 * faces of a group photo fall under the detector's smallest anchor; the enlarged windows
 * (detectionWindows) find them.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { detectionWindows, eyeDistance, findFaces } from '../../src/stages/face/run';
import { faceMeta } from '../../src/stages/face/meta';
import { modelFolder } from '../../src/core/models/manifest';
import { createSession, tiledModelFor, type OrtModule } from '../../src/core/runtime/session';
import type { StageContext } from '../../src/core/pipeline/stage';
import type { ModelManifest } from '../../src/core/models/types';
import type { RgbaImage } from '../../src/core/image/types';
import { twoFaceCard } from '../support/face-card';

const root = join(__dirname, '..', '..');
const haveData = existsSync(join(root, '..', 'shared', 'data', 'faces', 'utkface'));

function ctx(): StageContext {
  return {
    progress: () => undefined,
    loadModel: async (m: ModelManifest) => {
      const bytes = readFileSync(join(root, 'public/models', modelFolder(m.task), m.file));
      return tiledModelFor(ort as unknown as OrtModule, await createSession(ort as unknown as OrtModule, bytes, 'cpu'), m, 'cpu');
    },
  };
}

describe('detectionWindows', () => {
  it('covers the photo with overlapping windows, as close as the window budget allows', () => {
    const [W, H] = [1280, 720];
    const wins = detectionWindows(W, H, 416, 16, 2);
    expect(wins.length).toBeGreaterThan(1);
    expect(wins.length).toBeLessThanOrEqual(16);
    const c = wins[0]!.width;
    expect(c).toBeGreaterThanOrEqual(208); // at most a 2x enlargement
    expect(416 / c).toBeGreaterThan((1.5 * 416) / W); // closer than the whole-photo pass
    // every pixel is inside a window, and neighbours overlap by at least a fifth of a window
    for (let y = 0; y < H; y += 7) for (let x = 0; x < W; x += 7) expect(wins.some((w) => x >= w.x && x < w.x + w.width && y >= w.y && y < w.y + w.height)).toBe(true);
    const xs = [...new Set(wins.map((w) => w.x))].sort((a, b) => a - b);
    for (let i = 1; i < xs.length; i++) expect(xs[i - 1]! + c - xs[i]!).toBeGreaterThanOrEqual(c / 5);
    for (const w of wins) {
      expect(w.x + w.width).toBeLessThanOrEqual(W);
      expect(w.y + w.height).toBeLessThanOrEqual(H);
    }
  });

  it('none where a window would see the photo no closer than the whole-photo pass, or with no budget', () => {
    expect(detectionWindows(250, 200, 416, 16, 2)).toHaveLength(0); // the whole-photo pass already enlarges it 1.7x
    expect(detectionWindows(6000, 4000, 416, 16, 2).length).toBeLessThanOrEqual(16);
    expect(detectionWindows(1280, 720, 416, 0, 2)).toHaveLength(0);
  });
});

describe('findFaces on a group photo', () => {
  it.skipIf(!haveData)('finds faces too small for the whole-photo pass in the enlarged windows, where they are', async () => {
    // three copies of a two-face card shrunk to 0.3: six faces 60 px wide on a 1280x720 photo
    const { clean, boxes } = await twoFaceCard();
    const k = 0.3, cw = Math.round(clean.width * k), ch = Math.round(clean.height * k);
    const card = await sharp(Buffer.from(clean.data), { raw: { width: clean.width, height: clean.height, channels: 4 } }).resize(cw, ch).raw().toBuffer();
    const W = 1280, H = 720;
    const image: RgbaImage = { width: W, height: H, data: new Uint8ClampedArray(W * H * 4).fill(120) };
    const places = [{ x: 40, y: 60 }, { x: 460, y: 400 }, { x: 880, y: 120 }];
    for (const p of places) for (let r = 0; r < ch; r++) image.data.set(card.subarray(r * cw * 4, (r + 1) * cw * 4), ((p.y + r) * W + p.x) * 4);
    const truth = places.flatMap((p) => boxes.map((b) => ({ x: p.x + b.x * k, y: p.y + b.y * k, size: b.size * k })));

    const windows = faceMeta.detectorWindows;
    faceMeta.detectorWindows = 0;
    let whole;
    try {
      whole = await findFaces(image, ctx());
    } finally {
      faceMeta.detectorWindows = windows;
    }
    const found = await findFaces(image, ctx());
    const hits = (faces: typeof found) => truth.filter((t) => faces.some((f) => {
      const [cx, cy] = [(f.five[0]![0] + f.five[1]![0]) / 2, (f.five[0]![1] + f.five[1]![1]) / 2];
      return cx > t.x && cx < t.x + t.size && cy > t.y && cy < t.y + t.size;
    })).length;
    console.log(`group photo: ${hits(whole)} of 6 faces without the windows, ${hits(found)} with them (${found.length} found)`);
    expect(hits(whole)).toBeLessThan(3);
    expect(hits(found)).toBeGreaterThanOrEqual(5);
    expect(found.length).toBe(hits(found)); // nothing found on the grey
    for (const f of found.filter((x) => x.inWindow)) expect(eyeDistance(f)).toBeGreaterThan(0.2 * f.box.width);
  }, 60_000);
});
