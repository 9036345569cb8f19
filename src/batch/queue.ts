/**
 * The batch queue: framework-free, so the same state machine runs in the page and in unit tests.
 *
 *   queued --start--> running --ok--> done
 *                        |  \--error--> failed --retry--> queued
 *                        \--pause/remove (abort)--> queued
 *
 * Items run one at a time, in the order they were added. Every transition is written to the
 * BatchStore before the next one starts, so a reload or crash resumes where it stopped: an item
 * found "running" at load time was interrupted and goes back to "queued" (after repeated
 * unexplained interruptions it fails instead, so one photo that crashes the tab cannot block the
 * batch; a reload or a closed tab, which the page remembers, does not count).
 */
import type { Progress } from '../core/pipeline/progress';
import { recipeSuffix, stageOrder, type Recipe } from '../stages';
import type { RecipeRequest } from '../stages/auto';
import type { StageNote } from '../core/pipeline/stage';
import type { BatchItem, BatchMeta, BatchStatus, BatchStore } from './store';

export interface RunResult {
  blob: Blob;
  width: number;
  height: number;
  /** What stages decided on their own (colorize skipped a colour photo, ...). */
  notes?: StageNote[];
  /** With the Auto recipe: the stages the analysis chose for this photo, with their reasons. */
  analysis?: { reasons: Partial<Record<string, string>> };
  /** The recipe that ran (with Auto, this photo's own). */
  recipe?: Recipe;
}

/** Runs one photo through the recipe (the page passes WorkerBridge.restore). */
export type BatchRunner = (item: BatchItem, recipe: RecipeRequest, onProgress: (p: Progress) => void, signal: AbortSignal) => Promise<RunResult>;

/** What the UI shows for one item (no Blobs to copy around). */
export interface BatchItemView {
  id: string;
  name: string;
  status: BatchStatus;
  message?: string;
  width?: number;
  height?: number;
  progress?: Progress;
}

export interface BatchSnapshot {
  items: BatchItemView[];
  /** The queue is working (or will resume after a reload). */
  running: boolean;
  recipe?: RecipeRequest;
  counts: Record<BatchStatus, number>;
  /** Why the queue stopped by itself (e.g. storage full), until the next start. */
  error?: string;
}

/** After this many interrupted runs of the same item (page closed or crashed), it fails. */
export const MAX_INTERRUPTIONS = 2;

export class BatchQueue {
  private items: BatchItem[] = [];
  private meta: BatchMeta = { running: false, nextSeq: 0 };
  private progress = new Map<string, Progress>();
  private listeners = new Set<(s: BatchSnapshot) => void>();
  private loop: Promise<void> | null = null;
  private current: { id: string; controller: AbortController } | null = null;
  private loaded: Promise<void> | null = null;
  private error: string | undefined;

  constructor(
    private store: BatchStore,
    private runner: BatchRunner,
    private newId: () => string = () => crypto.randomUUID(),
    /** The item that was running when the page was last left normally (a reload, not a crash). */
    private leftWhileRunning: () => string | undefined = () => undefined,
  ) {}

  /** The item being restored now, if any. */
  get runningId(): string | undefined {
    return this.current?.id;
  }

  /** Reads the persisted queue; resumes it when it was running at the time the page went away. */
  load(): Promise<void> {
    return (this.loaded ??= this.doLoad());
  }

  private async doLoad(): Promise<void> {
    this.meta = { running: false, nextSeq: 0, ...(await this.store.meta()) };
    this.items = await this.store.items();
    const leftNormally = this.leftWhileRunning();
    for (const item of this.items) {
      if (item.status !== 'running') continue;
      // A reload or a closed tab is not the photo's fault: only unexplained stops count.
      if (item.id !== leftNormally) item.interruptions = (item.interruptions ?? 0) + 1;
      if ((item.interruptions ?? 0) >= MAX_INTERRUPTIONS) {
        item.status = 'failed';
        item.message = `The tab stopped unexpectedly ${item.interruptions} times while restoring this photo (a crash, or the browser ran out of memory; reloading or closing the tab does not count), so it was set aside for the others. Retry it on its own.`;
      } else {
        item.status = 'queued';
      }
      await this.store.put(item);
    }
    if (this.items.length) this.meta.nextSeq = Math.max(this.meta.nextSeq, this.items[this.items.length - 1]!.seq + 1);
    this.emit();
    if (this.meta.running) void this.start().catch(() => undefined);
  }

