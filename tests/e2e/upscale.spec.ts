import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { photoFixture, diffRgb } from './support/images';
import { openApp, chooseFile, runAndDownload } from './support/app';
import { referenceRun } from './support/reference';
import { autoUpscale, upscaleDefaults, upscaleModelFor } from '../../src/stages/upscale/meta';
import { withExifOrientation } from '../support/exif-segment';

async function upscaleAndDownload(page: Page, png: Buffer, name: string, scale: 2 | 4) {
  await chooseFile(page, png, name);
  await page.getByTestId(`scale-${scale}`).check();
  return runAndDownload(page);
}

test('the page is cross-origin isolated and runs WASM with 2 threads', async ({ page }) => {
  await openApp(page);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect(page.getByTestId('backend')).toHaveText(/WASM SIMD · 2 threads/);
});

test('upscales a photo 2x in tiles and matches onnxruntime-node on the same model', async ({ page }) => {
  // 200x150 spans several 128px tiles, so seams are exercised.
  const { png, image } = photoFixture(200, 150);
  await openApp(page);
  const out = await upscaleAndDownload(page, png, 'grandma 1962.png', 2);
  expect(out.name).toBe('grandma 1962-heirloom-x2.png');
  expect([out.image.width, out.image.height]).toEqual([400, 300]);

  const expected = await referenceRun(upscaleModelFor({ ...upscaleDefaults, scale: 2 }), image);
  const d = diffRgb(out.image, expected);
  // Tiled vs whole-image inference differ only where the blended seams are.
  expect(d.mean).toBeLessThan(0.5);
  expect(d.max).toBeLessThanOrEqual(24);
  // And the model did real work: not a plain resize of the input.
  expect(diffRgb(out.image, expected).mean).toBeLessThan(diffRgb(out.image, nearest2x(image)).mean);
});

/** First visit: waits until the service worker has installed the app and the runtime is kept, then reloads under it. */
async function installForOffline(page: Page) {
  await openApp(page);
  await page.waitForFunction(() => document.documentElement.dataset.offlineReady === 'true', null, { timeout: 60_000 });
  await page.reload();
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
}

test('the one-click restore works offline after the first visit; other models need a download first', async ({ page, context }) => {
  await installForOffline(page);
  // The install holds no onnxruntime WASM build; the one this device loads (WASM-only) is kept.
  const cached = await page.evaluate(async () => {
    const urls: Record<string, string[]> = {};
    for (const name of await caches.keys()) urls[name] = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
    return urls;
  });
  const precached = Object.entries(cached).filter(([name]) => name.includes('precache')).flatMap(([, urls]) => urls);
  expect(precached.filter((u) => u.endsWith('.wasm'))).toEqual([]);
  const x2 = upscaleModelFor(autoUpscale), x4 = upscaleModelFor({ ...autoUpscale, scale: 4 });
  expect(precached).toContain(`/models/upscale/${x2.file}`);
  expect(precached).not.toContain(`/models/upscale/${x4.file}`);
  expect(cached['heirloom-runtime']).toEqual([expect.stringMatching(/^\/ort\/[\d.]+\/ort-wasm-simd-threaded\.wasm$/)]);
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('backend')).toContainText('WASM');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  // The analysis (damage and face detectors) and what it proposes for a small photo (2x, clean)
  // come with the install.
  const { png } = photoFixture(64, 48);
  await chooseFile(page, png, 'offline.png');
  await expect(page.getByTestId('analysis-summary')).toContainText('Recommended stages are on');
  await expect(page.getByTestId('quality')).toHaveValue(autoUpscale.quality);
  const out = await runAndDownload(page);
  expect([out.image.width, out.image.height]).toEqual([128, 96]);
  // A model that is not part of the install is fetched on first use: offline, that fails clearly.
  await page.getByTestId('scale-4').check();
  await page.getByTestId('run').click();
  await expect(page.getByTestId('error')).toContainText(new RegExp(`Could not download model "${x4.id}".*Check your connection`));
  await context.setOffline(false);
});

