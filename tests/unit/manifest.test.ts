import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManifestError, validateManifest } from '../../src/core/models/manifest';

const valid = () => ({
  id: 'esrgan-medium-x2',
  label: 'ESRGAN medium ×2',
  task: 'upscale',
  file: 'esrgan-medium-x2.onnx',
  sha256: 'a'.repeat(64),
  size: 1234,
  input: { name: 'input', layout: 'NCHW', channels: 3, range: [0, 255] },
  output: { name: 'output', layout: 'NCHW', channels: 3, range: [0, 1] },
  scale: 2,
  tile: { size: 128, overlap: 16 },
  precision: 'fp32',
  source: { package: '@upscalerjs/esrgan-medium', version: '1.0.0', description: 'converted from tfjs' } as {
    package?: string;
    version?: string;
    url?: string;
    description: string;
  },
  license: 'MIT',
  card: 'models/cards/esrgan-medium.md',
});

type M = ReturnType<typeof valid> & Record<string, unknown>;

function expectFieldError(mutate: (m: M) => void, field: string, hint?: RegExp): void {
  const m = valid() as M;
  mutate(m);
  let err: unknown;
  try {
    validateManifest(m);
  } catch (e) {
    err = e;
  }
  expect(err, `expected an error for ${field}`).toBeInstanceOf(ManifestError);
  expect((err as ManifestError).field).toBe(field);
  expect((err as Error).message).toContain(`"${field}"`);
  if (hint) expect((err as Error).message).toMatch(hint);
}

describe('validateManifest', () => {
  it('accepts a valid manifest and returns an equal, clean copy', () => {
    const m = valid();
    const out = validateManifest({ ...m, extra: 'dropped' });
    expect(out).toEqual(m);
  });

  it('accepts a manifest without the optional fields', () => {
    const m = valid() as Partial<M>;
    delete m.card;
    m.source = { description: 'hand made' };
    expect(validateManifest(m).source).toEqual({ description: 'hand made' });
  });

  it('rejects non-objects', () => {
    expect(() => validateManifest(null)).toThrow(/must be an object/);
    expect(() => validateManifest([1])).toThrow(ManifestError);
  });

  it('names each invalid field', () => {
    expectFieldError((m) => delete (m as Partial<M>).id, 'id', /missing/);
    expectFieldError((m) => (m.id = 'bad id/..'), 'id');
    expectFieldError((m) => (m.label = ''), 'label');
    expectFieldError((m) => (m.task = 'sharpen'), 'task', /one of upscale/);
    expectFieldError((m) => (m.file = '../secret.onnx'), 'file');
    expectFieldError((m) => (m.file = 'https://evil.example/x.onnx'), 'file');
    expectFieldError((m) => (m.sha256 = 'xyz'), 'sha256', /64 lower-case hex/);
    expectFieldError((m) => (m.sha256 = 'A'.repeat(64)), 'sha256', /lower-case/);
    expectFieldError((m) => (m.sha256 = 'a'.repeat(63)), 'sha256');
    expectFieldError((m) => (m.size = 0), 'size', /positive integer/);
    expectFieldError((m) => (m.size = 1.5), 'size');
    expectFieldError((m) => (m.scale = 0), 'scale', /positive/);
    expectFieldError((m) => (m.scale = -2), 'scale');
    expectFieldError((m) => (m.scale = '2' as unknown as number), 'scale');
    expectFieldError((m) => (m.tile = { size: 0, overlap: 0 }), 'tile.size');
    expectFieldError((m) => (m.tile = { size: 64, overlap: 64 }), 'tile.overlap', /smaller than tile.size/);
    expectFieldError((m) => (m.tile = { size: 64, overlap: -1 }), 'tile.overlap');
    expectFieldError((m) => delete (m as Partial<M>).tile, 'tile', /missing/);
    expectFieldError((m) => (m.input.range = [1, 0]), 'input.range', /lo < hi/);
    expectFieldError((m) => (m.output.range = [0] as unknown as number[]), 'output.range', /two finite numbers/);
    expectFieldError((m) => (m.output.range = [0, 'x'] as unknown as number[]), 'output.range');
    expectFieldError((m) => (m.input.layout = 'NHWC'), 'input.layout');
    expectFieldError((m) => (m.input.name = ''), 'input.name');
    expectFieldError((m) => (m.output.channels = 0), 'output.channels');
    expectFieldError((m) => delete (m as Partial<M>).output, 'output');
    expectFieldError((m) => (m.precision = 'fp64'), 'precision');
    expectFieldError((m) => (m.source = { description: '' } as M['source']), 'source.description');
    expectFieldError((m) => (m.source.url = 42 as unknown as undefined), 'source.url');
    expectFieldError((m) => (m.license = undefined as unknown as string), 'license');
    expectFieldError((m) => (m.card = ''), 'card');
  });

  it('includes the model id and the bad value in the message', () => {
    expect(() => validateManifest({ ...valid(), scale: -3 })).toThrow(
      'Invalid model manifest "esrgan-medium-x2": field "scale" must be a positive number, got -3',
    );
  });
});

describe('shipped manifests', () => {
  const root = join(__dirname, '..', '..');
  const stages = readdirSync(join(root, 'src', 'stages')).filter((s) => existsSync(join(root, 'src', 'stages', s, 'models.json')));
  it.each(stages)('every %s model points at a model card that exists', (stage) => {
    const manifests = JSON.parse(readFileSync(join(root, 'src', 'stages', stage, 'models.json'), 'utf8')) as { id: string; card: string }[];
    expect(manifests.length).toBeGreaterThan(0);
    for (const m of manifests) expect(existsSync(join(root, m.card)), `${m.id}: ${m.card}`).toBe(true);
  });
});
