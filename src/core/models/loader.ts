/**
 * Downloads model weights, verifies them against the manifest (size + sha256) before anyone
 * can use them, and keeps verified copies in a cache keyed by sha256 for offline use.
 * A file that fails verification is never returned and never cached.
 */
import { sha256Hex } from './sha256.js';
import type { ModelManifest } from './types.js';

/** Byte store for verified model files, keyed by their sha256. */
export interface ModelCache {
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
}

/** In-memory ModelCache for tests, Node and the CLI. Stores copies so callers can't mutate it. */
export class MemoryModelCache implements ModelCache {
  readonly entries = new Map<string, Uint8Array>();
  async get(key: string): Promise<Uint8Array | undefined> {
    const v = this.entries.get(key);
    return v && v.slice();
  }
  async set(key: string, value: Uint8Array): Promise<void> {
    this.entries.set(key, value.slice());
  }
  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }
}

/** The downloaded (or cached) bytes don't match the manifest: corrupt, truncated or tampered. */
export class ModelIntegrityError extends Error {
  readonly modelId: string;
  readonly check: 'size' | 'sha256';
  readonly expected: string;
  readonly actual: string;
  constructor(manifest: ModelManifest, check: 'size' | 'sha256', expected: string, actual: string) {
    const what = check === 'size' ? `expected ${expected} bytes, got ${actual}` : `expected sha256 ${expected}, got ${actual}`;
    super(
      `Model file "${manifest.file}" (${manifest.id}) is corrupt or was modified: ${what}. ` +
        'It was not used. Check your connection and reload the page to download it again.',
    );
    this.name = 'ModelIntegrityError';
    this.modelId = manifest.id;
    this.check = check;
    this.expected = expected;
    this.actual = actual;
  }
}

/** The model could not be downloaded (HTTP error or network failure). */
export class ModelDownloadError extends Error {
  readonly modelId: string;
  readonly url: string;
  readonly status?: number;
  constructor(manifest: ModelManifest, url: string, reason: string, status?: number, cause?: unknown) {
    super(
      `Could not download model "${manifest.id}" from ${url}: ${reason}. ` +
        'Check your connection and try again.',
      cause === undefined ? undefined : { cause },
    );
    this.name = 'ModelDownloadError';
    this.modelId = manifest.id;
    this.url = url;
    if (status !== undefined) this.status = status;
  }
}

export interface LoadModelOptions {
  fetch?: typeof fetch;
  cache?: ModelCache;
  /** Bytes received so far against manifest.size. */
  onProgress?: (loaded: number, total: number) => void;
  signal?: AbortSignal;
}

/** Resolves the model file against a base URL, which may be relative ("/models/") in a page. */
export function resolveModelUrl(file: string, baseUrl: string): string {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  try {
    return new URL(file, base).href;
  } catch {
    const loc = (globalThis as { location?: { href: string } }).location;
    if (loc) return new URL(file, new URL(base, loc.href)).href;
    return base + file;
  }
}

function abortError(): DOMException {
  return new DOMException('Aborted', 'AbortError');
}

function isAbort(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'AbortError';
}

/** Throws ModelIntegrityError unless `bytes` matches the manifest's size and sha256. */
export async function verifyModelBytes(manifest: ModelManifest, bytes: Uint8Array): Promise<void> {
  if (bytes.byteLength !== manifest.size) {
    throw new ModelIntegrityError(manifest, 'size', String(manifest.size), String(bytes.byteLength));
  }
  const actual = await sha256Hex(bytes);
  if (actual !== manifest.sha256) throw new ModelIntegrityError(manifest, 'sha256', manifest.sha256, actual);
}

/** Reads a response body chunk by chunk into one buffer, reporting progress. */
async function readBody(
  manifest: ModelManifest,
  response: Response,
  onProgress: LoadModelOptions['onProgress'],
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  const total = manifest.size;
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onProgress?.(bytes.byteLength, total);
    return bytes;
  }
  // Pre-size to the manifest (no repeated growth for 10-100 MB files); stop as soon as the
  // body runs past it, since it can no longer match.
  const buffer = new Uint8Array(total);
  const reader = response.body.getReader();
  let loaded = 0;
  try {
    for (;;) {
      if (signal?.aborted) throw abortError();
      const { done, value } = await reader.read();
      if (done) break;
      if (loaded + value.byteLength > total) {
        throw new ModelIntegrityError(manifest, 'size', String(total), `more than ${total}`);
      }
      buffer.set(value, loaded);
      loaded += value.byteLength;
      onProgress?.(loaded, total);
    }
  } catch (e) {
    // Release the connection; ignore errors from cancelling an already-broken stream.
    await reader.cancel().catch(() => undefined);
    throw e;
  }
  return loaded === total ? buffer : buffer.subarray(0, loaded);
}

/**
 * Returns the verified bytes of `manifest.file`. Cache first (re-verified, since storage can
 * rot or be edited); on a miss or a bad entry, download, verify, then cache.
 */
export async function loadModelBytes(
  manifest: ModelManifest,
  baseUrl: string,
  opts: LoadModelOptions = {},
): Promise<Uint8Array> {
  const { cache, onProgress, signal } = opts;
  const key = manifest.sha256;
  if (signal?.aborted) throw abortError();

  if (cache) {
    const cached = await cache.get(key).catch(() => undefined);
    if (cached) {
      try {
        await verifyModelBytes(manifest, cached);
        onProgress?.(cached.byteLength, manifest.size);
        return cached;
      } catch (e) {
        if (!(e instanceof ModelIntegrityError)) throw e;
        // A bad cache entry is not the user's problem: drop it and download a fresh copy.
        await cache.delete(key).catch(() => undefined);
      }
    }
  }

  const url = resolveModelUrl(manifest.file, baseUrl);
  const fetchFn = opts.fetch ?? globalThis.fetch.bind(globalThis);
  let response: Response;
  try {
    response = await fetchFn(url, signal ? { signal } : {});
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new ModelDownloadError(manifest, url, `network error (${e instanceof Error ? e.message : String(e)})`, undefined, e);
  }
  if (!response.ok) {
    const text = response.statusText ? ` ${response.statusText}` : '';
    throw new ModelDownloadError(manifest, url, `HTTP ${response.status}${text}`, response.status);
  }

  let bytes: Uint8Array;
  try {
    bytes = await readBody(manifest, response, onProgress, signal);
  } catch (e) {
    if (isAbort(e) || e instanceof ModelIntegrityError) throw e;
    throw new ModelDownloadError(manifest, url, `download interrupted (${e instanceof Error ? e.message : String(e)})`, undefined, e);
  }
  await verifyModelBytes(manifest, bytes);

  if (cache) {
    try {
      await cache.set(key, bytes);
    } catch (e) {
      // Caching is an optimisation (e.g. storage quota exceeded); the verified bytes are still good.
      console.warn(`Could not cache model "${manifest.id}" for offline use:`, e);
    }
  }
  return bytes;
}
