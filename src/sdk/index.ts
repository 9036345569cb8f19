/**
 * Heirloom SDK: restore photos with a Heirloom deployment from another site, on the user's
 * device. It loads the deployment's embed page in a hidden iframe and talks to it with
 * postMessage only: the photo goes to the iframe as a Blob and never leaves the browser.
 *
 *   import { createHeirloom } from './heirloom-sdk.js';
 *   const heirloom = createHeirloom({ url: 'https://heirloom.example/embed.html' });
 *   const png = await heirloom.restore(file, { recipe: { upscale: { scale: 2, quality: 'fast' } },
 *                                               onProgress: (p) => console.log(p.stage, p.done / p.total) });
 *
 * Your page's origin must be on the deployment's allowlist (heirloom.config.json), otherwise
 * the embed page stays silent and `ready` rejects after `timeoutMs`.
 *
 * No dependencies: this file and src/embed/protocol.ts are all it bundles.
 */
import {
  PROTOCOL_VERSION,
  isProtocolMessage,
  message,
  type CancelMessage,
  type EmbedMessage,
  type EmbedProgress,
  type HelloMessage,
  type Recipe,
  type RestoreMessage,
  type ResultMessage,
} from '../embed/protocol';

export type { Recipe, EmbedProgress as Progress };

/**
 * What the embed page says about a finished photo besides its pixels: sizes, backend, time, the
 * recipe that ran (for 'auto', the one the analysis chose), the analysis with a reason per
 * stage ('auto' only) and what stages decided on their own (colorize skipped a colour photo, ...).
 */
export type RestoreInfo = Omit<ResultMessage, 'protocol' | 'version' | 'type' | 'id' | 'blob'>;
export { PROTOCOL_VERSION };
export type { UpscaleOptions } from '../stages/upscale/meta';

export interface HeirloomOptions {
  /** The embed page of a Heirloom deployment, e.g. "https://heirloom.example/embed.html". */
  url: string | URL;
  /**
   * An iframe to use instead of a hidden one the SDK creates. If its src is not `url` yet, it
   * is set. Give it allow="cross-origin-isolated" so WASM threads work when your page is
   * cross-origin isolated.
   */
  iframe?: HTMLIFrameElement;
  /** How long to wait for the embed page's ready handshake (ms, default 20000). */
  timeoutMs?: number;
}

export interface RestoreOptions {
  /**
   * The stages to run, or 'auto' (the photo is analysed and runs what it needs; colorize is never
   * chosen by itself); the deployment's default (upscale 2x, Balanced) when left out.
   */
  recipe?: Recipe | 'auto';
  /** Aborting cancels the job inside the embed page and rejects with an AbortError. */
  signal?: AbortSignal;
  onProgress?(p: EmbedProgress): void;
  /** Called once with what the embed page says about the result, just before restore() resolves. */
  onResult?(info: RestoreInfo): void;
  /** A name for the photo, used in error messages (default: the File's name). */
  name?: string;
}

export interface Heirloom {
  /** Resolves once the embed page answered the handshake; rejects on timeout or destroy(). */
  readonly ready: Promise<void>;
  /** Restores a photo; resolves with the result as a PNG Blob. */
  restore(image: Blob, options?: RestoreOptions): Promise<Blob>;
  /** Cancels running jobs, stops listening and removes the iframe if the SDK created it. */
  destroy(): void;
}

/** An error reported by the embed page (or the SDK): `name` is 'AbortError', 'TimeoutError', ... */
export class HeirloomError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

interface Pending {
  resolve(blob: Blob): void;
  reject(err: unknown): void;
  onProgress?(p: EmbedProgress): void;
  onResult?(info: RestoreInfo): void;
}

