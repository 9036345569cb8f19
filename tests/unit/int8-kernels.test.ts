/**
 * The shipped static-int8 upscalers, run as onnxruntime fuses them (QLinearConv) on this machine's
 * CPU, against their float models on a real photo crop. On x86 CPUs without VNNI (AVX2) the u8s8
 * kernel adds pairs of uint8 x int8 products in int16 and saturates with full-range int8 weights:
 * SR x2 came out up to 42/255 (mean 0.98) from its float model on an AVX2-only EPYC; the
 * quantizer's 7-bit weights (models/quantize_int8.py) keep it within rounding.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { photoFixture } from '../e2e/support/images';
import { rgbaToPlanar, planarToRgba } from '../../src/core/tensor/layout';
import { upscaleManifests } from '../../src/stages/upscale/meta';

async function enlarge(file: string, image: { width: number; height: number; data: Uint8Array }) {
  const session = await ort.InferenceSession.create(readFileSync(`public/models/upscale/${file}`));
  const x = rgbaToPlanar({ ...image, data: new Uint8ClampedArray(image.data) }, undefined, [0, 1]);
  const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x.data, [1, 3, image.height, image.width]) });
  const t = out[session.outputNames[0]!]!;
  const [, , h, w] = t.dims as number[];
  return planarToRgba({ width: w!, height: h!, channels: 3, data: t.data as Float32Array }, [0, 1]).data;
}

describe('int8 upscalers on this CPU', () => {
  const { image } = photoFixture(200, 150);
  for (const int8 of upscaleManifests.filter((m) => m.precision === 'int8')) {
    it(`${int8.file} matches its float model within rounding`, async () => {
      const float = upscaleManifests.find((m) => m.precision === 'fp32' && m.scale === int8.scale && m.id === int8.id.replace(/-int8$/, ''))!;
      const [a, b] = await Promise.all([enlarge(int8.file, image), enlarge(float.file, image)]);
      let sum = 0, max = 0, n = 0;
      for (let i = 0; i < a.length; i++) {
        if (i % 4 === 3) continue;
        const d = Math.abs(a[i]! - b[i]!);
        sum += d;
        max = Math.max(max, d);
        n++;
      }
      expect(sum / n).toBeLessThan(0.6);
      expect(max).toBeLessThanOrEqual(12);
    });
  }
});
