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
  /**
   * A stage says what it decided without being asked (e.g. "colorize: skipped, the photo already
   * has colour"): the app, batch, embed and CLI show these notes next to the result.
   */
  note?(note: StageNote): void;
  /**
   * Called by the pipeline (runRecipe), never by a stage, once each stage has finished: the
   * worker keeps a small preview of each output for the per-stage before/after view. Awaited, so
   * a preview is made before the next stage allocates its own output.
   */
  stageDone?(done: StageDone): Promise<void> | void;
}

/** One finished stage, as the pipeline reports it. */
export interface StageDone {
  stage: string;
  output: RgbaImage;
  /** The stage returned its input as it was (its skipped note, if any, says why). */
  unchanged: boolean;
  note?: string;
  /** The recipe's last stage: its output is the result itself. */
  last: boolean;
}

export interface StageNote {
  stage: string;
  /** True when the stage left the photo as it was. */
  skipped: boolean;
  message: string;
}

/** A stage is a pure function of (image, options, models) -> image. */
export type StageRunner<O> = (image: RgbaImage, options: O, ctx: StageContext) => Promise<RgbaImage>;
