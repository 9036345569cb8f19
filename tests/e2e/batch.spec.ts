import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { openApp, setStages } from './support/app';
import { SHARED_DATA, crop, encodePng, readPng, photoFixture, fadedPrint, diffRgb } from './support/images';

/** 20 small, different crops of a real photo. */
function photos(n: number, w = 24, h = 16) {
  const src = readPng(SHARED_DATA + 'eval/kodak24/kodim05.png');
  return Array.from({ length: n }, (_, i) => ({
    name: `photo-${String(i + 1).padStart(2, '0')}.png`,
    mimeType: 'image/png',
    buffer: encodePng(crop(src, 20 + i * 17, 30 + i * 11, w, h)),
  }));
}

const count = async (page: Page, id: 'batch-done' | 'batch-failed' | 'batch-queued') => Number((await page.getByTestId(id).textContent()) ?? 'NaN');

async function downloadZip(page: Page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('batch-download').click()]);
  expect(download.suggestedFilename()).toBe('heirloom-batch.zip');
  return unzipSync(new Uint8Array(readFileSync((await download.path())!)));
}

test('a batch of 20 photos survives a reload mid-way, pauses, resumes and zips every result exactly once', async ({ page }) => {
  test.setTimeout(300_000);
  const files = photos(20);
  await openApp(page, '#/batch');
  await page.getByTestId('batch-files').setInputFiles(files);
  await expect(page.getByTestId('batch-item')).toHaveCount(20);
  await expect(page.getByTestId('batch-queued')).toHaveText('20');

  await setStages(page, ['upscale']);
  await page.getByTestId('scale-2').check();
  await page.getByTestId('quality').selectOption('fast');
  await page.getByTestId('batch-start').click();

  // Reload as soon as a few are done: the one in progress dies with the page.
  await expect.poll(() => count(page, 'batch-done'), { timeout: 120_000, intervals: [50] }).toBeGreaterThanOrEqual(3);
  await page.reload();
  await expect(page.getByTestId('batch-item')).toHaveCount(20);
  const doneAfterReload = await count(page, 'batch-done');
  expect(doneAfterReload).toBeGreaterThanOrEqual(3);
  expect(doneAfterReload, 'the reload happened mid-batch').toBeLessThan(20);
  // The stored recipe is shown again, locked while the batch runs.
  await expect(page.getByTestId('quality')).toHaveValue('fast');

  // It resumed by itself (it was running when the page went away); pause it, then resume.
  await expect(page.getByTestId('batch-pause')).toBeVisible();
  await page.getByTestId('batch-pause').click();
  await expect(page.getByTestId('batch-summary')).toContainText('paused');
  await expect(page.locator('[data-testid="batch-item"][data-status="running"]')).toHaveCount(0);
  const doneWhilePaused = await count(page, 'batch-done');
  await page.waitForTimeout(500);
  expect(await count(page, 'batch-done'), 'nothing runs while paused').toBe(doneWhilePaused);
  await expect(page.getByTestId('batch-start')).toHaveText('Resume');
  await page.getByTestId('batch-start').click();

  await expect(page.getByTestId('batch-done')).toHaveText('20', { timeout: 200_000 });
  await expect(page.getByTestId('batch-failed')).toHaveText('0');
  await expect(page.locator('[data-testid="batch-item"][data-status="done"]')).toHaveCount(20);

  const zip = await downloadZip(page);
  const names = Object.keys(zip);
  expect(names).toEqual(files.map((f) => f.name.replace('.png', '-heirloom-x2.png')));
  for (const name of names) {
    const img = readPng(Buffer.from(zip[name]!));
    expect([img.width, img.height], name).toEqual([48, 32]);
  }

  // And still there after another reload, with nothing left to do.
  await page.reload();
  await expect(page.getByTestId('batch-done')).toHaveText('20');
  await expect(page.getByTestId('batch-start')).toBeDisabled();
});

