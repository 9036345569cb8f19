import type { ModelManifest } from '../../core/models/types';
import { customModel, preferredCopy } from '../../core/models/manifest';
import esrgan from './models.json' with { type: 'json' };
import heirloom from './heirloom-models.json' with { type: 'json' };

/** Options of the Upscale stage: shared by the UI (Options.svelte), the worker (run.ts) and the CLI. */
export interface UpscaleOptions {
  scale: 2 | 4;
  /**
   * 'clean' = Heirloom's own network (removes grain, halftone and JPEG while enlarging; the default),
   * 'balanced' = ESRGAN medium (sharp), 'fast' = ESRGAN slim, 'custom:<id>' = a model the user added.
   */
  quality: 'clean' | 'fast' | 'balanced' | `custom:${string}`;
  /** The user-added model's manifest (its bytes are in the model cache), when quality is custom. */
  model?: ModelManifest;
}

export const upscaleDefaults: UpscaleOptions = { scale: 2, quality: 'clean' };

/** What the one-click analysis proposes for a photo too small to print (src/stages/auto.ts). */
export const autoUpscale: UpscaleOptions = { scale: 2, quality: 'clean' };

export const upscaleMeta = {
  id: 'upscale',
  label: 'Upscale',
  scales: [2, 4] as const,
  qualities: [
    { value: 'clean', label: 'Clean (Heirloom)', id: 'heirloom-sr' },
    { value: 'balanced', label: 'ESRGAN (sharp)', id: 'esrgan-medium' },
    { value: 'fast', label: 'ESRGAN (fast)', id: 'esrgan-slim' },
  ] as const,
};

export const upscaleManifests = [...heirloom, ...esrgan] as ModelManifest[];

/**
 * The shipped model for these options, the copy LOAD_ORDER picks (core/models/manifest.ts): its
 * int8 file (Heirloom SR: 1.2-1.5x faster on WASM in the browser, within 0.02 dB), else its fp16-weight file
 * (half the download; rewritten to a float32 graph when opened), else the fp32 file. On WebGPU
 * the worker swaps an int8 file for its float copy (floatCopy).
 */
export function upscaleModelFor(opts: UpscaleOptions, all: ModelManifest[] = upscaleManifests): ModelManifest {
  if (opts.quality.startsWith('custom:')) return customModel(opts.quality.slice('custom:'.length), opts.model, all, 'upscale', 'an upscaler');
  const family = upscaleMeta.qualities.find((q) => q.value === opts.quality)?.id;
  const id = `${family}-x${opts.scale}`;
  const found = preferredCopy(all, id);
  if (!found) throw new Error(`No upscaling model for ${opts.scale}x ${opts.quality}`);
  return found;
}