test('with everything available offline, every model runs offline', async ({ page, context }) => {
  await installForOffline(page);
  await page.goto('/#/models');
  await page.getByTestId('everything-offline').check();
  await expect(page.getByTestId('everything-status')).toContainText('Everything is available offline', { timeout: 120_000 });
  await expect(page.locator('[data-testid="model-place"][data-place="missing"]')).toHaveCount(0);
  // The choice is remembered.
  await page.reload();
  await expect(page.getByTestId('everything-offline')).toBeChecked();
  await context.setOffline(true);
  await page.goto('/#/restore');
  await page.reload();
  await expect(page.getByTestId('backend')).toContainText('WASM');
  const { png } = photoFixture(64, 48);
  await chooseFile(page, png, 'offline.png');
  await expect(page.getByTestId('analysis-summary')).toBeVisible();
  await page.getByTestId('quality').selectOption('balanced');
  await page.getByTestId('scale-4').check();
  const out = await runAndDownload(page);
  expect([out.image.width, out.image.height]).toEqual([256, 192]);
  await context.setOffline(false);
});

test('cancel stops the work, keeps the photo and the app stays usable', async ({ page }) => {
  const { png } = photoFixture(480, 360);
  await openApp(page);
  await chooseFile(page, png, 'big.png');
  await page.getByTestId('scale-4').check();
  await page.getByTestId('run').click();
  await expect(page.getByTestId('progress-stage')).toContainText('Upscaling', { timeout: 60_000 });
  await page.getByTestId('cancel').click();
  await expect(page.getByTestId('error')).toContainText('Cancelled');
  await expect(page.getByTestId('before')).toBeVisible();

  const small = photoFixture(40, 30);
  const out = await upscaleAndDownload(page, small.png, 'small.png', 2);
  expect([out.image.width, out.image.height]).toEqual([80, 60]);
});

test('a zero-byte or corrupt file gets a clear message and the app stays usable', async ({ page }) => {
  await openApp(page);
  // Refused on picking, before anything is decoded: Restore stays off.
  await chooseFile(page, Buffer.alloc(0), 'empty.jpg', 'image/jpeg');
  await expect(page.getByTestId('error')).toContainText('empty');
  await expect(page.getByTestId('run')).toBeDisabled();

  const { png } = photoFixture(40, 30);
  await chooseFile(page, png.subarray(0, png.length >> 1), 'cut.png');
  // Its header is fine, so it is refused when the decoder reads it (at Restore).
  await expect(page.getByTestId('run')).toBeEnabled();
  await page.getByTestId('run').click();
  await expect(page.getByTestId('error')).toContainText(/could not be read|damaged or incomplete/);

  const out = await upscaleAndDownload(page, png, 'fine.png', 2);
  expect([out.image.width, out.image.height]).toEqual([80, 60]);
});

function nearest2x(img: { width: number; height: number; data: Uint8Array }) {
  const w = img.width * 2, h = img.height * 2;
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(img.data.subarray(((y >> 1) * img.width + (x >> 1)) * 4, ((y >> 1) * img.width + (x >> 1)) * 4 + 4), (y * w + x) * 4);
  return { width: w, height: h, data };
}

test('applies EXIF orientation: a JPEG tagged "rotate 90" comes out upright', async ({ page }) => {
  await openApp(page);
  // A 40x24 JPEG made by the browser, tagged with orientation 6 (stored sideways).
  const jpeg = await page.evaluate(async () => {
    const c = new OffscreenCanvas(40, 24);
    const g = c.getContext('2d')!;
    g.fillStyle = '#c33'; g.fillRect(0, 0, 40, 24);
    g.fillStyle = '#33c'; g.fillRect(0, 0, 10, 24); // blue on the stored left edge
    return [...new Uint8Array(await (await c.convertToBlob({ type: 'image/jpeg', quality: 0.95 })).arrayBuffer())];
  });
  const tagged = Buffer.from(withExifOrientation(jpeg, 6));
  await chooseFile(page, tagged, 'sideways.jpg', 'image/jpeg');
  await page.getByTestId('scale-2').check();
  const { image: out } = await runAndDownload(page);
  expect([out.width, out.height]).toEqual([48, 80]);
  // Orientation 6 turns the stored left edge into the top: the top rows are blue.
  const top = out.data.subarray((2 * out.width + 24) * 4, (2 * out.width + 24) * 4 + 3);
  expect(top[2]).toBeGreaterThan(top[0]!);
});
