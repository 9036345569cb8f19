import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { unzipSync, strFromU8 } from 'fflate';
import { BatchQueue, MAX_INTERRUPTIONS, type BatchRunner } from '../../src/batch/queue';
import { MemoryBatchStore, createIdbBatchStore, type BatchStore } from '../../src/batch/store';
import { visibleName } from '../../src/batch/names';
import { zipEntryNames, zipResults } from '../../src/batch/zip';
import type { Recipe } from '../../src/stages';

const recipe: Recipe = { upscale: { scale: 2, quality: 'fast' } };
const photo = (text: string) => ({ name: `${text}.jpg`, blob: new Blob([text]) });
let n = 0;
const ids = () => `id${n++}`;

/** A runner that "restores" by upper-casing the text; "bad" fails; calls are recorded. */
function fakeRunner(opts: { gate?: Promise<void>; calls?: string[] } = {}): BatchRunner {
  return async (item, _recipe, onProgress, signal) => {
    opts.calls?.push(item.name);
    onProgress({ stage: 'Working', done: 0, total: 1 });
    const text = await item.original.text();
    if (opts.gate) await Promise.race([opts.gate, new Promise((_, rej) => signal.addEventListener('abort', () => rej(signal.reason)))]);
    if (text === 'bad') throw new Error('bad.jpg could not be read: it is not an image.');
    return { blob: new Blob([text.toUpperCase()]), width: 2, height: 1 };
  };
}

describe('BatchQueue', () => {
  it('runs items in order, one at a time; a failure does not stop the others', async () => {
    const calls: string[] = [];
    let active = 0;
    let maxActive = 0;
    const inner = fakeRunner({ calls });
    const q = new BatchQueue(new MemoryBatchStore(), async (...a) => {
      active++;
      maxActive = Math.max(maxActive, active);
      try { return await inner(...a); } finally { active--; }
    }, ids);
    await q.add(['a', 'bad', 'c'].map(photo));
    await q.start(recipe);
    expect(calls).toEqual(['a.jpg', 'bad.jpg', 'c.jpg']);
    expect(maxActive).toBe(1);
    const s = q.snapshot();
    expect(s.items.map((i) => i.status)).toEqual(['done', 'failed', 'done']);
    expect(s.items[1]!.message).toContain('could not be read');
    expect(s.running).toBe(false);
    expect(s.counts).toEqual({ queued: 0, running: 0, done: 2, failed: 1 });
    expect(await q.all()[0]!.result!.text()).toBe('A');
    expect(await q.all()[0]!.original.text()).toBe('a');
  });

  it('needs a recipe to start', async () => {
    const q = new BatchQueue(new MemoryBatchStore(), fakeRunner(), ids);
    await q.add([photo('a')]);
    await expect(q.start()).rejects.toThrow(/Choose/);
  });

  it('retries one failed item or all of them', async () => {
    const q = new BatchQueue(new MemoryBatchStore(), fakeRunner(), ids);
    const [, bad1, , bad2] = await q.add(['a', 'bad', 'b', 'bad'].map(photo));
    await q.start(recipe);
    expect(q.snapshot().counts.failed).toBe(2);
    // Make the "bad" ones good, then retry.
    bad1!.original = new Blob(['x']);
    bad2!.original = new Blob(['y']);
    await q.retry(bad1!.id);
    expect(q.snapshot().items[1]!.status).toBe('queued');
    expect(q.snapshot().items[1]!.message).toBeUndefined();
    await q.start();
    expect(q.snapshot().items.map((i) => i.status)).toEqual(['done', 'done', 'done', 'failed']);
    await q.retryFailed();
    await q.start();
    expect(q.snapshot().counts).toEqual({ queued: 0, running: 0, done: 4, failed: 0 });
  });

  it('pause aborts the item in progress, which goes back to queued; resume finishes', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const calls: string[] = [];
    const q = new BatchQueue(new MemoryBatchStore(), fakeRunner({ gate, calls }), ids);
    await q.add(['a', 'b'].map(photo));
    const run = q.start(recipe);
    await new Promise((r) => setTimeout(r, 10));
    expect(q.snapshot().items[0]!.status).toBe('running');
    expect(q.snapshot().items[0]!.progress?.stage).toBe('Working');
    await q.pause();
    await run;
    expect(q.snapshot().items.map((i) => i.status)).toEqual(['queued', 'queued']);
    expect(q.snapshot().running).toBe(false);
    open();
    await q.start();
    expect(q.snapshot().items.map((i) => i.status)).toEqual(['done', 'done']);
    expect(calls).toEqual(['a.jpg', 'a.jpg', 'b.jpg']);
  });

  it('the recipe cannot change while running', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const q = new BatchQueue(new MemoryBatchStore(), fakeRunner({ gate }), ids);
    await q.add([photo('a')]);
    const run = q.start(recipe);
    await expect(q.setRecipe({ fade: { strength: 1, keepTone: false } })).rejects.toThrow(/Pause/);
    open();
    await run;
    await q.setRecipe({ fade: { strength: 1, keepTone: false } });
    expect(q.snapshot().recipe).toEqual({ fade: { strength: 1, keepTone: false } });
  });

  it('removing the running item aborts it and it is not written back', async () => {
    const gate = new Promise<void>(() => undefined);
    const store = new MemoryBatchStore();
    const q = new BatchQueue(store, fakeRunner({ gate }), ids);
    const [a] = await q.add(['a'].map(photo));
    const run = q.start(recipe);
    await new Promise((r) => setTimeout(r, 10));
    await q.remove([a!.id]);
    await run;
    expect(q.snapshot().items).toEqual([]);
    expect(store.map.size).toBe(0);
  });

  it('adding while running extends the current run', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const q = new BatchQueue(new MemoryBatchStore(), fakeRunner({ gate }), ids);
    await q.add([photo('a')]);
    const run = q.start(recipe);
    await q.add([photo('b')]);
    open();
    await run;
    await q.idle();
    expect(q.snapshot().items.map((i) => i.status)).toEqual(['done', 'done']);
  });
});

