import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { openApp, chooseFile, setStages, runAndDownload } from './support/app';
import { photoFixture, diffRgb, encodePng, type Rgba } from './support/images';
import { heicIphoneGrid, heicPhoto, multiPageTiff, tiff16, tiff8 } from './support/formats';
import { decodeHeic } from '../../src/core/image/heic-decode';

/**
 * TIFF scans and HEIC photos in the single-photo view: each opens (shown by a copy the worker
 * decodes), restores, and gives exactly what the same pixels give as PNG. The decoders are
 * fetched from this origin only when such a file is opened (the privacy guard in
 * support/fixtures.ts fails any other origin).
 */

const { image: photo, png } = photoFixture(40, 30);

async function useFastUpscale(page: Page) {
  await setStages(page, ['upscale']);
  await page.getByTestId('scale-2').check();
  await page.getByTestId('quality').selectOption('fast');
}

/** Picks a file, waits for its preview (no error), restores it and downloads the result. */
async function openAndRestore(page: Page, bytes: Buffer, name: string, mimeType: string) {
  await chooseFile(page, bytes, name, mimeType);
  await expect(page.getByTestId('filename')).toHaveText(name);
  await expect(page.getByTestId('before')).toHaveAttribute('src', /^blob:/);
  await expect(page.getByTestId('error')).toHaveCount(0);
  return runAndDownload(page);
}

