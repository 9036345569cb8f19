/**
 * The shipped models on this device: which are here (installed with the app, or downloaded and
 * kept in IndexedDB), downloading one (the model loader: verified, then kept), removing one, and
 * "everything offline" (every model and the runtime, the choice remembered in this browser).
 */
import { loadModelBytes } from '../core/models/loader';
import { shippedModelDir, shippedModelPath } from '../core/models/manifest';
import type { IdbModelCache } from '../core/models/idb-cache';
import type { ModelManifest } from '../core/models/types';
import { keepRuntime } from './runtime-cache';

export type ModelPlace = 'app' | 'downloaded' | 'missing';

const appUrl = (path: string) => new URL(import.meta.env.BASE_URL + path, location.href).href;

/**
 * Where a model is: 'app' when the service worker installed it with the app (its precache,
 * whose keys carry a revision query), 'downloaded' when kept in the model cache, else 'missing'.
 */
export async function modelPlaces(models: readonly ModelManifest[], cache: IdbModelCache): Promise<Map<string, ModelPlace>> {
  const kept = new Set(await cache.keys());
  const places = new Map<string, ModelPlace>();
  for (const m of models) {
    const installed = 'caches' in globalThis && !!(await caches.match(appUrl(shippedModelPath(m)), { ignoreSearch: true }));
    places.set(m.id, installed ? 'app' : kept.has(m.sha256) ? 'downloaded' : 'missing');
  }
  return places;
}

/** Downloads a shipped model (verified against its manifest) into the model cache. */
export async function downloadModel(m: ModelManifest, cache: IdbModelCache, onProgress?: (loaded: number, total: number) => void): Promise<void> {
  await loadModelBytes(m, appUrl(shippedModelDir(m.task)), { cache, onProgress });
}

export interface EverythingProgress {
  done: number;
  total: number;
  /** What is being fetched now, for the progress line. */
  current: string;
}

const CHOICE_KEY = 'heirloom-everything-offline';

export function everythingOfflineChosen(): boolean {
  return localStorage.getItem(CHOICE_KEY) === 'on';
}

export function rememberEverythingOffline(on: boolean): void {
  if (on) localStorage.setItem(CHOICE_KEY, 'on');
  else localStorage.removeItem(CHOICE_KEY);
}

let running: Promise<void> | undefined;
const listeners = new Set<(p: EverythingProgress) => void>();

/** Follows the progress of "everything offline" (whoever started it); returns the unsubscribe. */
export function onEverythingProgress(listener: (p: EverythingProgress) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Makes every model available offline (those not on this device are downloaded, one after the
 * other, with byte progress) and then keeps the runtime. One run at a time: a second call joins it.
 */
export function makeEverythingOffline(models: readonly ModelManifest[], deps: { cache: IdbModelCache; runtimeUrl: () => Promise<string> }): Promise<void> {
  running ??= (async () => {
    const places = await modelPlaces(models, deps.cache);
    const todo = models.filter((m) => places.get(m.id) === 'missing');
    const total = todo.reduce((n, m) => n + m.size, 0);
    const tell = (p: EverythingProgress) => listeners.forEach((l) => l(p));
    let done = 0;
    for (const m of todo) {
      await downloadModel(m, deps.cache, (loaded) => tell({ done: done + loaded, total, current: m.label }));
      done += m.size;
    }
    tell({ done, total, current: 'the runtime' });
    await keepRuntime(await deps.runtimeUrl());
  })().finally(() => (running = undefined));
  return running;
}
