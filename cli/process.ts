/**
 * One photo, start to finish: read, decode (upright, sRGB RGBA), run the recipe through the
 * core's stages, encode with the original's metadata, write to a temp name, rename. Used by each
 * worker thread; holds its opened models for the life of the thread.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import type { Progress } from '../src/core/pipeline/progress';
import type { StageContext } from '../src/core/pipeline/stage';
import { restoreWith, describeAnalysis, type RecipeRequest } from '../src/stages/auto';
import type { StageNote } from '../src/core/pipeline/stage';
import { formatRecipe } from './recipe';
import { decodeFile, encodeWithMetadata, type CliFormat } from './codec';
import { nodeModelLoader, type NodeOrt } from './models';
import { cropToPrint } from '../src/core/capture/crop-to-print';

export interface ProcessorOptions {
  recipe: RecipeRequest;
  modelsDir: string;
  format: CliFormat;
  quality: number;
  /** onnxruntime intra-op threads per session (cores / workers). */
  threads: number;
  /** --find-print: straighten and crop photos of prints first (src/core/capture); others stay as they are. */
  findPrint?: boolean;
}

export interface FileJob {
  input: string;
  output: string;
  temp: string;
}

export interface FileResult {
  inWidth: number;
  inHeight: number;
  outWidth: number;
  outHeight: number;
  ms: number;
  bytes: number;
  /** The recipe that ran, in CLI syntax (each photo's own with --recipe auto). */
  recipe: string;
  /** With --recipe auto: what the analysis found, one line per stage ("+ fade: Faded: ..."). */
  analysis?: string[];
  /** What stages decided on their own (colorize skipped a colour photo, ...). */
  notes: StageNote[];
}

export function createProcessor(opts: ProcessorOptions) {
  const ort = ortNode as unknown as NodeOrt;
  let onProgress: (p: Progress) => void = () => undefined;
  const ctx: StageContext = {
    progress: (p) => onProgress(p),
    loadModel: nodeModelLoader(ort, opts.modelsDir, opts.threads),
  };

  return async function processFile(job: FileJob, progress: (p: Progress) => void, signal?: AbortSignal): Promise<FileResult> {
    const started = performance.now();
    onProgress = progress;
    ctx.signal = signal;
    progress({ stage: 'Reading image', done: 0, total: 1 });
    const original = await readFile(job.input);
    const image = await decodeFile(original);
    let input = image;
    let captureNote: StageNote | undefined;
    if (opts.findPrint) {
      progress({ stage: 'Looking for a print', done: 0, total: 1 });
      ({ image: input, note: captureNote } = cropToPrint(image));
    }
    const outcome = await restoreWith(input, opts.recipe, ctx);
    if (captureNote) outcome.notes.unshift(captureNote);
    const result = outcome.image;
    signal?.throwIfAborted();
    progress({ stage: 'Encoding result', done: 0, total: 1 });
    const encoded = await encodeWithMetadata(result, original, { format: opts.format, quality: opts.quality });
    mkdirSync(dirname(job.output), { recursive: true });
    try {
      const fh = await open(job.temp, 'w');
      try {
        await fh.writeFile(encoded);
        await fh.sync(); // on disk before the rename makes it look finished (power loss)
      } finally {
        await fh.close();
      }
      // rename() is atomic within a filesystem: the output appears complete or not at all.
      await rename(job.temp, job.output);
    } catch (e) {
      await unlink(job.temp).catch(() => undefined);
      throw e;
    }
    return {
      inWidth: image.width,
      inHeight: image.height,
      outWidth: result.width,
      outHeight: result.height,
      ms: performance.now() - started,
      bytes: encoded.byteLength,
      recipe: formatRecipe(outcome.recipe),
      ...(outcome.analysis ? { analysis: describeAnalysis(outcome.analysis) } : {}),
      notes: outcome.notes,
    };
  };
}