const decoderRequests = (urls: string[]) => urls.filter((u) => u.includes('/assets/decoders/')).map((u) => new URL(u).pathname.replace(/^.*\/assets\/decoders\//, ''));

test('8- and 16-bit TIFF scans (LZW, Deflate) restore exactly like the same photo as PNG; the reader loads only then', async ({ page, requests }) => {
  await openApp(page);
  await useFastUpscale(page);
  const reference = await openAndRestore(page, png, 'photo.png', 'image/png');
  expect([reference.image.width, reference.image.height]).toEqual([80, 60]);
  expect(decoderRequests(requests.map((r) => r.url())), 'a PNG fetches no decoder').toEqual([]);

  const cases: [string, Buffer][] = [
    ['scan-8bit-lzw.tif', await tiff8(photo, 'lzw')],
    ['scan-8bit-deflate.tiff', await tiff8(photo, 'deflate')],
  ];
  for (const compression of ['lzw', 'deflate'] as const) {
    const { tiff, as8bit } = await tiff16(photo, compression);
    // Its samples round to the photo's (v >> 8 would not): the same result is expected.
    expect(diffRgb(as8bit, photo).max).toBe(0);
    cases.push([`scan-16bit-${compression}.tif`, tiff]);
  }
  for (const [name, bytes] of cases) {
    const out = await openAndRestore(page, bytes, name, 'image/tiff');
    expect(out.name).toBe(name.replace(/\.tiff?$/, '-heirloom-x2.png'));
    expect(diffRgb(out.image, reference.image), name).toEqual({ mean: 0, max: 0 });
  }
  const fetched = decoderRequests(requests.map((r) => r.url()));
  expect(fetched.some((f) => /^tiff-decode-.*\.js$/.test(f)), `TIFF reader fetched: ${fetched.join(', ')}`).toBe(true);
  expect(fetched.filter((f) => /heic|libheif/.test(f)), 'no HEIC reader for TIFFs').toEqual([]);
});

test('a multi-page TIFF: the user is told, and the first page is restored', async ({ page }) => {
  const red: Rgba = { width: 40, height: 30, data: new Uint8Array(40 * 30 * 4).map((_, i) => [200, 30, 30, 255][i % 4]!) };
  await openApp(page);
  await useFastUpscale(page);
  const reference = await openAndRestore(page, png, 'photo.png', 'image/png');
  await chooseFile(page, await multiPageTiff([photo, red, red]), 'album.tif', 'image/tiff');
  await expect(page.getByTestId('input-notice')).toHaveText('album.tif has 3 pages; Heirloom restores the first one only.');
  const out = await runAndDownload(page);
  expect(diffRgb(out.image, reference.image)).toEqual({ mean: 0, max: 0 });
  // A single-page file clears the notice.
  await chooseFile(page, await tiff8(photo, 'lzw'), 'one.tif', 'image/tiff');
  await expect(page.getByTestId('before')).toHaveAttribute('src', /^blob:/);
  await expect(page.getByTestId('input-notice')).toHaveCount(0);
});

test('HEIC photos (HEVC; an iPhone-style tiled grid turned upright) restore like libheif decodes them', async ({ page, requests }) => {
  const wasm = readFileSync(createRequire(import.meta.url).resolve('libheif-js/libheif-wasm/libheif.wasm'));
  const loadWasm = async () => wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer;
  await openApp(page);
  await useFastUpscale(page);
  for (const [name, bytes, size] of [['IMG_0001.HEIC', heicPhoto(), [64, 48]], ['IMG_0002.heic', heicIphoneGrid(), [90, 120]]] as const) {
    // The same decoder in Node, as PNG, restored the same way: the reference.
    const decoded = await decodeHeic(new Uint8Array(bytes), loadWasm, () => undefined);
    expect([decoded.width, decoded.height]).toEqual(size);
    const reference = await openAndRestore(page, encodePng({ ...decoded, data: new Uint8Array(decoded.data) }), `${name}.png`, 'image/png');
    const out = await openAndRestore(page, bytes, name, 'image/heic');
    expect([out.image.width, out.image.height]).toEqual([size[0] * 2, size[1] * 2]);
    expect(diffRgb(out.image, reference.image), name).toEqual({ mean: 0, max: 0 });
  }
  const fetched = decoderRequests(requests.map((r) => r.url()));
  expect(fetched.some((f) => /^libheif-.*\.wasm$/.test(f)), `libheif fetched: ${fetched.join(', ')}`).toBe(true);
  expect(fetched.filter((f) => /^tiff-decode/.test(f)), 'no TIFF reader for HEICs').toEqual([]);
});

test('the service worker does not precache the TIFF and HEIC readers', async () => {
  const sw = readFileSync(new URL(`../../${process.env.HEIRLOOM_DIST ?? 'dist'}/sw.js`, import.meta.url), 'utf8');
  const precached = [...sw.matchAll(/url:"([^"]+)"/g)].map((m) => m[1]!);
  expect(precached.length).toBeGreaterThan(10);
  expect(precached.filter((u) => /decoders\/|libheif|tiff-decode|heic/.test(u))).toEqual([]);
  expect(precached.some((u) => /restore\.worker/.test(u)), 'the worker itself is precached').toBe(true);
});

test('once a TIFF and a HEIC were opened online, both open offline too (the service worker cached their readers)', async ({ page, context }) => {
  await openApp(page);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload();
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
  await useFastUpscale(page);
  const tiff = await tiff8(photo, 'lzw');
  await openAndRestore(page, tiff, 'online.tif', 'image/tiff');
  await openAndRestore(page, heicPhoto(), 'online.heic', 'image/heic');

  await context.setOffline(true);
  try {
    await page.reload();
    await expect(page.getByTestId('backend')).toContainText('WASM');
    await useFastUpscale(page);
    const fromTiff = await openAndRestore(page, tiff, 'offline.tif', 'image/tiff');
    expect([fromTiff.image.width, fromTiff.image.height]).toEqual([80, 60]);
    const fromHeic = await openAndRestore(page, heicPhoto(), 'offline.heic', 'image/heic');
    expect([fromHeic.image.width, fromHeic.image.height]).toEqual([128, 96]);
  } finally {
    await context.setOffline(false);
  }
});

test('batch: a multi-page TIFF and a HEIC go through the same decoding, with the note on the line', async ({ page }) => {
  const red: Rgba = { width: 40, height: 30, data: new Uint8Array(40 * 30 * 4).map((_, i) => [200, 30, 30, 255][i % 4]!) };
  await openApp(page, '#/batch');
  await page.getByTestId('batch-files').setInputFiles([
    { name: 'album.tif', mimeType: 'image/tiff', buffer: await multiPageTiff([photo, red]) },
    { name: 'IMG_0002.HEIC', mimeType: 'image/heic', buffer: heicIphoneGrid() },
  ]);
  await expect(page.getByTestId('batch-item')).toHaveCount(2);
  await useFastUpscale(page);
  await page.getByTestId('batch-start').click();
  await expect(page.getByTestId('batch-done')).toHaveText('2', { timeout: 120_000 });
  await expect(page.getByTestId('batch-failed')).toHaveText('0');
  await expect(page.locator('[data-testid="batch-item"][data-name="album.tif"] [data-testid="batch-item-message"]'))
    .toContainText('album.tif has 2 pages; Heirloom restores the first one only.');
});
