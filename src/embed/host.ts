/**
 * The embed page's side of the protocol (runs inside the iframe another site embeds).
 *
 * - Messages are accepted only from the parent window, and only when `event.origin` is on the
 *   allowlist in heirloom.config.json; anything else is ignored without a reply.
 * - A restore runs the recipe through the same WorkerBridge as the app (one job at a time,
 *   queued); progress, the result Blob or an error go back to the sender's origin only.
 * - Cancel (by job id, from the origin that started it) aborts the job's AbortController; the
 *   bridge then terminates the worker, and the next job starts a fresh one.
 */
import {
  PROTOCOL,
  PROTOCOL_VERSION,
  isProtocolMessage,
  message,
  type EmbedMessage,
  type EmbedProgress,
  type ErrorMessage,
  type ProgressMessage,
  type ReadyMessage,
  type Recipe,
  type ResultMessage,
} from './protocol';
import type { EmbedConfig } from './config';
import type { RestoreResult } from '../../workers/restore.worker';
import { upscaleDefaults, upscaleMeta } from '../stages/upscale/meta';
import { denoiseDefaults } from '../stages/denoise/meta';
import { fadeDefaults } from '../stages/fade/meta';
import { colorizeDefaults } from '../stages/colorize/meta';
import { faceDefaults } from '../stages/face/meta';
import { repairDefaults } from '../stages/repair/meta';

/** What the host needs from WorkerBridge (kept narrow so the host can be tested without a worker). */
export interface RestoreBackend {
  restore(file: Blob, name: string, recipe: Recipe | 'auto', onProgress: (p: EmbedProgress) => void, signal?: AbortSignal): Promise<RestoreResult>;
}

/** What the embed page shows; all optional so the host also runs headless. */
export interface HostView {
  idle(allowed: string[]): void;
  started(origin: string, queued: number): void;
  progress(origin: string, p: EmbedProgress): void;
  finished(origin: string, outcome: 'done' | 'cancelled' | 'failed', detail: string): void;
}

/** What an embedder gets when it sends no recipe: upscale 2x with the Balanced model. */
export const DEFAULT_RECIPE: Recipe = { upscale: { ...upscaleDefaults } };

interface Job {
  id: string;
  origin: string;
  source: MessageEventSource;
  controller: AbortController;
}

export interface EmbedHostOptions {
  config: Promise<EmbedConfig>;
  backend: RestoreBackend;
  view?: HostView;
  /** The window whose messages are listened to (the embed page's own). */
  self?: Window;
}