describe('BatchQueue persistence (IndexedDB via fake-indexeddb)', () => {
  async function crashMidway(store: BatchStore) {
    // First "page": runs two items, is killed while the third is running.
    const gateAfter = 2;
    let count = 0;
    const q1 = new BatchQueue(store, async (item, r, p, signal) => {
      if (count++ >= gateAfter) await new Promise((_, rej) => signal.addEventListener('abort', () => rej(signal.reason)));
      return fakeRunner()(item, r, p, signal);
    }, ids);
    await q1.add(['a', 'b', 'c', 'd', 'bad'].map(photo));
    void q1.start(recipe);
    for (let i = 0; i < 100 && q1.snapshot().counts.done < 2; i++) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    expect(q1.snapshot().items.map((i) => i.status)).toEqual(['done', 'done', 'running', 'queued', 'queued']);
    // q1 is simply abandoned, as a reload would.
  }

  it('a reload mid-batch resumes where it stopped and loses nothing', async () => {
    const store = createIdbBatchStore('batch-test-1', 'items');
    await crashMidway(store);
    const calls: string[] = [];
    const q2 = new BatchQueue(createIdbBatchStore('batch-test-1', 'items'), fakeRunner({ calls }), ids);
    await q2.load(); // resumes by itself: it was running
    await q2.idle();
    expect(calls).toEqual(['c.jpg', 'd.jpg', 'bad.jpg']);
    const s = q2.snapshot();
    expect(s.items.map((i) => [i.name, i.status])).toEqual([
      ['a.jpg', 'done'], ['b.jpg', 'done'], ['c.jpg', 'done'], ['d.jpg', 'done'], ['bad.jpg', 'failed'],
    ]);
    const stored = q2.all();
    expect(await Promise.all(stored.map((i) => i.original.text()))).toEqual(['a', 'b', 'c', 'd', 'bad']);
    expect(await Promise.all(stored.slice(0, 4).map((i) => i.result!.text()))).toEqual(['A', 'B', 'C', 'D']);

    // The zip holds every result exactly once, named after the originals.
    const zip = unzipSync(new Uint8Array(await (await zipResults(stored)).arrayBuffer()));
    expect(Object.keys(zip)).toEqual(['a-heirloom-x2.png', 'b-heirloom-x2.png', 'c-heirloom-x2.png', 'd-heirloom-x2.png']);
    expect(strFromU8(zip['c-heirloom-x2.png']!)).toBe('C');

    // A third load finds nothing to do and a stopped queue.
    const q3 = new BatchQueue(createIdbBatchStore('batch-test-1', 'items'), fakeRunner(), ids);
    await q3.load();
    expect(q3.snapshot().running).toBe(false);
    expect(q3.snapshot().counts).toEqual({ queued: 0, running: 0, done: 4, failed: 1 });
  });

  it('an item interrupted repeatedly fails instead of blocking the batch', async () => {
    const store = new MemoryBatchStore();
    const q = new BatchQueue(store, fakeRunner(), ids);
    const [a] = await q.add([photo('a')]);
    await store.put({ ...a!, status: 'running', interruptions: MAX_INTERRUPTIONS - 1 });
    const q2 = new BatchQueue(store, fakeRunner(), ids);
    await q2.load();
    expect(q2.snapshot().items[0]!.status).toBe('failed');
    expect(q2.snapshot().items[0]!.message).toMatch(/The tab stopped unexpectedly 2 times while restoring this photo \(a crash, or the browser ran out of memory; reloading or closing the tab does not count\)/);
    expect(q2.snapshot().items[0]!.message).not.toMatch(/too large/);
  });

  it('reloads while a photo runs do not count against it: two reloads leave it queued, two crashes fail it', async () => {
    for (const [how, left, status] of [['reload', true, 'queued'], ['crash', false, 'failed']] as const) {
      const store = new MemoryBatchStore();
      const q = new BatchQueue(store, fakeRunner(), ids);
      const [a] = await q.add([photo('a')]);
      for (let n = 0; n < MAX_INTERRUPTIONS; n++) {
        // The page went away while the photo was running: by a reload (remembered) or a crash.
        await store.put({ ...(await store.items())[0]!, status: 'running' });
        const next = new BatchQueue(store, fakeRunner(), ids, () => (left ? a!.id : undefined));
        await next.load();
      }
      expect((await store.items())[0]!.status, how).toBe(status);
    }
  });
});

