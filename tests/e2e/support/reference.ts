import { modelFolder } from '../../../src/core/models/manifest';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { rgbaToPlanar, planarToRgba } from '../../../src/core/tensor/layout';
import type { ModelManifest } from '../../../src/core/models/types';
import type { Rgba } from './images';
import type { StageContext } from '../../../src/core/pipeline/stage';
import { createSession, tiledModelFor, type OrtModule } from '../../../src/core/runtime/session';

/** The same model run by onnxruntime-node on the whole image at once: no tiling, no browser. */
export async function referenceRun(manifest: ModelManifest, img: Rgba): Promise<Rgba> {
  const session = await ort.InferenceSession.create(readFileSync(`public/models/${modelFolder(manifest.task)}/${manifest.file}`));
  const planar = rgbaToPlanar({ ...img, data: new Uint8ClampedArray(img.data) }, undefined, manifest.input.range);
  const out = await session.run({ [manifest.input.name]: new ort.Tensor('float32', planar.data, [1, 3, img.height, img.width]) });
  const t = out[manifest.output.name]!;
  const [, , h, w] = t.dims as number[];
  const rgba = planarToRgba({ width: w!, height: h!, channels: 3, data: t.data as Float32Array }, manifest.output.range);
  return { width: rgba.width, height: rgba.height, data: new Uint8Array(rgba.data) };
}

/** A stage context that opens the shipped models with onnxruntime-node (whole images, no browser). */
export function nodeStageContext(): StageContext {
  return {
    progress: () => undefined,
    loadModel: async (m: ModelManifest) => {
      const session = await createSession(ort as unknown as OrtModule, readFileSync(`public/models/${modelFolder(m.task)}/${m.file}`), 'cpu');
      return tiledModelFor(ort as unknown as OrtModule, session, m, 'cpu');
    },
  };
}
