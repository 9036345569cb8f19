/**
 * Node-side model access: the same manifests, verification and tiling as the browser, but
 * the bytes come from files (public/models/<task>/<file>) and run on onnxruntime-node.
 */
import { modelFolder } from '../src/core/models/manifest';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import type { ModelManifest } from '../src/core/models/types';
import { loadModelBytes } from '../src/core/models/loader';
import { createSession, tiledModelFor, type OrtModule, type OrtSession } from '../src/core/runtime/session';
import type { TiledModel } from '../src/core/tiling/run-tiled';
import type { Recipe } from '../src/stages/index';
import type { RecipeRequest } from '../src/stages/auto';
import { repairDefaults, repairModel } from '../src/stages/repair/meta';
import { denoiseModel } from '../src/stages/denoise/meta';
import { upscaleModelFor } from '../src/stages/upscale/meta';
import { colorizeModelFor } from '../src/stages/colorize/meta';
import { faceDefaults, faceModel, faceRestoreModelFor } from '../src/stages/face/meta';

/** A stage's model cannot be used: not installed (no manifest) or its file is missing. */
export class ModelMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelMissingError';
  }
}

/** Every model a recipe will load, by stage; throws ModelMissingError for an uninstalled one. */
export function recipeModels(request: RecipeRequest): { stage: string; manifest: ModelManifest }[] {
  // auto may use any stage but colorize: the detector and faces to look, then what it proposes
  const recipe: Recipe = request === 'auto' ? { repair: { detect: true }, denoise: { strength: 1 }, face: { ...faceDefaults }, upscale: { scale: 2, quality: 'fast' } } : request;
  const out: { stage: string; manifest: ModelManifest }[] = [];
  const want = (stage: string, pick: () => ModelManifest) => {
    try {
      out.push({ stage, manifest: pick() });
    } catch (e) {
      throw new ModelMissingError(
        `Stage "${stage}" can't run: ${e instanceof Error ? e.message : String(e)} ` +
          `(no manifest in src/stages/${stage === 'denoise' ? 'repair' : stage}/models.json). ` +
          'Leave the stage out of --recipe, or install its model first.',
      );
    }
  };
  if (recipe.repair) {
    if (recipe.repair.detect && !recipe.repair.mask) {
      want('repair', () => repairModel('repair-detect'));
      if (recipe.repair.tears ?? repairDefaults.tears) want('repair', () => repairModel('repair-tears'));
    }
    want('repair', () => repairModel('inpaint'));
  }
  if (recipe.denoise && recipe.denoise.strength > 0) want('denoise', () => denoiseModel());
  if (recipe.face && recipe.face.fidelity > 0) {
    want('face', () => faceModel('face-detect'));
    want('face', () => faceModel('face-landmarks'));
    want('face', () => faceRestoreModelFor(recipe.face!));
  }
  if (recipe.colorize && recipe.colorize.strength > 0) want('colorize', () => colorizeModelFor(recipe.colorize!));
  if (recipe.upscale) want('upscale', () => upscaleModelFor(recipe.upscale!));
  return out;
}

export function modelPath(modelsDir: string, m: ModelManifest): string {
  return join(modelsDir, modelFolder(m.task), m.file);
}

/**
 * Checks, before any photo is touched, that each model the recipe needs is present with the
 * manifest's size (the sha256 is verified when a worker loads it).
 */
export function checkRecipeModels(recipe: RecipeRequest, modelsDir: string): ModelManifest[] {
  const models = recipeModels(recipe);
  for (const { stage, manifest } of models) {
    const file = modelPath(modelsDir, manifest);
    if (!existsSync(file)) {
      throw new ModelMissingError(
        `Stage "${stage}" needs model "${manifest.id}", but ${file} does not exist. ` +
          'Install the model there (or point --models at the folder holding <task>/<file>).',
      );
    }
    const size = statSync(file).size;
    if (size !== manifest.size) {
      throw new ModelMissingError(
        `Model file ${file} (${manifest.id}) is ${size} bytes but its manifest says ${manifest.size}: it is corrupt or from another version.`,
      );
    }
  }
  return models.map((m) => m.manifest);
}

/** A `fetch` for loadModelBytes that serves file: URLs from disk (404 when missing). */
export const fileFetch = (async (input: RequestInfo | URL) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  try {
    const bytes = await readFile(fileURLToPath(url));
    return new Response(bytes, { status: 200 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return new Response(null, { status: code === 'ENOENT' ? 404 : 500, statusText: code ?? String(e) });
  }
}) as typeof fetch;

export interface NodeOrt extends OrtModule {
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
}

/**
 * A StageContext's loadModel for Node: each model (by id and sha256) opened once with openNodeModel
 * and shared by every later call; a failed open is forgotten, so the next call tries again.
 */
export function nodeModelLoader(ort: NodeOrt, modelsDir: string, intraOpNumThreads: number): (m: ModelManifest) => Promise<TiledModel> {
  const models = new Map<string, Promise<TiledModel>>();
  return (m) => {
    const key = m.id + m.sha256;
    if (!models.has(key)) {
      models.set(key, openNodeModel(ort, m, modelsDir, intraOpNumThreads).catch((e) => (models.delete(key), Promise.reject(e))));
    }
    return models.get(key)!;
  };
}

/** Reads + verifies (size, sha256) a model through the core loader, then opens it on the CPU. */
export async function openNodeModel(ort: NodeOrt, m: ModelManifest, modelsDir: string, intraOpNumThreads: number): Promise<TiledModel> {
  const base = pathToFileURL(join(modelsDir, modelFolder(m.task)) + '/').href;
  const bytes = await loadModelBytes(m, base, { fetch: fileFetch });
  const session = await createSession(ort, bytes, 'cpu', { intraOpNumThreads, interOpNumThreads: 1 });
  return tiledModelFor(ort, session, m, 'cpu');
}
