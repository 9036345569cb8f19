import * as Comlink from 'comlink';
import type { RestoreWorkerApi, RestoreResult, WorkerInfo } from '../../workers/restore.worker';
import type { Progress } from '../core/pipeline/progress';
import type { OutputFormat } from '../core/image/browser-codec';
import type { PhotoAnalysis, RecipeRequest } from '../stages/auto';
import type { Mask } from '../core/image/mask';
import type { ExtraInput, ModelInspection } from '../core/models/custom-models';
import type { ToneAnalysis } from '../core/color/monochrome';
import type { ColorizeOptions } from '../stages/colorize/meta';
import type { PrintDetection } from '../core/capture/find-print';
import type { Quad } from '../core/capture/quad';

/** Idle workers are terminated so the memory of models and tiles goes back to the system. */
const IDLE_MS = 60_000;

/** The worker died under a call (crash, out of memory, closed itself after a lost GPU). */
export class WorkerDiedError extends Error {
  constructor(message = 'The restoration worker stopped unexpectedly.') {
    super(message);
    this.name = 'WorkerDiedError';
  }
}

/** Shown (progress text and `onNotice`) when a job is retried after its worker died. */
export const RETRY_NOTICE = {
  gpu: 'The GPU stopped responding; retrying on the CPU (WASM) with smaller tiles.',
  worker: 'The restoration stopped unexpectedly (out of memory?); retrying once with smaller tiles.',
};

let lifeLockCounter = 0;

/**
 * The progress callback as the worker calls it: Comlink sends the callback's return value back,
 * and a Svelte handler like `(p) => (progress = p)` returns the state's Proxy, which cannot be
 * cloned ("Unserializable return value", an unhandled rejection in the worker on every update).
 * The wrapper returns nothing, whatever the caller's function returns.
 */
export function progressCallback(onProgress: (p: Progress) => unknown) {
  return Comlink.proxy((p: Progress): void => {
    onProgress(p);
  });
}

/**
 * The page's one handle on the inference worker. Calls run one at a time; an AbortSignal
 * cancels by terminating the worker (the only way to stop a WASM kernel mid-run); the next
 * call starts a fresh one.
 */
export class WorkerBridge {
  private worker?: Worker;
  private remote?: Comlink.Remote<RestoreWorkerApi>;
  private idleTimer?: ReturnType<typeof setTimeout>;
  private queue: Promise<unknown> = Promise.resolve();
  /** Rejects the calls in flight when the current worker dies; replaced with each worker. */
  private died?: Promise<never>;
  private stopWatching?: AbortController;
  /** The backend the current worker reported, to word the retry notice. */
  private backendName?: string;

  constructor(private prefer: 'auto' | 'webgpu' | 'wasm' = 'auto') {}

  info(): Promise<WorkerInfo> {
    return this.call(async (w) => {
      const info = await w.init(this.prefer);
      this.backendName = info.backend.name;
      return info;
    });
  }

  /**
   * Restores a photo. If the worker dies mid-job (crash, out of memory, lost WebGPU device) the
   * job is retried once in a fresh worker, on WASM when it was on WebGPU, with half-size tiles;
   * `onNotice` (and the progress text) say so.
   */
  async restore(file: Blob, name: string, recipe: RecipeRequest, onProgress: (p: Progress) => void, signal?: AbortSignal, onNotice?: (message: string) => void, options: { findPrint?: boolean; steps?: boolean } = {}): Promise<RestoreResult> {
    try {
      return await this.call((w) => w.restore(file, name, recipe, progressCallback(onProgress), options), signal);
    } catch (e) {
      if ((e as Error)?.name !== 'WorkerDiedError' || signal?.aborted) throw e;
      const wasGpu = this.backendName === 'webgpu';
      // The GPU failed once: this page uses WASM from now on.
      if (wasGpu) this.prefer = 'wasm';
      const notice = wasGpu ? RETRY_NOTICE.gpu : RETRY_NOTICE.worker;
      console.warn(notice, e);
      onNotice?.(notice);
      onProgress({ stage: notice, done: 0, total: 1 });
      return this.call((w) => w.restore(file, name, recipe, progressCallback(onProgress), { ...options, tileScale: 0.5 }), signal);
    }
  }

  detect(file: Blob, name: string, onProgress: (p: Progress) => void, signal?: AbortSignal, tears?: boolean): Promise<{ mask: Mask; coverage: number }> {
    return this.call((w) => w.detect(file, name, progressCallback(onProgress), tears), signal);
  }

  /** What the photo needs: the proposed recipe with a reason per stage. */
  analyze(file: Blob, name: string, onProgress: (p: Progress) => void = () => undefined, signal?: AbortSignal): Promise<PhotoAnalysis> {
    return this.call((w) => w.analyze(file, name, Comlink.proxy(onProgress)), signal);
  }

