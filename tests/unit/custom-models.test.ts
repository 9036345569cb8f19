import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import {
  MODEL_PRESETS,
  CustomModelError,
  checkInspection,
  createIdbCustomModelStore,
  expectationsOf,
  listCustomUpscalers,
  manifestFromJson,
  manifestFromPreset,
  removeCustomModel,
  saveCustomModel,
  type ModelInspection,
} from '../../src/core/models/custom-models';
import { MemoryModelCache, loadModelBytes } from '../../src/core/models/loader';
import { sha256Hex } from '../../src/core/models/sha256';
import { upscaleManifests, upscaleModelFor } from '../../src/stages/upscale/meta';

const preset = MODEL_PRESETS[0]!;
const expectPreset = { ...preset, what: 'the preset' };
const rgb2x: ModelInspection = {
  inputs: [{ name: 'input', shape: [1, 3, 'h', 'w'], type: 'float32' }],
  outputs: [{ name: 'output', shape: [1, 3, 'h2', 'w2'], type: 'float32' }],
  probe: { input: [1, 3, 8, 8], outputs: { output: [1, 3, 16, 16] } },
};

describe('checkInspection', () => {
  it('accepts an RGB x2 upscaler and measures its scale', () => {
    expect(checkInspection(rgb2x, expectPreset)).toEqual({ input: 'input', output: 'output', scale: 2 });
  });

  it('explains a wrong channel count with the actual shape', () => {
    const gray: ModelInspection = { ...rgb2x, inputs: [{ name: 'x', shape: [1, 1, 'h', 'w'], type: 'float32' }] };
    expect(() => checkInspection(gray, expectPreset)).toThrow("This model's input is 1x1xhxw, but the preset expects 3 colour channels (1x3xHxW).");
  });

  it('rejects other ranks, several inputs, a failed probe and a wrong scale', () => {
    expect(() => checkInspection({ ...rgb2x, inputs: [{ name: 'x', shape: [3, 64], type: 'float32' }] }, expectPreset)).toThrow(/3x64, but the preset expects 4 dimensions/);
    expect(() => checkInspection({ ...rgb2x, inputs: [rgb2x.inputs[0]!, { name: 'y', shape: [1], type: 'float32' }] }, expectPreset)).toThrow(/2 inputs/);
    expect(() => checkInspection({ ...rgb2x, probe: { error: 'boom' } }, expectPreset)).toThrow(/failed on a small 1x3x8x8 test image: boom/);
    expect(() => checkInspection({ ...rgb2x, probe: { input: [1, 3, 8, 8], outputs: { output: [1, 3, 24, 24] } } }, expectPreset)).toThrow(/turns a 8x8 image into 24x24.*2x or 4x/);
    expect(() => checkInspection({ ...rgb2x, inputs: [{ name: 'x', shape: [1, 3, 'h', 'w'], type: 'uint8' }] }, expectPreset)).toThrow(CustomModelError);
  });
});

describe('custom model manifests and storage', () => {
  const bytes = new Uint8Array([1, 2, 3, 4, 5]);

  it('builds a valid manifest from a preset; the loader finds the bytes in the cache with no network', async () => {
    const sha = await sha256Hex(bytes);
    const m = manifestFromPreset(preset, { name: 'My Model.onnx', sha256: sha, size: 5 }, checkInspection(rgb2x, expectPreset));
    expect(m).toMatchObject({
      id: `user-${sha.slice(0, 12)}`, label: 'My Model ×2', task: 'upscale', scale: 2, license: 'user-supplied',
      source: { description: 'Added by the user from My Model.onnx' }, input: { range: [0, 1], channels: 3 },
    });
    const store = createIdbCustomModelStore('custom-test-1');
    const cache = new MemoryModelCache();
    await saveCustomModel(bytes, m, { store, cache });
    expect(await store.list()).toEqual([m]);
    expect(await listCustomUpscalers(store)).toEqual([m]);
    const noFetch = (() => Promise.reject(new Error('no network'))) as unknown as typeof fetch;
    expect(await loadModelBytes(m, '/models/upscale/', { cache, fetch: noFetch })).toEqual(bytes);

    // The Upscale stage resolves the custom id from the manifest carried in the recipe.
    expect(upscaleModelFor({ scale: 2, quality: `custom:${m.id}`, model: m })).toEqual(m);
    expect(() => upscaleModelFor({ scale: 2, quality: 'custom:user-gone' })).toThrow(/not installed/);

    await removeCustomModel(m.id, { store, cache, builtIn: upscaleManifests });
    expect(await store.list()).toEqual([]);
    expect(cache.entries.size).toBe(0);
  });

  it('takes a manifest JSON only when it describes these very bytes', async () => {
    const sha = await sha256Hex(bytes);
    const file = { name: 'm.onnx', sha256: sha, size: 5 };
    const json = { ...upscaleManifests[0]!, id: 'my-x2', sha256: sha, size: 5 };
    const m = manifestFromJson(JSON.stringify(json), file);
    expect(m.id).toBe('my-x2');
    expect(expectationsOf(m)).toMatchObject({ channels: 3, scales: [2], inputName: 'input', outputName: 'output' });
    expect(() => manifestFromJson('{', file)).toThrow(/not valid JSON/);
    expect(() => manifestFromJson(JSON.stringify({ ...json, size: 6 }), file)).toThrow(/describes another file/);
    expect(() => manifestFromJson(JSON.stringify({ ...json, sha256: 'a'.repeat(64) }), file)).toThrow(/does not match/);
    expect(() => manifestFromJson(JSON.stringify({ ...json, license: '' }), file)).toThrow(/license/);
  });

  it('keeps bytes another manifest still uses', async () => {
    const store = createIdbCustomModelStore('custom-test-2');
    const cache = new MemoryModelCache();
    const sha = await sha256Hex(bytes);
    const a = manifestFromPreset(preset, { name: 'a.onnx', sha256: sha, size: 5 }, checkInspection(rgb2x, expectPreset));
    const b = { ...a, id: 'other-id' };
    await saveCustomModel(bytes, a, { store, cache });
    await saveCustomModel(bytes, b, { store, cache });
    await removeCustomModel(a.id, { store, cache, builtIn: [] });
    expect(cache.entries.size).toBe(1);
    await removeCustomModel(b.id, { store, cache, builtIn: [] });
    expect(cache.entries.size).toBe(0);
  });
});
