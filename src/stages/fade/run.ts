import type { StageRunner } from '../../core/pipeline/stage';
import { fixFading, type FadeOptions } from './fix-fading';

export const runFade: StageRunner<FadeOptions> = async (image, options, ctx) => {
  ctx.progress({ stage: 'Fixing fading', done: 0, total: 1 });
  const out = fixFading(image, options);
  ctx.progress({ stage: 'Fixing fading', done: 1, total: 1 });
  return out;
};
