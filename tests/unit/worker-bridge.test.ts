import { describe, expect, test } from 'vitest';
import { progressCallback } from '../../src/app/worker-bridge';

describe('progressCallback', () => {
  test('returns nothing Comlink would have to clone, whatever the handler returns', () => {
    // A Svelte 5 handler `(p) => (progress = p)` returns the state's Proxy; cloning one throws.
    const svelteLike = (p: object) => new Proxy(p, {});
    expect(() => structuredClone(svelteLike({}))).toThrow();
    const seen: unknown[] = [];
    const callback = progressCallback((p) => (seen.push(p), svelteLike(p)));
    const returned = callback({ stage: 'Upscaling', done: 1, total: 4 });
    expect(seen).toEqual([{ stage: 'Upscaling', done: 1, total: 4 }]);
    expect(returned).toBeUndefined();
    expect(() => structuredClone(returned)).not.toThrow();
  });
});
