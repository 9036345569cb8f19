import type { StageStep } from '../../workers/restore.worker';
import { stageLabel } from '../stages';

/** One choice of the before/after view: the whole restoration, or one stage's input and output. */
export interface CompareChoice {
  /** 'all', or the stage's key ('fade'). */
  id: string;
  label: string;
  before: string;
  after: string;
  /** The stage left the photo as it was: before and after are the same picture. */
  unchanged: boolean;
  /** Why, in the stage's own words. */
  note?: string;
}

/**
 * The before/after pairs of a restore: the photo against the result, then each stage's input
 * (the previous stage's output, the photo for the first) against its output. The last stage's
 * output is the result itself; a stage that changed nothing shows its input on both sides.
 * Each step preview gets an object URL: call `revoke` when the result is discarded.
 */
export function compareChoices(steps: readonly StageStep[], original: string, result: string): { choices: CompareChoice[]; revoke(): void } {
  const urls: string[] = [];
  const choices: CompareChoice[] = [{ id: 'all', label: 'Photo → result (every stage)', before: original, after: result, unchanged: false }];
  let before = original;
  for (const [i, step] of steps.entries()) {
    let after = before;
    if (!step.unchanged) {
      if (i === steps.length - 1) after = result;
      else if (step.preview) urls.push((after = URL.createObjectURL(step.preview)));
    }
    choices.push({ id: step.stage, label: stageLabel(step.stage), before, after, unchanged: step.unchanged, ...(step.note ? { note: step.note } : {}) });
    before = after;
  }
  return { choices, revoke: () => urls.forEach((u) => URL.revokeObjectURL(u)) };
}
