import type { RgbaImage } from '../image/types';
import type { ModelManifest } from '../models/types';
import type { TiledModel } from '../tiling/run-tiled';
import type { Progress } from './progress';

/** What a stage gets from whoever runs it (the worker, the CLI, a test). */
export interface StageContext {
  signal?: AbortSignal;
  progress(p: Progress): void;
  /** Loads, verifies and opens a model, ready to run tile by tile. */
  loadModel(manifest: ModelManifest): Promise<TiledModel>;
}

/** A stage is a pure function of (image, options, models) -> image. */
export type StageRunner<O> = (image: RgbaImage, options: O, ctx: StageContext) => Promise<RgbaImage>;