  subscribe(fn: (s: BatchSnapshot) => void): () => void {
    this.listeners.add(fn);
    fn(this.snapshot());
    return () => this.listeners.delete(fn);
  }

  snapshot(): BatchSnapshot {
    const counts: Record<BatchStatus, number> = { queued: 0, running: 0, done: 0, failed: 0 };
    const items = this.items.map((i): BatchItemView => {
      counts[i.status]++;
      const v: BatchItemView = { id: i.id, name: i.name, status: i.status };
      if (i.message !== undefined) v.message = i.message;
      if (i.width !== undefined) v.width = i.width;
      if (i.height !== undefined) v.height = i.height;
      const p = this.progress.get(i.id);
      if (p) v.progress = p;
      return v;
    });
    const s: BatchSnapshot = { items, running: this.meta.running, counts };
    if (this.meta.recipe) s.recipe = this.meta.recipe;
    if (this.error) s.error = this.error;
    return s;
  }

  /** The stored items (with their Blobs), in queue order. */
  all(): readonly BatchItem[] {
    return this.items;
  }

  get running(): boolean {
    return this.meta.running;
  }

  /** Adds photos at the end of the queue, each stored before this resolves. */
  async add(files: { name: string; blob: Blob }[]): Promise<BatchItem[]> {
    await this.load();
    const added: BatchItem[] = [];
    for (const f of files) {
      const item: BatchItem = {
        id: this.newId(),
        seq: this.meta.nextSeq++,
        name: f.name,
        original: f.blob,
        status: 'queued',
        interruptions: 0,
        failures: 0,
      };
      await this.store.put(item);
      this.items.push(item);
      added.push(item);
    }
    await this.store.setMeta(this.meta);
    this.emit();
    if (this.meta.running && !this.loop) void this.start().catch(() => undefined);
    return added;
  }

  /** The recipe every item runs with; it can only change while the queue is stopped. */
  async setRecipe(recipe: RecipeRequest): Promise<void> {
    await this.load();
    if (this.meta.running) throw new Error('Pause the batch before changing its settings.');
    this.meta.recipe = recipe;
    await this.store.setMeta(this.meta);
    this.emit();
  }

  /** Starts (or resumes) working through the queued items; resolves when it stops. */
  async start(recipe?: RecipeRequest): Promise<void> {
    await this.load();
    if (recipe && !this.meta.running) this.meta.recipe = recipe;
    if (!this.meta.recipe) throw new Error('Choose what to do with the photos first.');
    this.error = undefined;
    if (!this.meta.running) {
      this.meta.running = true;
      await this.store.setMeta(this.meta);
      this.emit();
    }
    this.loop ??= this.runLoop()
      .catch((e) => {
        // Storage failed (quota, private mode): stop, say why; what was saved is still there.
        this.meta.running = false;
        this.error = `The batch stopped: ${errorMessage(e)}`;
        void this.store.setMeta(this.meta).catch(() => undefined);
      })
      .finally(() => {
        this.loop = null;
        this.emit();
      });
    return this.loop;
  }

  /** Stops after aborting the item in progress, which goes back to "queued" (nothing is lost). */
  async pause(): Promise<void> {
    await this.load();
    this.meta.running = false;
    await this.store.setMeta(this.meta);
    this.current?.controller.abort(new DOMException('Paused', 'AbortError'));
    this.emit();
    await this.loop;
  }

  async retry(id: string): Promise<void> {
    await this.load();
    const item = this.items.find((i) => i.id === id);
    if (!item || item.status !== 'failed') return;
    await this.requeue([item]);
  }

  async retryFailed(): Promise<void> {
    await this.load();
    await this.requeue(this.items.filter((i) => i.status === 'failed'));
  }

  private async requeue(items: BatchItem[]): Promise<void> {
    for (const item of items) {
      item.status = 'queued';
      delete item.message;
      item.interruptions = 0;
      await this.store.put(item);
    }
    this.emit();
    if (this.meta.running && !this.loop) void this.start().catch(() => undefined);
  }

