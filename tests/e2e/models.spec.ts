import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { openApp, chooseFile, setStages, runAndDownload } from './support/app';
import { photoFixture, diffRgb, type Rgba } from './support/images';
import { addModel, resizeModel } from './support/custom-model';
import { shippedModels } from '../../src/stages/models';
import { megabytes } from '../../src/models-ui/model-info';
import { upscaleMeta } from '../../src/stages/upscale/meta';

function nearest2x(img: Rgba): Rgba {
  const w = img.width * 2, h = img.height * 2;
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const s = ((y >> 1) * img.width + (x >> 1)) * 4;
    data.set(img.data.subarray(s, s + 4), (y * w + x) * 4);
  }
  return { width: w, height: h, data };
}

async function upscaleWithCustom(page: Page, label: string, png: Buffer) {
  await page.goto('/#/restore');
  await chooseFile(page, png, 'portrait.png');
  await setStages(page, ['upscale']);
  await page.getByTestId('quality').selectOption({ label });
  await expect(page.getByTestId('scale-4')).toBeDisabled();
  return runAndDownload(page);
}

test('custom models: verified on adding, used by Upscale, kept across reloads, removable', async ({ page, requests }) => {
  test.setTimeout(240_000);
  await openApp(page, '#/models');
  // Built-in models are listed from the stages' manifests, with their licence and card.
  await expect(page.locator('[data-testid="model-row"][data-id="esrgan-slim-x2"]')).toContainText('MIT');
  await expect(page.locator('[data-testid="model-row"][data-id="esrgan-slim-x2"] [data-testid="model-card"]')).toHaveAttribute('href', '/cards/esrgan.md');
  await expect(page.getByTestId('custom-empty')).toBeVisible();

  // Not a model at all.
  await addModel(page, 'holiday.onnx', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
  await expect(page.getByTestId('model-error')).toContainText('This file is not an ONNX model');
  // A real model with the wrong number of channels.
  await addModel(page, 'gray.onnx', resizeModel(1, 2));
  await expect(page.getByTestId('model-error')).toContainText("This model's input is 1x1xhxw, but the preset expects 3 colour channels");
  // A real RGB model that does not enlarge x2/x4.
  await addModel(page, 'x3.onnx', resizeModel(3, 3));
  await expect(page.getByTestId('model-error')).toContainText('8x8 image into 24x24');
  await expect(page.getByTestId('custom-empty')).toBeVisible();

  // The good one.
  await addModel(page, 'nearest2x.onnx', resizeModel(3, 2));
  await expect(page.getByTestId('model-added')).toContainText('nearest2x ×2');
  const row = page.getByTestId('custom-model');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Added by the user from nearest2x.onnx');
  await expect(row).toContainText('user-supplied');
  const id = await row.getAttribute('data-id');
  expect(id).toMatch(/^user-[0-9a-f]{12}$/);

  // Upscale with it: the result is exactly a nearest-neighbour 2x of the input.
  const { png, image } = photoFixture(40, 30);
  const out = await upscaleWithCustom(page, 'nearest2x ×2', png);
  expect(out.name).toBe('portrait-heirloom-x2.png');
  expect(diffRgb(out.image, nearest2x(image)).max).toBeLessThanOrEqual(1);

  // After a reload it is still listed, and still runs: from the model cache, never downloaded.
  await page.goto('/#/models');
  await page.reload();
  await expect(page.getByTestId('custom-model')).toHaveCount(1);
  const again = await upscaleWithCustom(page, 'nearest2x ×2', png);
  expect(diffRgb(again.image, nearest2x(image)).max).toBeLessThanOrEqual(1);
  expect(requests.map((r) => r.url()).filter((u) => u.includes(id!))).toEqual([]);

  // Remove it: gone from the list, from the Upscale choices, and its bytes from the cache.
  await page.goto('/#/models');
  await page.getByTestId('custom-model-remove').click();
  await expect(page.getByTestId('custom-empty')).toBeVisible();
  await page.goto('/#/restore');
  await setStages(page, ['upscale']);
  await expect(page.getByTestId('quality').locator('option')).toHaveText(upscaleMeta.qualities.map((q) => q.label));
  const cached = await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open('heirloom-models');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const keys = await new Promise<IDBValidKey[]>((res, rej) => {
      const r = db.transaction('files').objectStore('files').getAllKeys();
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    db.close();
    return keys.map(String);
  });
  expect(cached.some((k) => k.startsWith(id!.slice('user-'.length)))).toBe(false);
});

test('built-in models: each listed once with what it does, its size, licence and card; downloaded, kept and removed on request', async ({ page, context }) => {
  await openApp(page);
  await page.waitForFunction(() => document.documentElement.dataset.offlineReady === 'true', null, { timeout: 60_000 });
  await page.goto('/#/models');
  await page.reload();
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);

  // One row per model (no fp16 copies), the face models among them.
  const rows = page.getByTestId('model-row');
  const ids = await rows.evaluateAll((r) => r.map((e) => e.getAttribute('data-id')));
  expect(ids.filter((id) => /fp16/.test(id!))).toEqual([]);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toEqual(expect.arrayContaining(['faceapi-tiny-face-detector', 'faceapi-landmarks68', 'heirloom-face', 'heirloom-colorize', 'heirloom-detector', 'esrgan-medium-x4']));
  const face = page.locator('[data-testid="model-row"][data-id="heirloom-face"]');
  await expect(face).toContainText('Restores the detail of small or soft faces');
  // the file the app loads: the fp16-weight copy, half the fp32 file's 3.2 MB
  await expect(face).toContainText(megabytes(shippedModels.find((m) => m.id.startsWith('heirloom-face'))!.size));
  await expect(face).not.toContainText('fp16');
  await expect(face).toContainText('Non-commercial research use');
  // The long licence text lives in the card, not here.
  await expect(face).not.toContainText('UTKFace');

  // The one-click models came with the install; the others wait for their first use.
  await expect(page.locator('[data-id="heirloom-face"] [data-testid="model-place"]')).toHaveAttribute('data-place', 'app');
  await expect(page.locator('[data-id="heirloom-sr-x2"] [data-testid="model-place"]')).toHaveAttribute('data-place', 'app');
  const x4 = page.locator('[data-id="esrgan-slim-x4"] [data-testid="model-place"]');
  await expect(x4).toHaveAttribute('data-place', 'missing');
  await expect(page.locator('[data-id="heirloom-colorize"] [data-testid="model-place"]')).toHaveAttribute('data-place', 'missing');

  // Download one: verified and kept (it is still there after a reload); remove it again.
  await x4.getByTestId('model-download').click();
  await expect(x4).toHaveAttribute('data-place', 'downloaded');
  await page.reload();
  await expect(x4).toHaveAttribute('data-place', 'downloaded');
  await x4.getByTestId('model-remove').click();
  await expect(x4).toHaveAttribute('data-place', 'missing');

  // The card opens from the app, offline too.
  const href = await face.getByTestId('model-card').getAttribute('href');
  await context.setOffline(true);
  const card = await page.evaluate(async (href) => (await fetch(href!)).text(), href);
  expect(card).toContain('UTKFace');
  await context.setOffline(false);
});