  /** The capture step: a print's corners in a photo of it, or null (with why) for any other photo. */
  findPrint(file: Blob, name: string, signal?: AbortSignal): Promise<PrintDetection> {
    return this.call((w) => w.findPrint(file, name), signal);
  }

  /** The print inside these corners, straightened and cropped, as PNG. */
  straighten(file: Blob, name: string, corners: Quad, signal?: AbortSignal): Promise<{ blob: Blob; width: number; height: number }> {
    return this.call((w) => w.straighten(file, name, corners), signal);
  }

  /** Black-and-white / toned or colour: for the Colorize suggestion. */
  analyzeTone(file: Blob, name: string): Promise<ToneAnalysis> {
    return this.call((w) => w.analyzeTone(file, name));
  }

  /** A copy to show of a photo an <img> cannot show (TIFF, HEIC), and notes about the input. */
  openForDisplay(file: Blob, name: string): Promise<{ blob: Blob; notes: string[] }> {
    return this.call((w) => w.openForDisplay(file, name));
  }

  /** A small colorized preview (hint editor), as PNG. */
  colorizePreview(file: Blob, name: string, options: ColorizeOptions, maxSide: number, onProgress: (p: Progress) => void = () => undefined, signal?: AbortSignal): Promise<Blob> {
    return this.call((w) => w.colorizePreview(file, name, options, maxSide, progressCallback(onProgress)), signal);
  }

  transcode(blob: Blob, type: OutputFormat, quality?: number): Promise<Blob> {
    return this.call((w) => w.transcode(blob, type, quality));
  }

  /** Opens an ONNX file in the worker and reports its inputs, outputs and a probe run. */
  inspectModel(bytes: Uint8Array, probe: { channels: number; range: [number, number]; extraInputs?: ExtraInput[] }): Promise<ModelInspection> {
    return this.call((w) => w.inspectModel(bytes, probe));
  }

  terminate(): void {
    clearTimeout(this.idleTimer);
    this.stopWatching?.abort();
    this.stopWatching = undefined;
    this.died = undefined;
    this.remote?.[Comlink.releaseProxy]();
    this.worker?.terminate();
    this.worker = undefined;
    this.remote = undefined;
  }

  private ensure(): Comlink.Remote<RestoreWorkerApi> {
    if (!this.remote) {
      this.worker = new Worker(new URL('../../workers/restore.worker.ts', import.meta.url), { type: 'module', name: 'heirloom-restore' });
      this.remote = Comlink.wrap<RestoreWorkerApi>(this.worker);
      this.watch(this.worker, this.remote);
      void this.remote.init(this.prefer).then((i) => (this.backendName = i.backend.name), () => undefined);
    }
    return this.remote;
  }

  /**
   * Notices the worker's death, which Comlink alone never does (its calls would wait forever):
   * an uncaught error event, or the release of a Web Lock the worker holds for as long as it
   * lives (released by the browser when the worker crashes, runs out of memory or closes).
   */
  private watch(worker: Worker, remote: Comlink.Remote<RestoreWorkerApi>) {
    const stop = new AbortController();
    this.stopWatching = stop;
    let declare!: (e: Error) => void;
    this.died = new Promise<never>((_, reject) => (declare = reject));
    this.died.catch(() => undefined);
    const onDeath = (why: string) => {
      if (stop.signal.aborted || this.worker !== worker) return;
      stop.abort();
      declare(new WorkerDiedError(`The restoration worker stopped unexpectedly (${why}).`));
      // Drop the dead worker; the next call starts a fresh one.
      this.remote = undefined;
      this.worker = undefined;
      worker.terminate();
    };
    worker.addEventListener('error', (e) => onDeath(e.message || 'uncaught error'), { signal: stop.signal });
    worker.addEventListener('messageerror', () => onDeath('unreadable message'), { signal: stop.signal });
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    if (!locks) return;
    const lock = `heirloom-worker-${Date.now()}-${++lifeLockCounter}-${Math.random().toString(36).slice(2)}`;
    remote.holdLifeLock(lock).then(
      () => locks.request(lock, { signal: stop.signal }, () => onDeath('it crashed, ran out of memory or was closed')),
      () => undefined,
    ).catch(() => undefined);
  }

  private call<T>(fn: (w: Comlink.Remote<RestoreWorkerApi>) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const run = async (): Promise<T> => {
      signal?.throwIfAborted();
      clearTimeout(this.idleTimer);
      const remote = this.ensure();
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => {
          this.terminate();
          reject(signal?.reason ?? new DOMException('Cancelled', 'AbortError'));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      try {
        return await Promise.race([fn(remote), aborted, this.died!]);
      } finally {
        if (onAbort) signal?.removeEventListener('abort', onAbort);
        clearTimeout(this.idleTimer);
        this.idleTimer = setTimeout(() => this.terminate(), IDLE_MS);
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
