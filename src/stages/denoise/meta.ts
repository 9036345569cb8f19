import { repairModel } from '../repair/meta';

/** Options of the "Reduce noise" stage. */
export interface DenoiseOptions {
  /** 0 = unchanged, 1 = the network's full output; in between blends the two. */
  strength: number;
}

export const denoiseDefaults: DenoiseOptions = { strength: 0.7 };

export const denoiseMeta = { id: 'denoise', label: 'Reduce noise' };

/** The denoiser is trained and shipped with the repair models (same forge, same manifests file). */
export const denoiseModel = () => repairModel('denoise');