describe('zipEntryNames', () => {
  it('replaces control and bidirectional characters, so names keep their extension and show what they are', () => {
    expect(zipEntryNames([
      { name: 'line1\nline2\u2026\0nul.jpg', suffix: '-heirloom-x2' },
      { name: 'photo\u202egpj.exe', suffix: '-heirloom-x2' },
      { name: 'tab\there/\u2066x\u2069.png', suffix: '-heirloom-x2' },
    ])).toEqual(['line1_line2\u2026_nul-heirloom-x2.png', 'photo_gpj-heirloom-x2.png', 'tab_here/_x_-heirloom-x2.png']);
    expect(visibleName('photo\u202egpj.exe')).toBe('photo⟨U+202E⟩gpj.exe');
    expect(visibleName('a\nb\0')).toBe('a⟨U+000A⟩b⟨U+0000⟩');
    expect(visibleName('Grandma 1962 — café.jpg')).toBe('Grandma 1962 — café.jpg');
  });

  it('keeps folder paths, drops "..", and makes names unique', () => {
    expect(zipEntryNames([
      { name: 'scans/1962/grandma.jpg', suffix: '-heirloom-x2' },
      { name: '../evil.png', suffix: '-heirloom' },
      { name: 'grandma.jpg', suffix: '-heirloom-x2' },
      { name: 'GRANDMA.jpeg', suffix: '-heirloom-x2' },
    ])).toEqual(['scans/1962/grandma-heirloom-x2.png', 'evil-heirloom.png', 'grandma-heirloom-x2.png', 'GRANDMA-heirloom-x2 (2).png']);
  });
});

describe('BatchQueue storage failures', () => {
  it('stops and says why when the store cannot save (e.g. quota exceeded)', async () => {
    const store = new MemoryBatchStore();
    const q = new BatchQueue(store, fakeRunner(), ids);
    await q.add([photo('a'), photo('b')]);
    const put = store.put.bind(store);
    store.put = async (item) => {
      if (item.status === 'done') throw new DOMException('Quota exceeded', 'QuotaExceededError');
      return put(item);
    };
    await q.start(recipe);
    const s = q.snapshot();
    expect(s.running).toBe(false);
    expect(s.error).toMatch(/The batch stopped: Quota exceeded/);
    // Nothing is lost: the stored item is still there, and runs again after a reload.
    expect([...store.map.values()].map((i) => i.status)).toEqual(['running', 'queued']);
  });
});
