import type { StageRunner } from '../../core/pipeline/stage';
import { fixFading, planFade, type FadeOptions } from './fix-fading';

export const runFade: StageRunner<FadeOptions> = async (image, options, ctx) => {
  ctx.progress({ stage: 'Fixing fading', done: 0, total: 1 });
  const plan = planFade(image, options);
  if (plan.identity) ctx.note?.({ stage: 'fade', skipped: true, message: 'not faded and no colour cast: left as it is' });
  const out = fixFading(image, options, plan);
  ctx.progress({ stage: 'Fixing fading', done: 1, total: 1 });
  return out;
};