test('bad files in a batch fail with a clear message; the others finish; retry and remove work', async ({ page }) => {
  const { png } = photoFixture(32, 24);
  await openApp(page, '#/batch');
  await page.getByTestId('batch-files').setInputFiles([
    { name: 'good-1.png', mimeType: 'image/png', buffer: png },
    { name: 'empty.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(0) },
    { name: 'cut.png', mimeType: 'image/png', buffer: png.subarray(0, png.length >> 1) },
    { name: 'good-2.png', mimeType: 'image/png', buffer: png },
  ]);
  await setStages(page, ['fade']);
  await page.getByTestId('batch-start').click();
  await expect(page.getByTestId('batch-done')).toHaveText('2', { timeout: 120_000 });
  await expect(page.getByTestId('batch-failed')).toHaveText('2');
  const item = (name: string) => page.locator(`[data-testid="batch-item"][data-name="${name}"]`);
  await expect(item('empty.jpg')).toHaveAttribute('data-status', 'failed');
  await expect(item('empty.jpg').getByTestId('batch-item-message')).toContainText('empty');
  await expect(item('cut.png').getByTestId('batch-item-message')).toContainText('could not be read');
  await expect(item('good-2.png')).toHaveAttribute('data-status', 'done');

  // Retrying a bad file fails again with the same message, and leaves the others alone.
  await item('cut.png').getByTestId('batch-item-retry').click();
  await expect(item('cut.png')).toHaveAttribute('data-status', 'queued');
  await expect(page.getByTestId('batch-failed')).toHaveText('1');
  await page.getByTestId('batch-start').click();
  await expect(page.getByTestId('batch-failed')).toHaveText('2', { timeout: 60_000 });
  await page.getByTestId('batch-retry-failed').click();
  await expect(page.getByTestId('batch-queued')).toHaveText('2');
  await page.getByTestId('batch-start').click();
  await expect(page.getByTestId('batch-failed')).toHaveText('2', { timeout: 60_000 });
  await expect(item('cut.png').getByTestId('batch-item-message')).toContainText('could not be read');
  await expect(item('empty.jpg').getByTestId('batch-item-message')).toContainText('empty');
  await expect(page.getByTestId('batch-done')).toHaveText('2');

  await item('empty.jpg').getByTestId('batch-item-remove').click();
  await item('cut.png').getByTestId('batch-item-remove').click();
  await expect(page.getByTestId('batch-item')).toHaveCount(2);
  const zip = await downloadZip(page);
  expect(Object.keys(zip)).toEqual(['good-1-heirloom.png', 'good-2-heirloom.png']);
});

test('Auto gives each photo its own recipe, and each line says what ran, what was left off and why', async ({ page }) => {
  const { faded } = fadedPrint(96, 72);
  // A clean colour portrait, large enough to print: it needs nothing.
  const portrait = readPng(SHARED_DATA + 'eval/ffhq-10/00000.png');
  await openApp(page, '#/batch');
  await page.getByTestId('batch-files').setInputFiles([
    { name: 'faded.png', mimeType: 'image/png', buffer: encodePng(faded) },
    { name: 'clean.png', mimeType: 'image/png', buffer: encodePng(portrait) },
  ]);
  await page.getByTestId('batch-auto').check();
  await page.getByTestId('batch-start').click();
  await expect(page.getByTestId('batch-done')).toHaveText('2', { timeout: 170_000 });

  const line = (name: string) => page.locator(`[data-testid="batch-item"][data-name="${name}"]`).getByTestId('batch-item-message');
  await expect(line('faded.png')).toHaveText(/^Auto: fade \(Faded: contrast at \d+ % of normal.*\); upscale \(.*2x makes.*\)\. Left off: repair \(No damage found\); denoise \(Not noisy/);
  await expect(line('clean.png')).toHaveText(/^Auto: nothing needed\. Left off: repair \((?:No damage found|\d+ small marks? \([\d.]+ % of the photo\): too little to repair automatically; turn Repair on to check)\); denoise \(Not noisy \(noise level [\d.]+\)\); fade \(Not faded\); .*upscale \(1024x1024 px prints 3\.4x3\.4 in at 300 dpi: no need to enlarge\)$/);
  await expect(line('clean.png')).not.toContainText('colorize');

  // Each result follows its own recipe: the faded print enlarged and its tones fixed, the portrait as it was.
  const zip = await downloadZip(page);
  expect(Object.keys(zip)).toEqual(['faded-heirloom-x2.png', 'clean-heirloom.png']);
  const fixed = readPng(Buffer.from(zip['faded-heirloom-x2.png']!));
  expect([fixed.width, fixed.height]).toEqual([192, 144]);
  expect(diffRgb(readPng(Buffer.from(zip['clean-heirloom.png']!)), portrait).mean).toBeLessThan(0.5);
});
