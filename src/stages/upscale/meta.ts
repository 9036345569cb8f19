import type { ModelManifest } from '../../core/models/types';
import manifests from './models.json' with { type: 'json' };

/** Options of the Upscale stage: shared by the UI (Options.svelte), the worker (run.ts) and the CLI. */
export interface UpscaleOptions {
  scale: 2 | 4;
  /** 'fast' = esrgan-slim, 'balanced' = esrgan-medium. */
  quality: 'fast' | 'balanced';
}

export const upscaleDefaults: UpscaleOptions = { scale: 2, quality: 'balanced' };

export const upscaleMeta = {
  id: 'upscale',
  label: 'Upscale',
  scales: [2, 4] as const,
  qualities: [
    { value: 'fast', label: 'Fast', variant: 'slim' },
    { value: 'balanced', label: 'Balanced', variant: 'medium' },
  ] as const,
};

export const upscaleManifests = manifests as ModelManifest[];

/** The shipped model for these options: fp16 weights (half the download, same fp32 compute). */
export function upscaleModelFor(opts: UpscaleOptions, all: ModelManifest[] = upscaleManifests): ModelManifest {
  const variant = upscaleMeta.qualities.find((q) => q.value === opts.quality)?.variant;
  const id = `esrgan-${variant}-x${opts.scale}`;
  const found = all.find((m) => m.id === `${id}-fp16`) ?? all.find((m) => m.id === id);
  if (!found) throw new Error(`No upscaling model for ${opts.scale}x ${opts.quality}`);
  return found;
}
