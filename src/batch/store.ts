/**
 * Persistence for the batch queue: every item (its original Blob, never modified, its status
 * and its result) and the batch's settings live in IndexedDB, so a reload or a crash loses
 * nothing. The queue logic (queue.ts) only sees the BatchStore interface; tests use the
 * in-memory store or fake-indexeddb.
 */
import { createStore, del, delMany, entries, get, set, type UseStore } from 'idb-keyval';
import type { RecipeRequest } from '../stages/auto';

export const BATCH_DB_NAME = 'heirloom-batch';
export const BATCH_STORE_NAME = 'items';

export type BatchStatus = 'queued' | 'running' | 'done' | 'failed';

export interface BatchItem {
  id: string;
  /** Position in the queue (items run in this order). */
  seq: number;
  /** The file name as chosen (for a folder: its path inside the folder). */
  name: string;
  /** The photo exactly as chosen. Never modified. */
  original: Blob;
  status: BatchStatus;
  /** Why it failed (status 'failed'), in the worker's words. */
  message?: string;
  /** The restored PNG (status 'done'). */
  result?: Blob;
  width?: number;
  height?: number;
  /** The recipe's file-name suffix the result was made with, e.g. "-heirloom-x2". */
  suffix?: string;
  /** How many times the page closed or crashed while this item was running. */
  interruptions: number;
  /** Finished runs that failed (retries count up). */
  failures: number;
}

export interface BatchMeta {
  /** The recipe chosen once for the whole batch. */
  recipe?: RecipeRequest;
  /** True while the queue is meant to be working: a reload resumes it. */
  running: boolean;
  /** The next item's seq. */
  nextSeq: number;
}

export interface BatchStore {
  items(): Promise<BatchItem[]>;
  put(item: BatchItem): Promise<void>;
  delete(ids: string[]): Promise<void>;
  meta(): Promise<BatchMeta | undefined>;
  setMeta(meta: BatchMeta): Promise<void>;
}

const ITEM = 'item:';
const META = 'meta';

/** The IndexedDB store (opened lazily: importing this in Node does not touch IndexedDB). */
export function createIdbBatchStore(dbName = BATCH_DB_NAME, storeName = BATCH_STORE_NAME): BatchStore {
  let store: UseStore | undefined;
  const s = (): UseStore => (store ??= createStore(dbName, storeName));
  return {
    async items() {
      const all = await entries<IDBValidKey, unknown>(s());
      return all
        .filter(([k, v]) => typeof k === 'string' && k.startsWith(ITEM) && isItem(v))
        .map(([, v]) => v as BatchItem)
        .sort((a, b) => a.seq - b.seq);
    },
    put: (item) => set(ITEM + item.id, item, s()),
    delete: (ids) => (ids.length === 1 ? del(ITEM + ids[0], s()) : delMany(ids.map((id) => ITEM + id), s())),
    meta: () => get<BatchMeta>(META, s()),
    setMeta: (meta) => set(META, meta, s()),
  };
}

/** In-memory store for tests; copies on the way in and out like IndexedDB would. */
export class MemoryBatchStore implements BatchStore {
  readonly map = new Map<string, BatchItem>();
  private m: BatchMeta | undefined;
  async items() {
    return [...this.map.values()].map((i) => ({ ...i })).sort((a, b) => a.seq - b.seq);
  }
  async put(item: BatchItem) {
    this.map.set(item.id, { ...item });
  }
  async delete(ids: string[]) {
    for (const id of ids) this.map.delete(id);
  }
  async meta() {
    return this.m && structuredClone(this.m);
  }
  async setMeta(meta: BatchMeta) {
    this.m = structuredClone(meta);
  }
}

function isItem(v: unknown): v is BatchItem {
  const i = v as BatchItem;
  return typeof i === 'object' && i !== null && typeof i.id === 'string' && typeof i.seq === 'number' && i.original instanceof Blob;
}
