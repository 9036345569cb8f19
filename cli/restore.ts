/**
 * `heirloom restore`: plans the run (which files, which outputs, what is already done) and
 * drives a pool of worker threads, each restoring whole files.
 */
import { existsSync, statSync, unlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { Worker } from 'node:worker_threads';
import { recipeSuffix } from '../src/stages/index';
import type { RecipeRequest } from '../src/stages/auto';
import type { CliFormat } from './codec';
import { inShard, isImageName, outputNames, tempName, walk, type Job, type Shard, type WalkReport } from './files';
import { checkRecipeModels } from './models';
import type { FileResult, ProcessorOptions } from './process';
import { ProgressBar, formatDuration, type ProgressState } from './progress';
import type { FromWorker, ToWorker } from './worker';

export interface RestoreOptions {
  inDir: string;
  outDir: string;
  recipe: RecipeRequest;
  modelsDir: string;
  format: CliFormat;
  quality: number;
  keepNames: boolean;
  shard?: Shard;
  /** Worker threads; default os.availableParallelism() (capped at the number of files). */
  workers?: number;
  /** onnxruntime threads per worker; default cores / workers. */
  threads?: number;
  /** The bundled worker entry (dist-cli/worker.mjs). */
  workerUrl: URL;
  /** Only list what would be done. */
  dryRun?: boolean;
  /** --find-print: photos of prints are straightened and cropped to the print first. */
  findPrint?: boolean;
  log?: ProgressBar;
}

export interface RestoreSummary {
  total: number;
  done: number;
  skipped: number;
  failed: { rel: string; message: string }[];
  /** Stages that left a photo alone, with why: "colorize" -> [{ rel, message }]. */
  stageSkips: Record<string, { rel: string; message: string }[]>;
  /** With --find-print: photos in which a print was found and straightened. */
  printsFound: number;
  /** Files that are not photos (by extension), ignored. */
  ignored: number;
  ms: number;
  megapixels: number;
  workers: number;
  threads: number;
  interrupted: boolean;
  /** An error that stopped the whole run (a model that fails verification, workers that cannot start). */
  fatal?: string;
}

function rmTemp(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* never written, or already renamed */
  }
}

const FATAL_ERRORS = new Set(['ModelIntegrityError', 'ModelDownloadError', 'ModelMissingError']);

/** A usage problem found before any work starts (bad folders, missing model): exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** What the walk did not read, for the plan line: counts and a few names. */
function leftOut({ hidden, linksOutside, revisited }: WalkReport): string {
  const some = (names: string[]) => ` (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''})`;
  return (hidden.length ? `, ${hidden.length} hidden file(s)/folder(s) not read${some(hidden)}` : '') +
    (linksOutside.length ? `, ${linksOutside.length} link(s) leading outside the input folder not followed${some(linksOutside)}` : '') +
    (revisited.length ? `, ${revisited.length} folder(s) reached again through links read once${some(revisited)}` : '');
}

export function planJobs(opts: RestoreOptions): { jobs: Job[]; skipped: Job[]; ignored: number; left: WalkReport } {
  const inDir = resolve(opts.inDir);
  const outDir = resolve(opts.outDir);
  if (!existsSync(inDir) || !statSync(inDir).isDirectory()) throw new UsageError(`Input folder ${opts.inDir} does not exist or is not a folder`);
  if (inDir === outDir) throw new UsageError('The output folder must differ from the input folder (originals are never modified)');
  if ((inDir + sep).startsWith(outDir + sep)) throw new UsageError('The output folder must not contain the input folder');
  const left: WalkReport = { hidden: [], linksOutside: [], revisited: [] };
  const all = walk(inDir, outDir, left);
  const photos = all.filter(isImageName);
  // With auto each photo gets its own recipe, so names cannot say "x2": plain -heirloom.
  const names = outputNames(photos, opts.recipe === 'auto' ? '-heirloom' : recipeSuffix(opts.recipe), opts.format, opts.keepNames);
  const jobs: Job[] = [];
  const skipped: Job[] = [];
  for (const rel of photos) {
    if (!inShard(rel, opts.shard)) continue;
    const outRel = names.get(rel)!;
    const input = join(inDir, ...rel.split('/'));
    const output = join(outDir, ...outRel.split('/'));
    let size = 0;
    try {
      size = statSync(input).size;
    } catch {
      /* vanished: reported when read */
    }
    const job = { rel, input, output, outRel, size };
    // Outputs only appear by rename once complete, so an existing non-empty one is finished.
    let complete = false;
    try {
      complete = statSync(output).size > 0;
    } catch {
      /* not there */
    }
    (complete ? skipped : jobs).push(job);
  }
  // Largest first: the pool then ends with small files and workers finish together.
  jobs.sort((a, b) => b.size - a.size || (a.rel < b.rel ? -1 : 1));
  return { jobs, skipped, ignored: all.length - photos.length, left };
}

