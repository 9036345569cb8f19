import { describe, expect, test } from 'vitest';
import { startEmbedHost, validateRecipe, type RestoreBackend } from '../../src/embed/host';
import { PROTOCOL } from '../../src/embed/protocol';
import { repairDefaults } from '../../src/stages/repair/meta';

/**
 * Issue 16 item 7: requests the embed page took silently or answered wrongly now get a precise
 * InvalidRequest or VersionError.
 */
describe('validateRecipe', () => {
  test('repair with detect: false (it would return the photo unchanged) is refused', () => {
    expect(() => validateRecipe({ repair: { detect: false } })).toThrow(/detect: false \} runs nothing/);
    expect(() => validateRecipe({ repair: { detect: false }, fade: {} })).toThrow(/detect: false/);
    const d = { detect: true, tears: repairDefaults.tears, texture: repairDefaults.texture };
    expect(validateRecipe({ repair: {} })).toEqual({ repair: d });
    expect(validateRecipe({ repair: { detect: true } })).toEqual({ repair: d });
    expect(validateRecipe({ repair: { tears: true } })).toEqual({ repair: { ...d, tears: true } });
    expect(validateRecipe({ repair: { texture: false } })).toEqual({ repair: { ...d, texture: false } });
    expect(() => validateRecipe({ repair: { tears: 'yes' } })).toThrow('recipe.repair.tears must be true or false');
    expect(() => validateRecipe({ repair: { texture: 0 } })).toThrow('recipe.repair.texture must be true or false');
  });

  test('booleans must be booleans: keepTone "yes" is refused, not read as false', () => {
    expect(() => validateRecipe({ fade: { keepTone: 'yes' } })).toThrow('recipe.fade.keepTone must be true or false, not "yes"');
    expect(() => validateRecipe({ repair: { detect: 1 } })).toThrow('recipe.repair.detect must be true or false, not 1');
    expect(validateRecipe({ fade: { keepTone: true } })).toMatchObject({ fade: { keepTone: true } });
  });
});

/** The host in a fake window: messages in through its listener, replies out through the parent's postMessage. */
function fakeHost(backend: RestoreBackend) {
  const origin = 'https://family.example';
  const replies: { type: string; id?: string; error?: { name: string; message: string } }[] = [];
  let listener: (e: MessageEvent) => void = () => undefined;
  const parent = { postMessage: (m: (typeof replies)[number]) => void replies.push(m) };
  const self = {
    parent,
    addEventListener: (_: string, l: (e: MessageEvent) => void) => (listener = l),
    removeEventListener: () => undefined,
    document: { documentElement: { dataset: {} as Record<string, string> } },
  };
  startEmbedHost({ config: Promise.resolve({ allowedOrigins: [origin] }), backend, self: self as unknown as Window });
  const post = async (data: object) => {
    listener({ source: parent, origin, data } as unknown as MessageEvent);
    await new Promise((r) => setTimeout(r, 0));
  };
  return { replies, post };
}

describe('embed host', () => {
  test('a version given as the string "1" gets a VersionError at once (no wait for a timeout)', async () => {
    const { replies, post } = fakeHost({ restore: () => new Promise(() => undefined) });
    await post({ protocol: PROTOCOL, version: '1', type: 'restore', id: 'job-1', image: new Blob([]) });
    expect(replies.filter((r) => r.type === 'error')).toEqual([
      expect.objectContaining({ id: 'job-1', error: { name: 'VersionError', message: expect.stringMatching(/version 1 \(the number\), not "1"/) } }),
    ]);
  });

  test('a duplicate job id is refused without the running job\'s id, so that job is not failed', async () => {
    const { replies, post } = fakeHost({ restore: () => new Promise(() => undefined) });
    const image = new Blob([new Uint8Array(4)], { type: 'image/png' });
    await post({ protocol: PROTOCOL, version: 1, type: 'restore', id: 'job-1', image });
    await post({ protocol: PROTOCOL, version: 1, type: 'restore', id: 'job-1', image });
    const errors = replies.filter((r) => r.type === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.id).toBeUndefined();
    expect(errors[0]!.error).toEqual({ name: 'InvalidRequest', message: expect.stringMatching(/Job id "job-1" is already in use by a job in progress/) });
  });

  test('an invalid recipe is an InvalidRequest naming the field', async () => {
    const { replies, post } = fakeHost({ restore: () => new Promise(() => undefined) });
    await post({ protocol: PROTOCOL, version: 1, type: 'restore', id: 'job-2', image: new Blob([]), recipe: { fade: { keepTone: 'yes' } } });
    expect(replies.find((r) => r.type === 'error')).toMatchObject({ id: 'job-2', error: { name: 'InvalidRequest', message: expect.stringContaining('recipe.fade.keepTone') } });
  });
});