export function startEmbedHost({ config, backend, view, self = window }: EmbedHostOptions): { stop(): void; jobs(): number } {
  const parent = self.parent;
  const jobs = new Map<string, Job>();
  let accepted = 0;

  const send = (target: MessageEventSource, origin: string, msg: EmbedMessage) => {
    (target as Window).postMessage(msg, origin);
  };
  const fail = (target: MessageEventSource, origin: string, id: string | undefined, name: string, text: string) =>
    send(target, origin, message<ErrorMessage>({ type: 'error', id, error: { name, message: text } }));

  const onMessage = async (event: MessageEvent) => {
    // Only the page that embeds us talks to us; a popup or another frame is not the embedder.
    if (parent === self || event.source !== parent) return;
    if (!claimsProtocol(event.data)) return;
    const { allowedOrigins } = await config;
    if (!allowedOrigins.includes(event.origin)) return; // not allowed: no reply at all
    const source = event.source!;
    const data = event.data;
    const id = typeof data.id === 'string' && data.id.length > 0 && data.id.length <= 200 ? data.id : undefined;

    // Any version but ours (a string "1" included) gets an answer, so the client need not wait for its timeout.
    if (data.version !== PROTOCOL_VERSION) {
      fail(source, event.origin, id, 'VersionError', `Heirloom's embed page speaks protocol version ${PROTOCOL_VERSION} (the number), not ${JSON.stringify(data.version) ?? 'none'}: update the Heirloom SDK`);
      return;
    }
    if (!isProtocolMessage(data)) return fail(source, event.origin, id, 'InvalidRequest', 'A message needs a "type" (hello, restore or cancel)');
    switch (data.type) {
      case 'hello':
        send(source, event.origin, message<ReadyMessage>({ type: 'ready', versions: [PROTOCOL_VERSION] }));
        return;
      case 'cancel': {
        const job = id ? jobs.get(id) : undefined;
        if (job && job.origin === event.origin) job.controller.abort(new DOMException('Cancelled', 'AbortError'));
        return;
      }
      case 'restore': {
        if (!id) return fail(source, event.origin, undefined, 'InvalidRequest', 'A restore request needs a job id');
        // Without an id: a reply carrying it would reach (and fail) the job already running under it.
        if (jobs.has(id)) return fail(source, event.origin, undefined, 'InvalidRequest', `Job id ${JSON.stringify(id)} is already in use by a job in progress: give each restore a new id`);
        const image = (data as { image?: unknown }).image;
        if (!(image instanceof Blob)) return fail(source, event.origin, id, 'InvalidRequest', 'A restore request needs the photo as a Blob or File');
        let recipe: Recipe | 'auto';
        try {
          recipe = validateRecipe((data as { recipe?: unknown }).recipe);
        } catch (err) {
          return fail(source, event.origin, id, 'InvalidRequest', (err as Error).message);
        }
        const rawName = (data as { name?: unknown }).name;
        const name = typeof rawName === 'string' && rawName ? rawName.slice(0, 200) : image instanceof File ? image.name : 'the photo';
        const job: Job = { id, origin: event.origin, source, controller: new AbortController() };
        jobs.set(id, job);
        accepted++;
        self.document.documentElement.dataset.jobs = String(accepted);
        view?.started(job.origin, jobs.size - 1);
        await run(job, image, name, recipe);
        return;
      }
      default:
        fail(source, event.origin, id, 'InvalidRequest', `Unknown message type "${data.type}"`);
    }
  };

  const run = async (job: Job, image: Blob, name: string, recipe: Recipe | 'auto') => {
    const onProgress = (p: EmbedProgress) => {
      if (job.controller.signal.aborted) return;
      const progress: EmbedProgress = { stage: p.stage, done: p.done, total: p.total, ...(p.etaMs !== undefined ? { etaMs: p.etaMs } : {}) };
      view?.progress(job.origin, progress);
      send(job.source, job.origin, message<ProgressMessage>({ type: 'progress', id: job.id, progress }));
    };
    try {
      const r = await backend.restore(image, name, recipe, onProgress, job.controller.signal);
      send(job.source, job.origin, message<ResultMessage>({
        type: 'result', id: job.id, blob: r.blob, width: r.width, height: r.height,
        inputWidth: r.inputWidth, inputHeight: r.inputHeight, backend: r.backend, ms: r.ms,
        recipe: r.recipe, notes: r.notes, ...(r.analysis ? { analysis: r.analysis } : {}),
      }));
      view?.finished(job.origin, 'done', `${r.inputWidth}×${r.inputHeight} → ${r.width}×${r.height} in ${(r.ms / 1000).toFixed(1)} s (${r.backend})`);
    } catch (err) {
      const cancelled = job.controller.signal.aborted;
      const e = err as { name?: unknown; message?: unknown };
      const name = cancelled ? 'AbortError' : typeof e?.name === 'string' ? e.name : 'Error';
      const text = cancelled ? 'Cancelled' : typeof e?.message === 'string' && e.message ? e.message : String(err);
      fail(job.source, job.origin, job.id, name, text);
      view?.finished(job.origin, cancelled ? 'cancelled' : 'failed', text);
    } finally {
      jobs.delete(job.id);
    }
  };

  const listener = (e: MessageEvent) => void onMessage(e);
  self.addEventListener('message', listener);

  // Announce readiness to the parent, but only if it is an allowed origin: postMessage with a
  // target origin is dropped by the browser when the parent's origin differs.
  void config.then(({ allowedOrigins }) => {
    view?.idle(allowedOrigins);
    if (parent === self) return;
    for (const origin of allowedOrigins) parent.postMessage(message<ReadyMessage>({ type: 'ready', versions: [PROTOCOL_VERSION] }), origin);
  });

  return {
    stop: () => {
      self.removeEventListener('message', listener);
      for (const job of jobs.values()) job.controller.abort(new DOMException('Cancelled', 'AbortError'));
    },
    jobs: () => jobs.size,
  };
}

/** Claims to be this protocol, whatever its version: worth a reply once the origin is allowed. */
function claimsProtocol(data: unknown): data is { protocol: string; version: unknown; type?: unknown; id?: unknown } {
  return typeof data === 'object' && data !== null && (data as { protocol?: unknown }).protocol === PROTOCOL;
}

