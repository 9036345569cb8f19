import { describe, expect, it } from 'vitest';
import { inpaint, networkFill, runRepair } from '../../src/stages/repair/run';
import type { StageContext } from '../../src/core/pipeline/stage';
import type { TiledModel } from '../../src/core/tiling/run-tiled';
import type { PlanarImage, RgbaImage } from '../../src/core/image/types';

/** A stand-in inpainter that paints every pixel mid-grey and records the tiles it ran on. */
function greyModel(calls: PlanarImage[]): TiledModel {
  return {
    scale: 1, tileSize: 64, overlap: 8, inputRange: [0, 1], outputRange: [0, 1],
    run: async (tile) => {
      calls.push(tile);
      return { width: tile.width, height: tile.height, channels: 3, data: new Float32Array(3 * tile.width * tile.height).fill(0.5) };
    },
  };
}

function photo(w: number, h: number): RgbaImage {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([(i * 7) % 256, (i * 13) % 256, (i * 29) % 256, 255], i * 4);
  return { width: w, height: h, data };
}

describe('repair stage: inpaint', () => {
  it('rebuilds a large hole from the photo unless told to keep the smooth fill (texture: false)', async () => {
    const w = 300, h = 200;
    const img = photo(w, h);
    const mask = { width: w, height: h, data: new Uint8Array(w * h) };
    for (let y = 60; y < 140; y++) for (let x = 100; x < 180; x++) mask.data[y * w + x] = 255; // an 80 px hole
    const ctx: StageContext = { progress: () => undefined, loadModel: async () => greyModel([]) };
    const network = await networkFill(img, mask, ctx);
    const smooth = await runRepair(img, { detect: false, mask, texture: false }, ctx);
    expect(smooth.data).toEqual(network.data); // the (stand-in) network's fill, as it is
    const textured = await runRepair(img, { detect: false, mask }, ctx); // the default
    let rebuilt = 0;
    for (let i = 0; i < w * h; i++) {
      if (!mask.data[i]) expect(textured.data[i * 4]).toBe(img.data[i * 4]);
      else if (textured.data[i * 4] !== network.data[i * 4]) rebuilt++;
    }
    expect(rebuilt / (80 * 80)).toBeGreaterThan(0.9); // the photo's own pixels instead
  });

  it('runs the network only on tiles that contain damage and changes only masked pixels', async () => {
    const w = 300, h = 200;
    const img = photo(w, h);
    const mask = { width: w, height: h, data: new Uint8Array(w * h) };
    for (let y = 10; y < 20; y++) for (let x = 10; x < 20; x++) mask.data[y * w + x] = 1; // top-left corner only
    const calls: PlanarImage[] = [];
    const ctx: StageContext = { progress: () => undefined, loadModel: async () => greyModel(calls) };
    const out = await inpaint(img, mask, ctx);
    expect(calls.length).toBe(1); // of the 6x4 tiles of this photo, one holds the damage
    expect(calls[0]!.channels).toBe(4);
    for (let i = 0; i < w * h; i++) {
      const px = Array.from(out.data.subarray(i * 4, i * 4 + 4));
      if (mask.data[i]) expect(px).toEqual([128, 128, 128, 255]);
      else expect(px).toEqual(Array.from(img.data.subarray(i * 4, i * 4 + 4)));
    }
  });

  it('leaves a photo without damage untouched without running the network', async () => {
    const img = photo(40, 30);
    const calls: PlanarImage[] = [];
    const out = await inpaint(img, { width: 40, height: 30, data: new Uint8Array(1200) }, { progress: () => undefined, loadModel: async () => greyModel(calls) });
    expect(calls.length).toBe(0);
    expect(out.data).toEqual(img.data);
  });
});
