/**
 * onnxruntime's WASM file is not precached (14 or 28 MB, and a device loads only one of the two
 * builds): the page keeps the one its worker loads in this cache, which the service worker serves
 * cache-first (vite.config.ts, runtimeCaching). Its URL carries the runtime's version.
 */
export const RUNTIME_CACHE = 'heirloom-runtime';

/** Keeps the runtime file at `url` (once), and drops the files of other runtime versions. */
export async function keepRuntime(url: string): Promise<void> {
  const cache = await caches.open(RUNTIME_CACHE);
  const dir = url.replace(/[^/]*$/, '');
  for (const old of await cache.keys()) if (!old.url.startsWith(dir)) await cache.delete(old);
  if (!(await cache.match(url))) await cache.add(url);
}

/** Whether the runtime file at `url` is kept for offline use. */
export async function runtimeKept(url: string): Promise<boolean> {
  return !!(await (await caches.open(RUNTIME_CACHE)).match(url));
}