const STAGES = ['repair', 'denoise', 'fade', 'face', 'colorize', 'upscale'] as const;

/** Checks a recipe from another site: 'auto', or known stages only, with options of the right types. */
export function validateRecipe(input: unknown): Recipe | 'auto' {
  if (input === undefined || input === null) return DEFAULT_RECIPE;
  if (input === 'auto') return 'auto';
  if (typeof input !== 'object' || Array.isArray(input)) throw new Error('The recipe must be an object such as { upscale: { scale: 2, quality: "fast" } }');
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!(STAGES as readonly string[]).includes(key)) throw new Error(`Unknown stage "${key}" in the recipe (known: ${STAGES.join(', ')})`);
  }
  const recipe: Recipe = {};
  const obj = (key: string): Record<string, unknown> | undefined => {
    const v = raw[key];
    if (v === undefined || v === null || v === false) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`recipe.${key} must be an object`);
    return v as Record<string, unknown>;
  };
  const strength = (key: string, v: unknown, fallback: number): number => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new Error(`recipe.${key}.strength must be a number from 0 to 1`);
    return v;
  };
  /** Booleans must be booleans: "yes" or 1 read as false would silently run another recipe. */
  const flag = (path: string, v: unknown, fallback: boolean): boolean => {
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') throw new Error(`${path} must be true or false, not ${JSON.stringify(v)}`);
    return v;
  };
  const repair = obj('repair');
  if (repair) {
    if (repair.mask !== undefined) throw new Error('recipe.repair.mask is not supported through the embed; use { detect: true }');
    // Without a mask (none can be sent), repair with detect off would return the photo unchanged.
    if (!flag('recipe.repair.detect', repair.detect, true)) throw new Error('recipe.repair with { detect: false } runs nothing through the embed (masks cannot be sent): use { detect: true } or leave repair out');
    recipe.repair = {
      detect: true,
      tears: flag('recipe.repair.tears', repair.tears, repairDefaults.tears),
      texture: flag('recipe.repair.texture', repair.texture, repairDefaults.texture),
    };
  }
  const denoise = obj('denoise');
  if (denoise) recipe.denoise = { strength: strength('denoise', denoise.strength, denoiseDefaults.strength) };
  const fade = obj('fade');
  if (fade) recipe.fade = { strength: strength('fade', fade.strength, fadeDefaults.strength), keepTone: flag('recipe.fade.keepTone', fade.keepTone, fadeDefaults.keepTone) };
  const face = obj('face');
  if (face) {
    if (face.model !== undefined) throw new Error('recipe.face takes only { fidelity } through the embed (no custom models)');
    const f = face.fidelity;
    if (f !== undefined && (typeof f !== 'number' || !(f >= 0 && f <= 1))) throw new Error('recipe.face.fidelity must be a number from 0 to 1');
    recipe.face = { ...faceDefaults, fidelity: (f as number | undefined) ?? faceDefaults.fidelity };
  }
  const colorize = obj('colorize');
  if (colorize) {
    if (colorize.hints !== undefined || colorize.model !== undefined) throw new Error('recipe.colorize takes only { strength, force } through the embed (no hints or custom models)');
    if (colorize.force !== undefined && typeof colorize.force !== 'boolean') throw new Error('recipe.colorize.force must be true or false');
    recipe.colorize = { ...colorizeDefaults, hints: [], strength: strength('colorize', colorize.strength, colorizeDefaults.strength), force: colorize.force === true };
  }
  const upscale = obj('upscale');
  if (upscale) {
    const scale = upscale.scale ?? upscaleDefaults.scale;
    const quality = upscale.quality ?? upscaleDefaults.quality;
    if (scale !== 2 && scale !== 4) throw new Error('recipe.upscale.scale must be 2 or 4');
    const known = upscaleMeta.qualities.find((q) => q.value === quality);
    if (!known) throw new Error(`recipe.upscale.quality must be ${upscaleMeta.qualities.map((q) => `"${q.value}"`).join(', ')}`);
    recipe.upscale = { scale, quality: known.value };
  }
  if (!STAGES.some((k) => recipe[k])) throw new Error('The recipe runs no stage: give at least one of ' + STAGES.join(', '));
  return recipe;
}
