/**
 * The command line, end to end: builds dist-cli/ once, then runs bin/heirloom.mjs as a user
 * would, on a temp folder of tiny photos plus broken files.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import exifr from 'exifr';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRecipe, RecipeError } from '../../cli/recipe';
import { repairDefaults } from '../../src/stages/repair/meta';
import { outputNames, parseShard, stableHash } from '../../cli/files';
import { upscaleModelFor } from '../../src/stages/upscale/meta';
import { buildCli, cli } from '../support/cli';

const root = fileURLToPath(new URL('../..', import.meta.url));


/** Deterministic RGB test pattern. */
function pattern(w: number, h: number, seed: number): Buffer {
  const b = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) b[(y * w + x) * 3 + c] = (x * 9 * (c + 1) + y * seed + c * 60 + ((x * y) % 17) * 5) & 255;
  return b;
}

let dir: string;
let inDir: string;
const photos = ['a.png', 'sub/b.jpg', 'sub/deeper/rotated.jpg'];
const bad = ['zero.jpg', 'sub/text.jpg'];
const hashes = new Map<string, string>();
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

beforeAll(async () => {
  buildCli();

  dir = mkdtempSync(join(tmpdir(), 'heirloom-cli-'));
  inDir = join(dir, 'in');
  mkdirSync(join(inDir, 'sub', 'deeper'), { recursive: true });
  const raw = (w: number, h: number, seed: number) => sharp(pattern(w, h, seed), { raw: { width: w, height: h, channels: 3 } });
  await raw(24, 16, 7).png().toFile(join(inDir, 'a.png'));
  await raw(20, 12, 11).jpeg({ quality: 95 }).toFile(join(inDir, 'sub', 'b.jpg'));
  // Stored 24x16 landscape, tagged "rotate 90° clockwise" (6): upright it is 16x24.
  await raw(24, 16, 3)
    .jpeg({ quality: 95 })
    .withExif({ IFD0: { Copyright: 'Family archive' }, IFD2: { DateTimeOriginal: '1962:07:04 10:30:00' } })
    .withMetadata({ orientation: 6 })
    .toFile(join(inDir, 'sub', 'deeper', 'rotated.jpg'));
  writeFileSync(join(inDir, 'zero.jpg'), '');
  writeFileSync(join(inDir, 'sub', 'text.jpg'), 'this is not a JPEG\n');
  writeFileSync(join(inDir, 'notes.txt'), 'not a photo: ignored');
  for (const f of [...photos, ...bad]) hashes.set(f, sha(join(inDir, f)));
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('recipe syntax', () => {
  it('maps stages and options onto the Recipe type', () => {
    expect(parseRecipe('upscale:2')).toEqual({ upscale: { scale: 2, quality: 'clean' } });
    expect(parseRecipe('upscale:2:balanced')).toEqual({ upscale: { scale: 2, quality: 'balanced' } });
    expect(parseRecipe('upscale:esrgan-slim')).toEqual({ upscale: { scale: 2, quality: 'fast' } });
    expect(parseRecipe('fade:0.8,upscale:4:fast')).toEqual({
      fade: { strength: 0.8, keepTone: false },
      upscale: { scale: 4, quality: 'fast' },
    });
    expect(parseRecipe('repair,denoise:0.7,fade,upscale:2')).toEqual({
      repair: { detect: true, tears: repairDefaults.tears, texture: true },
      denoise: { strength: 0.7 },
      fade: { strength: 0.8, keepTone: false },
      upscale: { scale: 2, quality: 'clean' },
    });
    expect(parseRecipe('fade:keep-tone')).toEqual({ fade: { strength: 0.8, keepTone: true } });
    expect(parseRecipe('repair:tears')).toEqual({ repair: { detect: true, tears: true, texture: true } });
    expect(parseRecipe('repair:smooth')).toEqual({ repair: { detect: true, tears: repairDefaults.tears, texture: false } });
    expect(parseRecipe('repair:smooth:tears')).toEqual({ repair: { detect: true, tears: true, texture: false } });
  });

  it('rejects bad recipes with a message listing the valid stages', () => {
    expect(() => parseRecipe('sharpen')).toThrow(/Unknown stage "sharpen".*Valid stages: repair, denoise, fade, face, colorize, upscale/s);
    expect(() => parseRecipe('upscale:3')).toThrow(RecipeError);
    expect(() => parseRecipe('upscale:2:ultra')).toThrow(/quality must be clean or balanced or fast/);
    expect(() => parseRecipe('denoise:1.5')).toThrow(/from 0 to 1/);
    expect(() => parseRecipe('fade,fade')).toThrow(/twice/);
    expect(() => parseRecipe('repair:rips')).toThrow(/unknown option "rips".*repair\[:tears\]\[:smooth\]/);
    expect(() => parseRecipe('')).toThrow(/empty/);
  });
});

describe('files', () => {
  it('names outputs, disambiguating same-named photos in one folder', () => {
    const names = outputNames(['x/a.jpg', 'x/a.png', 'b.tif'], '-heirloom-x2', 'png', false);
    expect([...names.values()]).toEqual(['x/a-jpg-heirloom-x2.png', 'x/a-png-heirloom-x2.png', 'b-heirloom-x2.png']);
    expect(outputNames(['c.jpeg'], '-heirloom-x2', 'jpeg', true).get('c.jpeg')).toBe('c.jpg');
  });

  it('hashes paths stably and parses shards', () => {
    expect(stableHash('a/b.jpg')).toBe(stableHash('a/b.jpg'));
    expect(stableHash('')).toBe(0x811c9dc5);
    expect(parseShard('1/4')).toEqual({ index: 1, count: 4 });
    expect(() => parseShard('4/4')).toThrow();
    expect(() => parseShard('x')).toThrow();
  });
});

describe('heirloom restore', () => {
  const outputsOf = (out: string) =>
    existsSync(out) ? readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(out, f)).isFile()).sort() : [];
  const expected = ['a-heirloom-x2.png', 'sub/b-heirloom-x2.png', 'sub/deeper/rotated-heirloom-x2.png'];

  it('restores every photo, reports bad files, then resumes', async () => {
    const out = join(dir, 'out');
    const first = await cli(['restore', inDir, out, '--recipe', 'upscale:2:fast']);
    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr).toMatch(/zero\.jpg: empty file \(0 bytes\)/);
    expect(first.stderr).toMatch(/sub\/text\.jpg: not an image/);
    expect(first.stderr).toMatch(/3 restored, 0 skipped \(already done\), 2 failed/);
    expect(outputsOf(out)).toEqual(expected);

    // 2x, upright (EXIF orientation applied), metadata kept (date taken), originals untouched.
    const dims = async (f: string) => sharp(join(out, f)).metadata();
    expect(await dims('a-heirloom-x2.png')).toMatchObject({ width: 48, height: 32 });
    expect(await dims('sub/b-heirloom-x2.png')).toMatchObject({ width: 40, height: 24 });
    const rotated = await dims('sub/deeper/rotated-heirloom-x2.png');
    expect(rotated).toMatchObject({ width: 32, height: 48 });
    expect(rotated.orientation ?? 1).toBe(1);
    const exif = await exifr.parse(join(out, 'sub/deeper/rotated-heirloom-x2.png'), { tiff: true, exif: true, reviveValues: false });
    expect(exif).toMatchObject({ DateTimeOriginal: '1962:07:04 10:30:00', Copyright: 'Family archive' });
    for (const [f, h] of hashes) expect(sha(join(inDir, f)), f).toBe(h);

    // Resume: finished outputs are skipped (not rewritten); only the bad files are tried again.
    const mtimes = expected.map((f) => statSync(join(out, f)).mtimeMs);
    const second = await cli(['restore', inDir, out, '--recipe', 'upscale:2:fast']);
    expect(second.stderr).toMatch(/5 photo\(s\): 2 to do, 3 already done/);
    expect(second.stderr).toMatch(/0 restored, 3 skipped/);
    expect(second.code).toBe(1);
    expect(expected.map((f) => statSync(join(out, f)).mtimeMs)).toEqual(mtimes);
    expect(readdirSync(out, { recursive: true, encoding: 'utf8' }).some((f) => f.includes('heirloom-tmp'))).toBe(false);
  }, 60_000);

  it("matches onnxruntime-node's direct output of the same model", async () => {
    const manifest = upscaleModelFor({ scale: 2, quality: 'fast' });
    const session = await ort.InferenceSession.create(join(root, 'public/models', manifest.task, manifest.file));
    const { data, info } = await sharp(join(inDir, 'a.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const { width: w, height: h } = info;
    const planar = new Float32Array(3 * w * h);
    for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) planar[c * w * h + i] = data[i * 3 + c]!;
    const result = await session.run({ [manifest.input.name]: new ort.Tensor('float32', planar, [1, 3, h, w]) });
    const ref = result[manifest.output.name]!.data as Float32Array;
    const got = await sharp(join(dir, 'out', 'a-heirloom-x2.png')).removeAlpha().raw().toBuffer();
    const W = w * 2;
    const H = h * 2;
    let max = 0;
    let sum = 0;
    for (let i = 0; i < W * H; i++)
      for (let c = 0; c < 3; c++) {
        const want = Math.min(255, Math.max(0, Math.round(ref[c * W * H + i]!)));
        const d = Math.abs(got[i * 3 + c]! - want);
        max = Math.max(max, d);
        sum += d;
      }
    expect(max).toBeLessThanOrEqual(2);
    expect(sum / (W * H * 3)).toBeLessThan(0.05);
  }, 30_000);

  it('--shard 0/2 and 1/2 together cover every photo exactly once', async () => {
    const runs = await Promise.all(
      [0, 1].map((i) => cli(['restore', inDir, join(dir, `shard${i}`), '--recipe', 'upscale:2:fast', '--shard', `${i}/2`, '-j', '1'])),
    );
    const seen: string[] = [];
    runs.forEach((r, i) => {
      seen.push(...outputsOf(join(dir, `shard${i}`)));
      for (const b of bad) if (r.stderr.includes(`FAILED ${b}:`)) seen.push(b);
    });
    expect(seen.sort()).toEqual([...expected, ...bad].sort());
  }, 60_000);

  it('fails clearly, before touching anything, on a bad recipe or a missing model', async () => {
    const unknown = await cli(['restore', inDir, join(dir, 'x'), '--recipe', 'sharpen:2']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown stage "sharpen".*Valid stages: repair, denoise, fade, face, colorize, upscale/);
    const empty = join(dir, 'no-models');
    mkdirSync(empty);
    const missing = await cli(['restore', inDir, join(dir, 'x'), '--recipe', 'upscale:2', '--models', empty]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Stage "upscale" needs model "heirloom-sr-x2-int8", but .* does not exist/);
    expect(existsSync(join(dir, 'x'))).toBe(false);
  }, 30_000);
  it('--recipe auto analyses each photo and logs its recipe; colorize skips colour photos and says which', async () => {
    const autoIn = join(dir, 'auto-in');
    mkdirSync(autoIn);
    await sharp('../shared/data/eval/kodak24/kodim23.png').resize(200).png().toFile(join(autoIn, 'colour.png'));
    // a faded grey print: lifted blacks, squeezed range
    await sharp('../shared/data/eval/kodak24/kodim05.png').resize(200).greyscale().linear(0.55, 80).png().toFile(join(autoIn, 'faded-grey.png'));
    const auto = await cli(['restore', autoIn, join(dir, 'auto-out'), '--recipe', 'auto', '-j', '1']);
    expect(auto.code).toBe(0);
    expect(auto.stderr).toMatch(/colour\.png: auto recipe /);
    expect(auto.stderr).toMatch(/faded-grey\.png: auto recipe [^\n]*fade:0\.8:keep-tone/);
    expect(auto.stderr).toMatch(/\+ fade: Faded: contrast at \d+ % of normal/);
    expect(auto.stderr).toMatch(/- colorize: Black-and-white: colorize\?/);
    expect(existsSync(join(dir, 'auto-out', 'colour-heirloom.png'))).toBe(true);
    const col = await cli(['restore', autoIn, join(dir, 'col-out'), '--recipe', 'colorize', '-j', '1']);
    expect(col.code).toBe(0);
    expect(col.stderr).toMatch(/colorize skipped 1 photo\(s\):\n  colour\.png: skipped: the photo already has colour/);
  }, 180_000);
});
