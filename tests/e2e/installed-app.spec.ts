/**
 * The installed app behaves like an app: it opens photos from the OS (file_handlers, launchQueue)
 * and from the share sheet (share_target, received by the service worker), and shares results.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { openApp, chooseFile, setStages } from './support/app';
import { photoFixture, readPng } from './support/images';

type Shared = { name: string; type: string; bytes: number[] };
const photo = (name: string, w = 40, h = 30): Shared => ({ name, type: 'image/png', bytes: [...photoFixture(w, h).png] });

/** Opens the app and waits until its service worker controls the page. */
async function underServiceWorker(page: Page) {
  await openApp(page);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload();
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
}

/** What the OS share sheet does: a multipart POST of the files to the manifest's share_target action. */
async function shareToApp(page: Page, files: Shared[]) {
  const action = await page.evaluate(async () => {
    const href = document.querySelector<HTMLLinkElement>('link[rel="manifest"]')!.href;
    const manifest = await (await fetch(href)).json();
    return new URL(manifest.share_target.action, href).href;
  });
  await page.evaluate(({ action, files }) => {
    const form = Object.assign(document.createElement('form'), { method: 'post', enctype: 'multipart/form-data', action });
    const input = Object.assign(document.createElement('input'), { type: 'file', name: 'files', multiple: true });
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type }));
    input.files = dt.files;
    form.append(input);
    document.body.append(form);
    form.submit();
  }, { action, files });
}

/** The shares the service worker still holds (the app takes each one out when it opens it). */
const heldShares = (page: Page) => page.evaluate(async () => (await (await caches.open('heirloom-shared')).keys()).length);

test('the web manifest declares file handlers for photos and a share target that takes files', async ({ page }) => {
  await page.goto('/');
  const manifest = await page.evaluate(async () => (await fetch(document.querySelector<HTMLLinkElement>('link[rel="manifest"]')!.href)).json());
  expect(manifest.file_handlers).toHaveLength(1);
  const accept = manifest.file_handlers[0].accept;
  for (const [type, ext] of [['image/jpeg', '.jpg'], ['image/png', '.png'], ['image/webp', '.webp'], ['image/tiff', '.tif'], ['image/heic', '.heic']]) {
    expect(accept[type!], type).toContain(ext);
  }
  expect(manifest.share_target).toMatchObject({ method: 'POST', enctype: 'multipart/form-data' });
  expect(manifest.share_target.params.files[0].name).toBe('files');
  expect(manifest.share_target.params.files[0].accept).toEqual(expect.arrayContaining(['image/jpeg', 'image/png']));
});

test('one photo shared to the app opens in the single view', async ({ page }) => {
  await underServiceWorker(page);
  await shareToApp(page, [photo('shared grandma.png')]);
  await expect(page.getByTestId('filename')).toHaveText('shared grandma.png');
  await expect(page.getByTestId('before')).toBeVisible();
  await expect(page.getByTestId('run')).toBeEnabled();
  // Taken out of the service worker's keeping, and a reload does not open it again.
  expect(new URL(page.url()).searchParams.has('shared')).toBe(false);
  expect(await heldShares(page)).toBe(0);
});

