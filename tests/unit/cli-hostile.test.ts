/**
 * Issue 16 item 4: the command line on hostile folders and files. Pure functions, no run of the
 * whole CLI (tests/unit/cli.test.ts does that).
 */
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_OUTPUT_NAME_BYTES, outputNames, tempName, walk, type WalkReport } from '../../cli/files';
import { parseRecipe } from '../../cli/recipe';
import { decodeFile } from '../../cli/codec';
import { planJobs, type RestoreOptions } from '../../cli/restore';
import { heicStub, pngBomb } from '../e2e/support/hostile-corpus';
import { heicIphoneGrid, heicPhoto } from '../e2e/support/formats';

const dir = mkdtempSync(join(tmpdir(), 'heirloom-cli-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('walking the input folder', () => {
  it('follows no link loop and no link out of the folder, and reports hidden entries', () => {
    const inDir = join(dir, 'in'), outside = join(dir, 'elsewhere');
    mkdirSync(join(inDir, 'sub'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(inDir, 'sub', 'photo.png'), 'x');
    writeFileSync(join(outside, 'secret.jpg'), 'x');
    writeFileSync(join(inDir, '.hidden.jpg'), 'x');
    mkdirSync(join(inDir, '.git'));
    symlinkSync('..', join(inDir, 'sub', 'loop')); // sub/loop/sub/loop/... was 681 jobs for one photo
    symlinkSync(outside, join(inDir, 'out'));
    symlinkSync(join(outside, 'secret.jpg'), join(inDir, 'linked.jpg'));
    const report: WalkReport = { hidden: [], linksOutside: [], revisited: [] };
    expect(walk(inDir, undefined, report)).toEqual(['sub/photo.png']);
    expect(report).toEqual({ hidden: ['.git', '.hidden.jpg'], linksOutside: ['linked.jpg', 'out'], revisited: ['sub/loop'] });

    const plan = planJobs({ inDir, outDir: join(dir, 'out-dir'), recipe: { upscale: { scale: 2, quality: 'fast' } }, format: 'png', keepNames: false } as RestoreOptions);
    expect(plan.jobs.map((j) => j.rel)).toEqual(['sub/photo.png']);
    expect(plan.left.hidden).toHaveLength(2);
  });
});

describe('output names', () => {
  it('shortens names too long for the file system, keeps them unique, the suffix and the extension', () => {
    const long = (tail: string) => `${'Großmutter am See, Sommer 1962 — '.repeat(8)}${tail}.jpg`;
    const rels = [`album/${long('a')}`, `album/${long('b')}`, 'album/short.jpg'];
    expect(Buffer.byteLength(rels[0]!.slice(6))).toBeGreaterThan(255);
    const names = outputNames(rels, '-heirloom-x2', 'png', false);
    const [a, b] = [names.get(rels[0]!)!, names.get(rels[1]!)!];
    expect(a).not.toBe(b);
    for (const n of [a, b]) {
      expect(n).toMatch(/^album\/Großmutter am See.*~[0-9a-f]{8}-heirloom-x2\.png$/);
      expect(Buffer.byteLength(n.slice('album/'.length))).toBeLessThanOrEqual(MAX_OUTPUT_NAME_BYTES);
    }
    expect(names.get('album/short.jpg')).toBe('album/short-heirloom-x2.png');
    // The temporary name (the longest one written) fits: no ENAMETOOLONG.
    expect(() => writeFileSync(tempName(join(dir, a.slice('album/'.length))), 'x')).not.toThrow();
  });
});

describe('recipe numbers', () => {
  it('takes plain decimals only: upscale:0x4 is not hex for 4', () => {
    expect(() => parseRecipe('upscale:0x4')).toThrow('"upscale:0x4": scale must be 2 or 4, got "0x4"');
    expect(() => parseRecipe('fade:0x1')).toThrow(/strength must be a number from 0 to 1, got "0x1"/);
    expect(parseRecipe('upscale:x4')).toMatchObject({ upscale: { scale: 4 } });
    expect(parseRecipe('denoise:.5,upscale:2')).toMatchObject({ denoise: { strength: 0.5 }, upscale: { scale: 2 } });
  });
});

describe('decoding', () => {
  it('refuses photos over 250 MP before decoding (they used to fail at encoding, after all the work)', async () => {
    const started = performance.now();
    await expect(decodeFile(pngBomb(20000, 14000))).rejects.toThrow('declares 20000x14000 pixels (280 MP); Heirloom handles up to 250 MP');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('says plainly that BMP cannot be read here', async () => {
    const bmp = await sharp({ create: { width: 4, height: 4, channels: 3, background: 'red' } }).raw().toBuffer();
    const header = Buffer.alloc(54);
    header.write('BM');
    header.writeUInt32LE(54 + bmp.length, 2);
    header.writeUInt32LE(54, 10);
    header.writeUInt32LE(40, 14);
    header.writeInt32LE(4, 18);
    header.writeInt32LE(4, 22);
    header.writeUInt16LE(1, 26);
    header.writeUInt16LE(24, 28);
    await expect(decodeFile(Buffer.concat([header, bmp]))).rejects.toThrow(/a BMP image, which the command line cannot read.*Convert it to PNG/);
  });

  it("reads HEIC with the app's decoder (iPhone-style grid turned upright); a cut one is damaged", async () => {
    const img = await decodeFile(heicIphoneGrid());
    expect([img.width, img.height]).toEqual([90, 120]);
    await expect(decodeFile(heicStub)).rejects.toThrow(/could not be read as an image: this HEIC file is damaged or incomplete/);
    await expect(decodeFile(heicPhoto().subarray(0, 700))).rejects.toThrow(/this HEIC file is damaged or incomplete/);
  });

  it("turns libvips' errors into the app's plain 'damaged or incomplete' message", async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: 'teal' } }).png().toBuffer();
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: 'teal' } }).jpeg().toBuffer();
    const webp = await sharp({ create: { width: 64, height: 64, channels: 3, background: 'teal' } }).webp().toBuffer();
    for (const [label, bytes] of [['PNG', png], ['JPEG', jpeg], ['WebP', webp]] as const) {
      const cut = bytes.subarray(0, Math.floor(bytes.length * 0.7));
      const err = await decodeFile(cut).then(() => undefined, (e: Error) => e);
      expect(err?.message, label).toBe(`could not be read as an image: this ${label} file is damaged or incomplete (was it fully copied or downloaded?). Try exporting it again as JPEG or PNG.`);
    }
  });
});
