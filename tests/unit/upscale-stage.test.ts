import { describe, expect, it } from 'vitest';
import { validateManifest } from '../../src/core/models/manifest';
import { upscaleManifests, upscaleModelFor } from '../../src/stages/upscale/meta';
import { recipeSuffix } from '../../src/stages';
import { outputName } from '../../src/app/download';

describe('upscale stage', () => {
  it('ships valid manifests with unique ids', () => {
    for (const m of upscaleManifests) expect(validateManifest(m)).toMatchObject({ id: m.id, task: 'upscale' });
    const ids = upscaleManifests.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('picks the fp32 model of the requested size and quality (faster than fp16 weights on WASM)', () => {
    for (const scale of [2, 4] as const) {
      const balanced = upscaleModelFor({ scale, quality: 'balanced' });
      expect(balanced).toMatchObject({ id: `esrgan-medium-x${scale}`, precision: 'fp32', scale });
      expect(upscaleModelFor({ scale, quality: 'fast' })).toMatchObject({ id: `esrgan-slim-x${scale}`, scale });
    }
  });

  it('names downloads after the original with a suffix', () => {
    const suffix = recipeSuffix({ upscale: { scale: 4, quality: 'fast' } });
    expect(outputName('Grandma 1962.jpeg', suffix, 'image/webp')).toBe('Grandma 1962-heirloom-x4.webp');
    expect(outputName('scan.tar.png', suffix, 'image/png')).toBe('scan.tar-heirloom-x4.png');
    expect(outputName('.png', suffix, 'image/jpeg')).toBe('photo-heirloom-x4.jpg');
  });
});
