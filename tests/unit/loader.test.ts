import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MemoryModelCache,
  ModelDownloadError,
  ModelIntegrityError,
  loadModelBytes,
  resolveModelUrl,
} from '../../src/core/models/loader';
import { sha256Hex } from '../../src/core/models/sha256';
import type { ModelManifest } from '../../src/core/models/types';

const FILE = new Uint8Array(100_003).map((_, i) => (i * 31 + (i >> 8)) & 255);
const SHA = createHash('sha256').update(FILE).digest('hex');

const manifest: ModelManifest = {
  id: 'test-model',
  label: 'Test',
  task: 'upscale',
  file: 'test-model.onnx',
  sha256: SHA,
  size: FILE.byteLength,
  input: { name: 'in', layout: 'NCHW', channels: 3, range: [0, 1] },
  output: { name: 'out', layout: 'NCHW', channels: 3, range: [0, 1] },
  scale: 2,
  tile: { size: 64, overlap: 8 },
  precision: 'fp32',
  source: { description: 'test' },
  license: 'MIT',
};

/** A fake fetch serving `body` in uneven chunks; records the URLs it was asked for. */
function fakeFetch(body: Uint8Array, status = 200, chunk = 7_777) {
  const calls: string[] = [];
  const fn = (async (input: RequestInfo | URL) => {
    calls.push(String(input));
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= body.byteLength) return controller.close();
        const size = Math.min(chunk + (offset % 3), body.byteLength - offset);
        controller.enqueue(body.slice(offset, offset + size));
        offset += size;
      },
    });
    return new Response(status === 200 ? stream : 'not found', {
      status,
      statusText: status === 404 ? 'Not Found' : '',
    });
  }) as typeof fetch;
  return { fn, calls };
}

describe('sha256Hex', () => {
  it('matches node:crypto for ArrayBuffer and Uint8Array views', async () => {
    expect(await sha256Hex(FILE)).toBe(SHA);
    expect(await sha256Hex(FILE.buffer)).toBe(SHA);
    const view = FILE.subarray(10, 20);
    expect(await sha256Hex(view)).toBe(createHash('sha256').update(view).digest('hex'));
    expect(await sha256Hex(new Uint8Array(0))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});

describe('loadModelBytes', () => {
  it('streams with monotonic progress up to the manifest size and returns the right bytes', async () => {
    const { fn, calls } = fakeFetch(FILE);
    const progress: [number, number][] = [];
    const bytes = await loadModelBytes(manifest, 'https://example.test/models/', {
      fetch: fn,
      onProgress: (l, t) => progress.push([l, t]),
    });
    expect(calls).toEqual(['https://example.test/models/test-model.onnx']);
    expect(Buffer.from(bytes).equals(Buffer.from(FILE))).toBe(true);
    expect(progress.length).toBeGreaterThan(5);
    for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThan(progress[i - 1]![0]);
    expect(progress.every(([, t]) => t === FILE.byteLength)).toBe(true);
    expect(progress.at(-1)).toEqual([FILE.byteLength, FILE.byteLength]);
  });

  it('refuses a one-byte-altered file with ModelIntegrityError and does not cache it', async () => {
    const bad = FILE.slice();
    bad[5000] ^= 1;
    const cache = new MemoryModelCache();
    const err = await loadModelBytes(manifest, 'https://example.test/models', { fetch: fakeFetch(bad).fn, cache }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelIntegrityError);
    expect((err as Error).message).toMatch(/test-model\.onnx.*corrupt or was modified.*expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}.*reload/);
    expect(cache.entries.size).toBe(0);
  });

  it('refuses truncated and oversized files', async () => {
    for (const body of [FILE.subarray(0, FILE.length - 1), new Uint8Array(FILE.length + 10)]) {
      const cache = new MemoryModelCache();
      await expect(loadModelBytes(manifest, 'https://x.test/', { fetch: fakeFetch(body).fn, cache })).rejects.toThrow(
        ModelIntegrityError,
      );
      expect(cache.entries.size).toBe(0);
    }
  });

  it('caches verified bytes by sha256 and serves a cache hit without the network', async () => {
    const cache = new MemoryModelCache();
    await loadModelBytes(manifest, 'https://x.test/', { fetch: fakeFetch(FILE).fn, cache });
    expect([...cache.entries.keys()]).toEqual([SHA]);

    const offline = fakeFetch(FILE);
    const progress: number[] = [];
    const bytes = await loadModelBytes(manifest, 'https://x.test/', {
      fetch: offline.fn,
      cache,
      onProgress: (l) => progress.push(l),
    });
    expect(offline.calls).toHaveLength(0);
    expect(Buffer.from(bytes).equals(Buffer.from(FILE))).toBe(true);
    expect(progress).toEqual([FILE.byteLength]);
  });

  it('deletes a corrupted cache entry and refetches', async () => {
    const cache = new MemoryModelCache();
    const rotten = FILE.slice();
    rotten[0] ^= 0xff;
    await cache.set(SHA, rotten);
    const { fn, calls } = fakeFetch(FILE);
    const bytes = await loadModelBytes(manifest, 'https://x.test/', { fetch: fn, cache });
    expect(calls).toHaveLength(1);
    expect(Buffer.from(bytes).equals(Buffer.from(FILE))).toBe(true);
    expect(Buffer.from((await cache.get(SHA))!).equals(Buffer.from(FILE))).toBe(true);
  });

  it('gives a clear error with the HTTP status', async () => {
    const err = await loadModelBytes(manifest, 'https://x.test/models/', { fetch: fakeFetch(FILE, 404).fn }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelDownloadError);
    expect((err as ModelDownloadError).status).toBe(404);
    expect((err as Error).message).toContain('HTTP 404 Not Found');
    expect((err as Error).message).toContain('https://x.test/models/test-model.onnx');
    expect((err as Error).message).toContain('test-model');
  });

  it('wraps network failures and passes aborts through', async () => {
    const failing = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    await expect(loadModelBytes(manifest, 'https://x.test/', { fetch: failing })).rejects.toThrow(/network error \(fetch failed\)/);

    const controller = new AbortController();
    const progress: number[] = [];
    const err = await loadModelBytes(manifest, 'https://x.test/', {
      fetch: fakeFetch(FILE).fn,
      signal: controller.signal,
      onProgress: (l) => {
        progress.push(l);
        if (progress.length === 2) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(progress).toHaveLength(2);
  });

  it('resolves file names against absolute and relative base URLs', () => {
    expect(resolveModelUrl('a.onnx', 'https://h.test/m')).toBe('https://h.test/m/a.onnx');
    expect(resolveModelUrl('a.onnx', '/models/')).toBe('/models/a.onnx');
  });
});
