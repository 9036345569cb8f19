import { test, expect } from './support/fixtures';
import { photoFixture, encodePng, diffRgb, fadedPrint, type Rgba } from './support/images';
import { openApp, chooseFile, setStages, runAndDownload, shownPixels } from './support/app';

function psnr(a: Rgba, b: Rgba): number {
  let se = 0, n = 0;
  for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) { se += (a.data[i]! - b.data[i]!) ** 2; n++; }
  return 10 * Math.log10((255 * 255) / (se / n));
}

test('"Fix fading" brings a faded, yellowed print closer to the original', async ({ page }) => {
  const { clean, faded } = fadedPrint(160, 120);
  await openApp(page);
  await chooseFile(page, encodePng(faded), 'faded.png');
  await setStages(page, ['fade']);
  await page.getByTestId('fade-strength').fill('1');
  const out = await runAndDownload(page);
  expect(out.name).toBe('faded-heirloom.png');
  expect([out.image.width, out.image.height]).toEqual([160, 120]);
  expect(psnr(out.image, clean)).toBeGreaterThan(psnr(faded, clean) + 2);
});

test('Restore is disabled when no stage is on', async ({ page }) => {
  await openApp(page);
  await chooseFile(page, photoFixture(16, 16).png, 'p.png');
  await setStages(page, []);
  await expect(page.getByTestId('run')).toBeDisabled();
});

test('Compare shows what each stage did: its input (the stage before\'s output) against its output', async ({ page }) => {
  const { faded } = fadedPrint(96, 72);
  await openApp(page);
  await chooseFile(page, encodePng(faded), 'faded.png');
  // Colorize is on too: this is a colour photo, so it changes nothing and says why.
  await setStages(page, ['fade', 'colorize', 'upscale']);
  await page.getByTestId('scale-2').check();
  const out = await runAndDownload(page);
  expect([out.image.width, out.image.height]).toEqual([192, 144]);

  const picker = page.getByLabel('Compare');
  await expect(picker).toBeVisible();
  await expect(picker.locator('option')).toHaveText(['Photo → result (every stage)', 'Fix fading', 'Colorize (unchanged)', 'Upscale']);
  // The whole restoration first: the photo against the result.
  expect(diffRgb(await shownPixels(page, 'before'), faded).max).toBe(0);
  expect(diffRgb(await shownPixels(page, 'after'), out.image).max).toBe(0);

  // Keyboard: the picker is reached with Tab and changed with the arrow keys.
  await page.getByTestId('compare').focus();
  await page.keyboard.press('Shift+Tab');
  await expect(picker).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(picker).toHaveValue('fade');
  await expect(page.getByTestId('after')).toHaveAttribute('alt', 'After Fix fading');
  const fadeBefore = await shownPixels(page, 'before');
  const fadeAfter = await shownPixels(page, 'after');
  expect(diffRgb(fadeBefore, faded).max, 'Fix fading starts from the photo').toBe(0);
  expect(diffRgb(fadeAfter, faded).mean, 'Fix fading changed the photo').toBeGreaterThan(10);

  await picker.selectOption('colorize');
  await expect(page.getByTestId('compare-step-note')).toHaveText(/Colorize: skipped: the photo already has colour/);
  expect(diffRgb(await shownPixels(page, 'before'), fadeAfter).max).toBe(0);
  expect(diffRgb(await shownPixels(page, 'after'), fadeAfter).max, 'unchanged: the same picture on both sides').toBe(0);

  await picker.selectOption('upscale');
  await expect(page.getByTestId('compare-step-note')).toHaveCount(0);
  const upBefore = await shownPixels(page, 'before');
  expect(diffRgb(upBefore, fadeAfter).max, 'Upscale starts from what Fix fading made').toBe(0);
  expect(diffRgb(upBefore, faded).mean, '... not from the photo').toBeGreaterThan(10);
  expect(diffRgb(await shownPixels(page, 'after'), out.image).max, 'and ends with the result').toBe(0);

  await picker.selectOption({ label: 'Photo → result (every stage)' });
  expect(diffRgb(await shownPixels(page, 'before'), faded).max).toBe(0);
});