let counter = 0;
const newId = () => `job-${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

export function createHeirloom(options: HeirloomOptions): Heirloom {
  const url = new URL(options.url, typeof document !== 'undefined' ? document.baseURI : undefined);
  const origin = url.origin;
  const timeoutMs = options.timeoutMs ?? 20_000;
  const created = !options.iframe;
  const iframe = options.iframe ?? document.createElement('iframe');
  const pending = new Map<string, Pending>();
  let destroyed = false;
  let markReady!: () => void;
  let failReady!: (err: unknown) => void;
  let isReady = false;

  const ready = new Promise<void>((resolve, reject) => {
    markReady = () => {
      if (isReady) return;
      isReady = true;
      resolve();
    };
    failReady = reject;
  });
  ready.catch(() => undefined); // callers that only use restore() see the error there

  const post = (msg: HelloMessage | RestoreMessage | CancelMessage) => iframe.contentWindow?.postMessage(msg, origin);

  const onMessage = (event: MessageEvent) => {
    // Only the embed page in our iframe, from the embed URL's origin, may answer.
    if (event.origin !== origin || !iframe.contentWindow || event.source !== iframe.contentWindow) return;
    if (!isProtocolMessage(event.data)) return;
    const data = event.data as EmbedMessage;
    if (data.type === 'ready') {
      if (Array.isArray(data.versions) && data.versions.includes(PROTOCOL_VERSION)) markReady();
      else failReady(new HeirloomError('VersionError', `The Heirloom embed page at ${url.href} speaks protocol version(s) ${String(data.versions)}, this SDK speaks ${PROTOCOL_VERSION}`));
      return;
    }
    const job = typeof data.id === 'string' ? pending.get(data.id) : undefined;
    if (!job) {
      if (data.type === 'error' && !isReady) failReady(new HeirloomError(data.error.name, data.error.message));
      return;
    }
    switch (data.type) {
      case 'progress':
        try {
          job.onProgress?.(data.progress);
        } catch (err) {
          console.error('Heirloom onProgress callback threw:', err);
        }
        return;
      case 'result': {
        pending.delete(data.id);
        const { protocol: _p, version: _v, type: _t, id: _i, blob, ...info } = data;
        try {
          job.onResult?.(info);
        } catch (err) {
          console.error('Heirloom onResult callback threw:', err);
        }
        job.resolve(blob);
        return;
      }
      case 'error':
        pending.delete(data.id!);
        job.reject(new HeirloomError(data.error.name, data.error.message));
        return;
    }
  };
  window.addEventListener('message', onMessage);

  // Say hello whenever the iframe (re)loads: an iframe that loaded before we listened, or that
  // navigated, answers with ready. The embed page also announces itself when it starts.
  const hello = () => post(message<HelloMessage>({ type: 'hello' }));
  let loads = 0;
  const onLoad = () => {
    // A reload (any load after the first) loses the jobs of the old page: fail them, don't hang.
    if (loads++ > 0) {
      for (const job of pending.values()) job.reject(new HeirloomError('AbortError', 'The Heirloom embed page reloaded; the photo was not restored'));
      pending.clear();
    }
    hello();
  };
  iframe.addEventListener('load', onLoad);

  const timer = setTimeout(() => {
    if (!isReady) {
      failReady(new HeirloomError('TimeoutError',
        `The Heirloom embed page at ${url.href} did not answer within ${Math.round(timeoutMs / 1000)} s. ` +
        `Is this page's origin (${location.origin}) in embed.allowedOrigins of ${new URL('heirloom.config.json', url).href}, ` +
        'and may the page be framed here (headers, see the Heirloom README)?'));
    }
  }, timeoutMs);
  ready.then(() => clearTimeout(timer), () => clearTimeout(timer));

  if (created) {
    iframe.title = 'Heirloom photo restoration';
    iframe.setAttribute('aria-hidden', 'true');
    iframe.tabIndex = -1;
    iframe.style.cssText = 'position:absolute;width:0;height:0;border:0;visibility:hidden';
  }
  const allow = iframe.getAttribute('allow') ?? '';
  if (!/cross-origin-isolated/.test(allow)) iframe.setAttribute('allow', allow ? `${allow}; cross-origin-isolated` : 'cross-origin-isolated');
  if (iframe.src !== url.href) iframe.src = url.href;
  else hello();
  if (created) document.body.appendChild(iframe);

  return {
    ready,

    async restore(image, opts = {}) {
      const { signal } = opts;
      if (destroyed) throw new HeirloomError('InvalidStateError', 'This Heirloom instance was destroyed');
      if (!(image instanceof Blob)) throw new TypeError('restore() needs the photo as a Blob or File');
      signal?.throwIfAborted();
      const abortReason = () => signal?.reason ?? new DOMException('Cancelled', 'AbortError');
      await Promise.race([
        ready,
        new Promise<never>((_, reject) => signal?.addEventListener('abort', () => reject(abortReason()), { once: true })),
      ]);
      signal?.throwIfAborted();
      const id = newId();
      return new Promise<Blob>((resolve, reject) => {
        const onAbort = () => {
          if (!pending.delete(id)) return;
          post(message<CancelMessage>({ type: 'cancel', id }));
          reject(abortReason());
        };
        const done = <T>(fn: (v: T) => void) => (v: T) => {
          signal?.removeEventListener('abort', onAbort);
          fn(v);
        };
        pending.set(id, { resolve: done(resolve), reject: done(reject), onProgress: opts.onProgress, onResult: opts.onResult });
        signal?.addEventListener('abort', onAbort, { once: true });
        const name = opts.name ?? (typeof File !== 'undefined' && image instanceof File ? image.name : undefined);
        post(message<RestoreMessage>({ type: 'restore', id, image, ...(name ? { name } : {}), ...(opts.recipe ? { recipe: opts.recipe } : {}) }));
      });
    },

    destroy() {
      if (destroyed) return;
      destroyed = true;
      clearTimeout(timer);
      for (const [id, job] of pending) {
        post(message<CancelMessage>({ type: 'cancel', id }));
        job.reject(new HeirloomError('AbortError', 'The Heirloom instance was destroyed'));
      }
      pending.clear();
      failReady(new HeirloomError('AbortError', 'The Heirloom instance was destroyed'));
      window.removeEventListener('message', onMessage);
      iframe.removeEventListener('load', onLoad);
      if (created) iframe.remove();
    },
  };
}