  /** Removes items (aborting the one in progress if it is among them). */
  async remove(ids: string[]): Promise<void> {
    await this.load();
    const gone = new Set(ids);
    if (this.current && gone.has(this.current.id)) this.current.controller.abort(new DOMException('Removed', 'AbortError'));
    this.items = this.items.filter((i) => !gone.has(i.id));
    for (const id of ids) this.progress.delete(id);
    if (ids.length) await this.store.delete(ids);
    this.emit();
  }

  /** Empties the queue (stops first). */
  async clear(): Promise<void> {
    await this.pause();
    await this.remove(this.items.map((i) => i.id));
  }

  /** Resolves when the queue stops working (empty, paused or idle). */
  async idle(): Promise<void> {
    await this.load();
    while (this.loop) await this.loop;
  }

  private async runLoop(): Promise<void> {
    while (this.meta.running) {
      const item = this.items.find((i) => i.status === 'queued');
      if (!item) {
        this.meta.running = false;
        await this.store.setMeta(this.meta);
        break;
      }
      const recipe = this.meta.recipe!;
      item.status = 'running';
      delete item.message;
      await this.store.put(item);
      const controller = new AbortController();
      this.current = { id: item.id, controller };
      this.progress.set(item.id, { stage: 'Waiting for the worker', done: 0, total: 1 });
      this.emit();
      try {
        const r = await this.runner(item, recipe, (p) => {
          if (controller.signal.aborted) return;
          this.progress.set(item.id, p);
          this.emit();
        }, controller.signal);
        controller.signal.throwIfAborted();
        item.status = 'done';
        item.result = r.blob;
        item.width = r.width;
        item.height = r.height;
        item.suffix = recipeSuffix(recipe === 'auto' ? (r.recipe ?? {}) : recipe);
        const said = summarizeRun(r);
        if (said) item.message = said;
      } catch (e) {
        if (controller.signal.aborted) {
          item.status = 'queued';
        } else {
          item.status = 'failed';
          item.message = errorMessage(e);
          item.failures = (item.failures ?? 0) + 1;
        }
      } finally {
        this.current = null;
        this.progress.delete(item.id);
      }
      // A removed item is not written back.
      if (this.items.includes(item)) await this.store.put(item);
      this.emit();
    }
  }

  private emit(): void {
    if (!this.listeners.size) return;
    const s = this.snapshot();
    for (const fn of this.listeners) fn(s);
  }
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (typeof e === 'object' && e && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}

/**
 * What a finished photo's line says: with Auto the stages chosen and why, and those it left off
 * and why; then any stage that left the photo alone ("Colorize skipped: the photo already has
 * colour", "fade: not faded and no colour cast: left as it is").
 */
export function summarizeRun(r: RunResult): string | undefined {
  const parts: string[] = [];
  // The capture step says when it straightened a print (a photo without one is not worth a word).
  for (const n of r.notes ?? []) if (n.stage === 'capture' && !n.skipped) parts.push(`Photo of a print: ${n.message}`);
  if (r.analysis && r.recipe) {
    const { reasons } = r.analysis;
    const on = stageOrder.filter((s) => r.recipe![s.key]).map((s) => s.key);
    const off = stageOrder.filter((s) => !r.recipe![s.key] && reasons[s.key]).map((s) => s.key);
    parts.push(on.length ? `Auto: ${on.map((k) => `${k} (${reasons[k] ?? ''})`).join('; ')}` : 'Auto: nothing needed');
    if (off.length) parts.push(`Left off: ${off.map((k) => `${k} (${reasons[k]})`).join('; ')}`);
  }
  for (const n of r.notes ?? []) {
    if (n.stage === 'input') parts.push(n.message); // about the file itself (a multi-page TIFF)
    else if (n.skipped && n.stage === 'colorize') parts.push(`Colorize ${n.message}`);
    else if (n.skipped && n.stage !== 'capture') parts.push(`${n.stage}: ${n.message}`);
  }
  return parts.length ? parts.join('. ') : undefined;
}
