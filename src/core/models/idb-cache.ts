/** Browser ModelCache backed by IndexedDB (via idb-keyval), so models survive reloads and work offline. */
import { createStore, del, get, keys, set, type UseStore } from 'idb-keyval';
import type { ModelCache } from './loader.js';

export const MODEL_DB_NAME = 'heirloom-models';
export const MODEL_STORE_NAME = 'files';

/** The IndexedDB cache can also list what it holds (the Models view shows what is on this device). */
export interface IdbModelCache extends ModelCache {
  /** The sha256 keys of the files kept (listed without reading the files). */
  keys(): Promise<string[]>;
}

/**
 * Creates the IndexedDB-backed cache. The database is opened lazily on first use, so merely
 * importing or constructing this in an environment without IndexedDB (Node) does not throw.
 */
export function createIdbModelCache(dbName = MODEL_DB_NAME, storeName = MODEL_STORE_NAME): IdbModelCache {
  let store: UseStore | undefined;
  const useStore = (): UseStore => (store ??= createStore(dbName, storeName));
  return {
    async get(key) {
      const v: unknown = await get(key, useStore());
      // Anything else (an old format, a partial write) counts as a miss.
      return v instanceof Uint8Array ? v : undefined;
    },
    set: (key, value) => set(key, value, useStore()),
    delete: (key) => del(key, useStore()),
    keys: async () => (await keys(useStore())).map(String),
  };
}