test('several photos shared to the app go straight to Batch', async ({ page }) => {
  await underServiceWorker(page);
  await shareToApp(page, [photo('one.png'), photo('two.png', 30, 40), photo('three.png')]);
  await expect(page).toHaveURL(/#\/batch$/);
  await expect(page.getByTestId('batch-item')).toHaveCount(3);
  await expect(page.getByTestId('batch-item-name')).toHaveText(['one.png', 'two.png', 'three.png']);
  expect(await heldShares(page)).toBe(0);
});

/** Stands in for Chromium's launchQueue: records the app's consumer so the test can launch files. */
async function fakeLaunchQueue(page: Page) {
  await page.addInitScript(() => {
    // Chromium has its own (inert outside an installed app), hence defineProperty.
    Object.defineProperty(window, 'launchQueue', {
      configurable: true,
      value: { setConsumer: (consumer: unknown) => ((window as unknown as { __launch: unknown }).__launch = consumer) },
    });
  });
}

async function launchWith(page: Page, files: Shared[]) {
  await page.waitForFunction(() => typeof (window as unknown as { __launch?: unknown }).__launch === 'function');
  await page.evaluate((files) => {
    const handles = files.map((f) => ({ getFile: async () => new File([new Uint8Array(f.bytes)], f.name, { type: f.type }) }));
    (window as unknown as { __launch: (p: unknown) => void }).__launch({ files: handles });
  }, files);
}

test('a photo opened with the app from the OS opens in the single view; several go to Batch', async ({ page }) => {
  await fakeLaunchQueue(page);
  await openApp(page, '#/models');
  await launchWith(page, [photo('from the desktop.png')]);
  await expect(page).toHaveURL(/#\/restore$/);
  await expect(page.getByTestId('filename')).toHaveText('from the desktop.png');

  await launchWith(page, [photo('a.png'), photo('b.png')]);
  await expect(page).toHaveURL(/#\/batch$/);
  await expect(page.getByTestId('batch-item-name')).toHaveText(['a.png', 'b.png']);
});

/** A quick result: Fix fading alone runs no model. */
async function restoreQuickly(page: Page, name: string) {
  await chooseFile(page, photoFixture(40, 30).png, name);
  await expect(page.getByTestId('analysis-summary')).toBeVisible();
  await setStages(page, ['fade']);
  await page.getByTestId('run').click();
  await expect(page.getByTestId('share')).toBeVisible({ timeout: 120_000 });
}

test('Share falls back to a download where the browser cannot share files', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'share', { value: undefined, configurable: true });
    Object.defineProperty(Navigator.prototype, 'canShare', { value: undefined, configurable: true });
  });
  await openApp(page);
  await restoreQuickly(page, 'no share.png');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('share').click()]);
  expect(download.suggestedFilename()).toBe('no share-heirloom.png');
  const png = readPng(readFileSync((await download.path())!));
  expect([png.width, png.height]).toEqual([40, 30]);
  await expect(page.getByTestId('notice')).toContainText('downloaded instead');
});

test('Share hands the result to the system share sheet as a file', async ({ page }) => {
  await page.addInitScript(() => {
    const w = window as unknown as { __shared?: unknown[] };
    Object.defineProperty(Navigator.prototype, 'canShare', { value: (data: ShareData) => !!data.files?.length, configurable: true });
    Object.defineProperty(Navigator.prototype, 'share', {
      configurable: true,
      value: async (data: ShareData) => {
        w.__shared = await Promise.all((data.files ?? []).map(async (f) => ({ isFile: f instanceof File, name: f.name, type: f.type, bytes: [...new Uint8Array(await f.arrayBuffer())] })));
      },
    });
  });
  await openApp(page);
  await restoreQuickly(page, 'to share.png');
  let downloads = 0;
  page.on('download', () => downloads++);
  await page.getByTestId('share').click();
  await expect.poll(() => page.evaluate(() => (window as unknown as { __shared?: unknown[] }).__shared?.length ?? 0)).toBe(1);
  const [shared] = (await page.evaluate(() => (window as unknown as { __shared: unknown[] }).__shared)) as { isFile: boolean; name: string; type: string; bytes: number[] }[];
  expect(shared!.isFile).toBe(true);
  expect(shared!.name).toBe('to share-heirloom.png');
  expect(shared!.type).toBe('image/png');
  // It is the result itself: the same bytes Download saves.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  expect(Buffer.from(shared!.bytes).equals(readFileSync((await download.path())!))).toBe(true);
  expect(downloads).toBe(1);
  await expect(page.getByTestId('notice')).toHaveCount(0);
});
