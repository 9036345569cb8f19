/**
 * The shipped models as the app uses them: every stage's manifests, one file per model, and the
 * few that install with the app (the service worker's precache, vite.config.ts). The rest are
 * downloaded on first use by the model loader and kept for offline use.
 */
import type { ModelManifest } from '../core/models/types';
import { baseModelId, preferredCopy } from '../core/models/manifest';
import { repairDefaults, repairManifests, repairModel } from './repair/meta';
import { denoiseModel } from './denoise/meta';
import { builtInFaceModel, faceManifests, faceModel } from './face/meta';
import { colorizeManifests } from './colorize/meta';
import { autoUpscale, upscaleManifests, upscaleModelFor } from './upscale/meta';

/** Every built-in manifest, fp16-weight copies included, in pipeline order. */
export const builtInManifests: readonly ModelManifest[] = [...repairManifests, ...faceManifests, ...colorizeManifests, ...upscaleManifests];

/**
 * One manifest per model: the file the stages load, by LOAD_ORDER (core/models/manifest.ts): its
 * int8 copy ("<id>-int8", fastest on WASM), else its fp16-weight copy ("<id>-fp16": half the
 * download, upcast to float32 when opened), else the fp32 file. The other copies are left out.
 */
export const shippedModels: readonly ModelManifest[] = builtInManifests.filter((m) => preferredCopy(builtInManifests, baseModelId(m)) === m);

/**
 * What the default one-click restore can load: the analysis's detectors (damage, faces) and
 * every stage its recipe may switch on (repair, denoise, face, the small upscaler). Colorize is
 * only offered, never switched on, so it is not among them.
 */
export function oneClickModels(): ModelManifest[] {
  const models = [
    repairModel('repair-detect'),
    ...(repairDefaults.tears ? [repairModel('repair-tears')] : []),
    repairModel('inpaint'),
    denoiseModel(),
    faceModel('face-detect'),
    faceModel('face-landmarks'),
    builtInFaceModel(),
    upscaleModelFor(autoUpscale),
  ];
  return models.filter((m): m is ModelManifest => !!m);
}
