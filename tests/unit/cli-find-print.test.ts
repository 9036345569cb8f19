/**
 * `heirloom restore --find-print`, end to end through bin/heirloom.mjs: photos of prints come out
 * straightened and cropped to the print (their size is the print's, from its true corners); a
 * photo with no print in it comes out at its own size, and the run lists it.
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { printSize } from '../../src/core/capture/warp';
import { buildCli, cli } from '../support/cli';
import { loadRgba, photographPrint, sourcePhotos, type PrintPhoto } from '../support/print-photos';

let dir: string;
const prints: Record<string, PrintPhoto> = {};


beforeAll(async () => {
  buildCli();
  dir = mkdtempSync(join(tmpdir(), 'heirloom-find-print-'));
  mkdirSync(join(dir, 'in', 'phone'), { recursive: true });
  const sources = sourcePhotos();
  for (const [name, seed] of [['phone/print-a.jpg', 11], ['phone/print-b.jpg', 12]] as const) {
    const p = photographPrint(await loadRgba(sources[seed]!), seed, { width: 1000, height: 750 });
    prints[name] = p;
    await sharp(Buffer.from(p.image.data.buffer), { raw: { width: 1000, height: 750, channels: 4 } }).jpeg({ quality: 92 }).toFile(join(dir, 'in', name));
  }
  // a plain photo at camera size (the 500 px original is too small to be searched at all)
  await sharp(sources.find((s) => s.endsWith('kodim03.png'))!).resize(1000, 1000).toFile(join(dir, 'in', 'plain.png'));
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('straightens and crops photos of prints, and restores a photo with no print as it is', async () => {
  const out = join(dir, 'out');
  const run = await cli(['restore', join(dir, 'in'), out, '--recipe', 'fade', '--find-print', '-j', '1']);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stderr).toMatch(/find-print: 2 print\(s\) straightened and cropped/);
  expect(run.stderr).toMatch(/find-print: no print found in 1 photo\(s\), restored as they were:\n {2}plain\.png: No print found/);
  for (const [name, p] of Object.entries(prints)) {
    const meta = await sharp(join(out, name.replace('.jpg', '-heirloom.png'))).metadata();
    const want = printSize(p.corners);
    // The size follows the found corners: within 1.5 % of the size the true corners give.
    expect(Math.abs(meta.width! - want.width) / want.width, name).toBeLessThan(0.015);
    expect(Math.abs(meta.height! - want.height) / want.height, name).toBeLessThan(0.015);
  }
  const plainIn = await sharp(join(dir, 'in', 'plain.png')).metadata();
  expect(await sharp(join(out, 'plain-heirloom.png')).metadata()).toMatchObject({ width: plainIn.width, height: plainIn.height });

  // Without the flag nothing is cropped.
  const plainRun = await cli(['restore', join(dir, 'in'), join(dir, 'out-plain'), '--recipe', 'fade', '-j', '1']);
  expect(plainRun.code, plainRun.stderr).toBe(0);
  expect(plainRun.stderr).not.toMatch(/find-print/);
  expect(await sharp(join(dir, 'out-plain', 'phone', 'print-a-heirloom.png')).metadata()).toMatchObject({ width: 1000, height: 750 });
}, 180_000);
