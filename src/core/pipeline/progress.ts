/** One progress report: which stage, how far, and an estimate of what is left. */
export interface Progress {
  stage: string;
  done: number;
  total: number;
  /** Estimated milliseconds left in this stage, once at least one unit has finished. */
  etaMs?: number;
}

/** Turns (done, total) callbacks into Progress reports with an ETA from the average rate so far. */
export function progressReporter(stage: string, report: (p: Progress) => void, now: () => number = () => performance.now()) {
  const start = now();
  return (done: number, total: number) => {
    const elapsed = now() - start;
    const etaMs = done > 0 && done < total ? (elapsed / done) * (total - done) : done >= total ? 0 : undefined;
    report({ stage, done, total, etaMs });
  };
}
