/** worker_threads entry: processes whole files, one at a time, as the main thread hands them out. */
import { parentPort, workerData } from 'node:worker_threads';
import { createProcessor, type FileJob, type ProcessorOptions } from './process';

export type ToWorker = { type: 'job'; id: number; job: FileJob } | { type: 'abort' } | { type: 'exit' };
export type FromWorker =
  | { type: 'ready' }
  /** `frac`: the whole file's share done (0..1), over all of its model passes. */
  | { type: 'progress'; id: number; stage: string; frac: number }
  | { type: 'done'; id: number; result: import('./process').FileResult }
  | { type: 'error'; id: number; message: string; name: string };

const port = parentPort!;
const options = workerData as ProcessorOptions;
const processFile = createProcessor(options);

/** Tiled model passes the recipe makes per photo (each reports its own tile progress). */
const r = options.recipe;
const passes = r === 'auto' ? 3 : Math.max(1, (r.repair ? (r.repair.mask ? 1 : 2) : 0) + (r.denoise && r.denoise.strength > 0 ? 1 : 0) + (r.upscale ? 1 : 0));
/** Progress reports that are not a tiled model pass (reading, loading a model, encoding, fading). */
const NOT_A_PASS = /^(Reading image|Encoding result|Loading model|Fixing fading|Looking at the photo|Looking for a print)/;
const send = (m: FromWorker) => port.postMessage(m);

/** The job in progress; aborting stops it at the next tile (ORT can't be interrupted mid-run safely). */
let current: AbortController | undefined;

port.on('message', async (msg: ToWorker) => {
  if (msg.type === 'exit') return port.close();
  if (msg.type === 'abort') return current?.abort();
  const { id, job } = msg;
  let last = 0;
  const seen: string[] = [];
  let frac = 0;
  const controller = (current = new AbortController());
  try {
    const result = await processFile(job, (p) => {
      if (!NOT_A_PASS.test(p.stage)) {
        if (!seen.includes(p.stage)) seen.push(p.stage);
        const pass = seen.indexOf(p.stage);
        frac = Math.max(frac, Math.min(0.99, (pass + (p.total ? p.done / p.total : 0)) / passes));
      }
      const now = performance.now();
      // Tile progress can be hundreds of messages a second on small tiles: throttle.
      if (now - last < 100 && p.done !== 0 && p.done !== p.total) return;
      last = now;
      send({ type: 'progress', id, stage: p.stage, frac });
    }, controller.signal);
    send({ type: 'done', id, result });
  } catch (e) {
    const name = (e as { name?: unknown })?.name;
    send({ type: 'error', id, message: e instanceof Error ? e.message : String(e), name: typeof name === 'string' ? name : 'Error' });
  } finally {
    if (current === controller) current = undefined;
  }
});
send({ type: 'ready' });
