import { describe, expect, it } from 'vitest';
import { floatCopy, validateManifest } from '../../src/core/models/manifest';
import { upscaleDefaults, upscaleManifests, upscaleMeta, upscaleModelFor } from '../../src/stages/upscale/meta';
import { recipeSuffix, runRecipe } from '../../src/stages';
import { checkUpscaleSize } from '../../src/stages/upscale/run';
import { outputName } from '../../src/app/download';

describe('upscale stage', () => {
  it('ships valid manifests with unique ids', () => {
    for (const m of upscaleManifests) expect(validateManifest(m)).toMatchObject({ id: m.id, task: 'upscale' });
    const ids = upscaleManifests.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('picks the file LOAD_ORDER prefers for the size and quality: int8, else fp16 weights, else fp32', () => {
    for (const scale of [2, 4] as const) {
      // Heirloom SR: its static int8 file (QLinearConv on WASM)
      expect(upscaleModelFor({ scale, quality: 'clean' })).toMatchObject({ id: `heirloom-sr-x${scale}-int8`, precision: 'int8', scale });
      const balanced = upscaleModelFor({ scale, quality: 'balanced' });
      expect(balanced).toMatchObject({ id: `esrgan-medium-x${scale}-fp16`, precision: 'fp16', scale });
      expect(upscaleModelFor({ scale, quality: 'fast' })).toMatchObject({ id: `esrgan-slim-x${scale}-fp16`, scale });
      // without the int8 copy, the fp16-weight file; without either, the fp32 file
      const noInt8 = upscaleManifests.filter((m) => m.precision !== 'int8');
      expect(upscaleModelFor({ scale, quality: 'clean' }, noInt8)).toMatchObject({ id: `heirloom-sr-x${scale}-fp16`, precision: 'fp16' });
      const fp32Only = upscaleManifests.filter((m) => m.precision === 'fp32');
      expect(upscaleModelFor({ scale, quality: 'clean' }, fp32Only)).toMatchObject({ id: `heirloom-sr-x${scale}`, precision: 'fp32' });
    }
  });

  it('gives WebGPU the float copy of an int8 file (the QDQ fusion is for the CPU)', () => {
    const int8 = upscaleModelFor({ scale: 2, quality: 'clean' });
    expect(floatCopy(int8, upscaleManifests)).toMatchObject({ id: 'heirloom-sr-x2-fp16', precision: 'fp16' });
    expect(floatCopy(int8, upscaleManifests.filter((m) => m.precision !== 'fp16'))).toMatchObject({ id: 'heirloom-sr-x2', precision: 'fp32' });
    expect(floatCopy(int8, [int8])).toBe(int8);
    const fp16 = upscaleModelFor({ scale: 2, quality: 'fast' });
    expect(floatCopy(fp16, upscaleManifests)).toBe(fp16);
    // every int8 copy has the same inputs, outputs, scale and tiling as its float copy
    for (const m of upscaleManifests.filter((x) => x.precision === 'int8')) {
      const f = floatCopy(m, upscaleManifests);
      expect(f.precision).not.toBe('int8');
      expect({ ...m, id: '', label: '', file: '', sha256: '', size: 0, precision: '', source: '' })
        .toEqual({ ...f, id: '', label: '', file: '', sha256: '', size: 0, precision: '', source: '' });
    }
  });

  it("defaults to Heirloom's own network, with ESRGAN still selectable", () => {
    expect(upscaleModelFor(upscaleDefaults).id).toBe('heirloom-sr-x2-int8');
    expect(upscaleMeta.qualities.map((q) => q.label)).toContain('ESRGAN (sharp)');
  });

  it('names downloads after the original with a suffix', () => {
    const suffix = recipeSuffix({ upscale: { scale: 4, quality: 'fast' } });
    expect(outputName('Grandma 1962.jpeg', suffix, 'image/webp')).toBe('Grandma 1962-heirloom-x4.webp');
    expect(outputName('scan.tar.png', suffix, 'image/png')).toBe('scan.tar-heirloom-x4.png');
    expect(outputName('.png', suffix, 'image/jpeg')).toBe('photo-heirloom-x4.jpg');
  });
});

describe('upscale size limit', () => {
  it('refuses results over the limit before running any stage, and says what to do', async () => {
    const image = { width: 8660, height: 5774, data: new Uint8ClampedArray(0) }; // 50 MP: pixels are never read
    let loaded = 0;
    const ctx = { progress: () => undefined, loadModel: async () => { loaded++; throw new Error('no model needed'); } };
    await expect(runRecipe(image, { fade: { strength: 1, keepTone: false }, upscale: { scale: 2, quality: 'fast' } }, ctx))
      .rejects.toThrow(/50 MP\) 2x would make a 200 MP image.*up to 150 MP.*Turn Upscale off/);
    expect(loaded).toBe(0);
    expect(() => checkUpscaleSize(4000, 3000, { scale: 4, quality: 'fast' })).toThrow(/192 MP.*Choose 2x/);
    expect(() => checkUpscaleSize(4000, 3000, { scale: 2, quality: 'fast' })).not.toThrow();
    expect(() => checkUpscaleSize(8700, 4330, { scale: 2, quality: 'fast' })).toThrow(); // 150.7 MP
    expect(() => checkUpscaleSize(6000, 6000, { scale: 2, quality: 'fast' }) ).not.toThrow(); // 144 MP
  });
});
