import * as Comlink from 'comlink';
import type { RestoreWorkerApi, RestoreResult, WorkerInfo } from '../../workers/restore.worker';
import type { Progress } from '../core/pipeline/progress';
import type { OutputFormat } from '../core/image/browser-codec';
import type { Recipe } from '../stages';
import type { Mask } from '../core/image/mask';
import type { ModelInspection } from '../core/models/custom-models';

/** Idle workers are terminated so the memory of models and tiles goes back to the system. */
const IDLE_MS = 60_000;

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

  constructor(private prefer: 'auto' | 'webgpu' | 'wasm' = 'auto') {}

  info(): Promise<WorkerInfo> {
    return this.call((w) => w.init(this.prefer));
  }

  restore(file: Blob, name: string, recipe: Recipe, onProgress: (p: Progress) => void, signal?: AbortSignal): Promise<RestoreResult> {
    return this.call((w) => w.restore(file, name, recipe, Comlink.proxy(onProgress)), signal);
  }

  detect(file: Blob, name: string, onProgress: (p: Progress) => void, signal?: AbortSignal): Promise<{ mask: Mask; coverage: number }> {
    return this.call((w) => w.detect(file, name, Comlink.proxy(onProgress)), signal);
  }

  transcode(blob: Blob, type: OutputFormat, quality?: number): Promise<Blob> {
    return this.call((w) => w.transcode(blob, type, quality));
  }

  /** Opens an ONNX file in the worker and reports its inputs, outputs and a probe run. */
  inspectModel(bytes: Uint8Array, probe: { channels: number; range: [number, number] }): Promise<ModelInspection> {
    return this.call((w) => w.inspectModel(bytes, probe));
  }

  terminate(): void {
    clearTimeout(this.idleTimer);
    this.remote?.[Comlink.releaseProxy]();
    this.worker?.terminate();
    this.worker = undefined;
    this.remote = undefined;
  }

  private ensure(): Comlink.Remote<RestoreWorkerApi> {
    if (!this.remote) {
      this.worker = new Worker(new URL('../../workers/restore.worker.ts', import.meta.url), { type: 'module', name: 'heirloom-restore' });
      this.remote = Comlink.wrap<RestoreWorkerApi>(this.worker);
      void this.remote.init(this.prefer);
    }
    return this.remote;
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
        return await Promise.race([fn(remote), aborted]);
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
