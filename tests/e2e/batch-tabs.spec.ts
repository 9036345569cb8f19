import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { openApp, setStages } from './support/app';
import { photoFixture } from './support/images';

/**
 * Issue 16 item 6: the batch queue is shared by every tab (IndexedDB), so it must run in one;
 * a reload is not a crash; and file names cannot hide what they are.
 */

async function upscaleBalanced(page: Page) {
  await setStages(page, ['upscale']);
  await page.getByTestId('scale-2').check();
  await page.getByTestId('quality').selectOption('balanced');
}

const running = (page: Page) => page.locator('[data-testid="batch-item"][data-status="running"]');

test('the same batch open in two tabs runs in one; the other takes over when it closes', async ({ context, page }) => {
  test.setTimeout(240_000);
  const { png } = photoFixture(160, 120);
  await openApp(page, '#/batch');
  await page.getByTestId('batch-files').setInputFiles(['a', 'b', 'c'].map((n) => ({ name: `${n}.png`, mimeType: 'image/png', buffer: png })));
  await upscaleBalanced(page);
  await page.getByTestId('batch-start').click();
  await expect(running(page)).toHaveCount(1, { timeout: 60_000 });

  // A second tab sees the batch is worked on elsewhere, and neither shows nor runs the queue.
  const second = await context.newPage();
  await openApp(second, '#/batch');
  await expect(second.getByTestId('batch-other-tab')).toBeVisible();
  await expect(second.getByTestId('batch-item')).toHaveCount(0);
  await expect(running(page)).toHaveCount(1); // the first tab's photo was not taken for interrupted

  // Closing the first tab hands the queue over: the second resumes it and finishes it.
  await page.close();
  await expect(second.getByTestId('batch-other-tab')).toHaveCount(0, { timeout: 30_000 });
  await expect(second.getByTestId('batch-item')).toHaveCount(3);
  await expect(second.getByTestId('batch-done')).toHaveText('3', { timeout: 200_000 });
  await expect(second.getByTestId('batch-failed')).toHaveText('0');
});

test('two reloads while one photo is restored leave it queued, not failed', async ({ page }) => {
  test.setTimeout(240_000);
  const { png } = photoFixture(320, 240);
  await openApp(page, '#/batch');
  await page.getByTestId('batch-files').setInputFiles([{ name: 'slow.png', mimeType: 'image/png', buffer: png }]);
  await upscaleBalanced(page);
  await page.getByTestId('batch-start').click();
  for (let n = 0; n < 2; n++) {
    await expect(running(page)).toHaveCount(1, { timeout: 60_000 });
    await page.reload();
  }
  await expect(page.getByTestId('batch-done')).toHaveText('1', { timeout: 200_000 });
  await expect(page.getByTestId('batch-failed')).toHaveText('0');
});

test('names with control or right-to-left override characters are shown spelled out and zipped safely', async ({ page }) => {
  const { png } = photoFixture(24, 16);
  await openApp(page, '#/batch');
  const names = ['photo\u202Egpj.exe', 'line1\nline2\u2026\u0000nul.png'];
  await page.getByTestId('batch-files').setInputFiles(names.map((name) => ({ name, mimeType: 'image/png', buffer: png })));
  await expect(page.getByTestId('batch-item-name')).toHaveText(['photo⟨U+202E⟩gpj.exe', 'line1⟨U+000A⟩line2\u2026⟨U+0000⟩nul.png']);
  await setStages(page, ['fade']);
  await page.getByTestId('batch-start').click();
  await expect(page.getByTestId('batch-done')).toHaveText('2', { timeout: 60_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('batch-download').click()]);
  const zip = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
  expect(Object.keys(zip)).toEqual(['photo_gpj-heirloom.png', 'line1_line2\u2026_nul-heirloom.png']);
});
