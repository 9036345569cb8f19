/**
 * The shipped models as the app uses them: every stage's manifests, one file per model, and the
 * few that install with the app (the service worker's precache, vite.config.ts). The rest are
 * downloaded on first use by the model loader and kept for offline use.
 */
import type { ModelManifest } from '../core/models/types';
import { repairManifests, repairModel } from './repair/meta';
import { denoiseModel } from './denoise/meta';
import { builtInFaceModel, faceManifests, faceModel } from './face/meta';
import { colorizeManifests } from './colorize/meta';
import { autoUpscale, upscaleManifests, upscaleModelFor } from './upscale/meta';

/** Every built-in manifest, fp16-weight copies included, in pipeline order. */
export const builtInManifests: readonly ModelManifest[] = [...repairManifests, ...faceManifests, ...colorizeManifests, ...upscaleManifests];

/**
 * One manifest per model: the file the stages load. Where a model has an fp16-weight copy (id
 * "<id>-fp16": half the download, upcast to float32 when opened) that is it, and the fp32 file
 * is left out.
 */
export const shippedModels: readonly ModelManifest[] = builtInManifests.filter(
  (m) => !(m.precision === 'fp32' && builtInManifests.some((o) => o.precision === 'fp16' && o.id === `${m.id}-fp16`)),
);

/**
 * What the default one-click restore can load: the analysis's detectors (damage, faces) and
 * every stage its recipe may switch on (repair, denoise, face, the small upscaler). Colorize is
 * only offered, never switched on, so it is not among them.
 */
export function oneClickModels(): ModelManifest[] {
  const models = [
    repairModel('repair-detect'),
    repairModel('inpaint'),
    denoiseModel(),
    faceModel('face-detect'),
    faceModel('face-landmarks'),
    builtInFaceModel(),
    upscaleModelFor(autoUpscale),
  ];
  return models.filter((m): m is ModelManifest => !!m);
}