export async function restore(opts: RestoreOptions): Promise<RestoreSummary> {
  const log = opts.log ?? new ProgressBar();
  const started = performance.now();
  try {
    checkRecipeModels(opts.recipe, opts.modelsDir);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const { jobs, skipped, ignored, left } = planJobs(opts);
  const cores = availableParallelism();
  const workers = Math.max(1, Math.min(opts.workers ?? cores, jobs.length || 1));
  const threads = Math.max(1, opts.threads ?? Math.floor(cores / workers));
  const summary: RestoreSummary = {
    total: jobs.length + skipped.length,
    done: 0,
    skipped: skipped.length,
    failed: [],
    stageSkips: {},
    printsFound: 0,
    ignored,
    ms: 0,
    megapixels: 0,
    workers,
    threads,
    interrupted: false,
  };
  const shardText = opts.shard ? ` (shard ${opts.shard.index}/${opts.shard.count})` : '';
  log.line(
    `heirloom: ${summary.total} photo(s)${shardText}: ${jobs.length} to do, ${skipped.length} already done` +
      (ignored ? `, ${ignored} non-photo file(s) ignored` : '') +
      leftOut(left) +
      (jobs.length ? `; ${workers} worker(s) x ${threads} thread(s)` : ''),
  );
  if (!jobs.length && skipped.length && !opts.dryRun) {
    log.line('heirloom: nothing to do: every photo' + (opts.shard ? ' of this shard' : '') + ' already has its output (delete an output to restore that photo again)');
  }
  if (opts.dryRun) {
    for (const j of jobs) log.line(`  ${j.rel} -> ${j.outRel}`);
    return summary;
  }
  if (!jobs.length) return summary;

  const processor: ProcessorOptions = {
    recipe: opts.recipe,
    modelsDir: opts.modelsDir,
    format: opts.format,
    quality: opts.quality,
    threads,
    findPrint: opts.findPrint ?? false,
  };
  const state: ProgressState = { done: 0, total: jobs.length, partial: 0, current: [], startedAt: started };
  const inflight = new Map<number, { job: Job; temp: string; frac: number; worker: Worker }>();
  let next = 0;
  let nextId = 1;
  const pool = new Set<Worker>();

  const refresh = () => {
    state.partial = [...inflight.values()].reduce((a, f) => a + f.frac, 0);
    state.current = [...inflight.values()].map((f) => `${f.job.rel} (${Math.round(f.frac * 100)}%)`);
    log.update(state);
  };

  const finishOne = (id: number, ok: FileResult | undefined, message?: string) => {
    const f = inflight.get(id);
    if (!f) return;
    inflight.delete(id);
    state.done++;
    const counter = `[${state.done}/${state.total}]`;
    if (ok) {
      summary.done++;
      summary.megapixels += (ok.inWidth * ok.inHeight) / 1e6;
      for (const n of ok.notes) if (n.skipped) (summary.stageSkips[n.stage] ??= []).push({ rel: f.job.rel, message: n.message });
      if (ok.notes.some((n) => n.stage === 'capture' && !n.skipped)) summary.printsFound++;
      // Each photo's own recipe and why, whatever the terminal: it is the record of what was done.
      if (ok.analysis) log.line(`${counter} ${f.job.rel}: auto recipe ${ok.recipe}\n${ok.analysis.map((l) => `    ${l}`).join('\n')}`);
      const eta = log.eta({ ...state, partial: 0 });
      if (!log.isTty) {
        log.line(
          `${counter} ${f.job.rel} -> ${f.job.outRel} (${ok.inWidth}x${ok.inHeight} -> ${ok.outWidth}x${ok.outHeight}, ` +
            `${formatDuration(ok.ms)}${state.done < state.total ? `, ETA ${formatDuration(eta ?? NaN)}` : ''})`,
        );
      }
    } else {
      summary.failed.push({ rel: f.job.rel, message: message ?? 'failed' });
      log.line(`${counter} FAILED ${f.job.rel}: ${message}`);
    }
    refresh();
  };

  await new Promise<void>((resolveAll) => {
    let stopping = false;
    const onSigint = () => {
      if (summary.interrupted) {
        // Second Ctrl-C: don't wait for the tiles in flight.
        for (const f of inflight.values()) rmTemp(f.temp);
        process.exit(130);
      }
      summary.interrupted = true;
      stopping = true;
      log.line('heirloom: stopping after the current tiles (Ctrl-C again to quit now)...');
      // Workers stop at the next tile border; terminating one inside onnxruntime would abort the process.
      for (const w of pool) w.postMessage({ type: 'abort' } satisfies ToWorker);
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);

    const dispatch = (w: Worker) => {
      if (stopping || next >= jobs.length) {
        pool.delete(w);
        w.postMessage({ type: 'exit' } satisfies ToWorker);
        void w.terminate();
        if (pool.size === 0) done();
        return;
      }
      const job = jobs[next++]!;
      const id = nextId++;
      const temp = tempName(job.output);
      inflight.set(id, { job, temp, frac: 0, worker: w });
      refresh();
      w.postMessage({ type: 'job', id, job: { input: job.input, output: job.output, temp } } satisfies ToWorker);
    };

    const done = () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
      resolveAll();
    };

    const spawn = () => {
      const w = new Worker(opts.workerUrl, { workerData: processor });
      let ready = false;
      pool.add(w);
      w.on('message', (m: FromWorker) => {
        if (m.type === 'ready') return (ready = true), dispatch(w);
        const f = inflight.get(m.id);
        if (m.type === 'progress') {
          if (f) {
            f.frac = m.frac;
            refresh();
          }
          return;
        }
        if (m.type === 'done') finishOne(m.id, m.result);
        else if (m.name === 'AbortError' && stopping) {
          const f = inflight.get(m.id);
          if (f) rmTemp(f.temp);
          inflight.delete(m.id);
        } else {
          finishOne(m.id, undefined, m.message);
          // A model that fails to load would fail every photo the same way: stop early.
          if (FATAL_ERRORS.has(m.name) && !summary.fatal) {
            summary.fatal = m.message;
            stopping = true;
          }
        }
        dispatch(w);
      });
      const crashed = (why: string) => {
        if (!pool.has(w)) return;
        pool.delete(w);
        for (const [id, f] of inflight) {
          if (f.worker !== w) continue;
          rmTemp(f.temp);
          if (stopping) inflight.delete(id);
          else finishOne(id, undefined, `worker crashed: ${why}`);
        }
        if (!ready && !summary.fatal) {
          // It died before taking any work (a broken install): respawning would loop forever.
          summary.fatal = `a worker thread could not start: ${why}`;
          stopping = true;
        }
        if (!stopping && next < jobs.length) spawn();
        else if (pool.size === 0) done();
      };
      w.on('error', (e) => crashed(e instanceof Error ? e.message : String(e)));
      w.on('exit', (code) => crashed(`exited with code ${code}`));
    };

    for (let i = 0; i < workers; i++) spawn();
  });

  log.finish();
  summary.ms = performance.now() - started;
  return summary;
}
