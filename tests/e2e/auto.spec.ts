import { test, expect } from './support/fixtures';
import { photoFixture, encodePng } from './support/images';
import { openApp, chooseFile } from './support/app';

/** One click: a photo opens with the stages its analysis recommends, each with its reason. */
test('a faded photo opens with Fix fading on and its reason; a clean one with nothing but what its size needs', async ({ page }) => {
  const { image: clean, png } = photoFixture(900, 880, 'eval/ffhq-10/00003.png');
  const faded = { ...clean, data: new Uint8Array(clean.data) };
  // the forge's fade: desaturated, blacks lifted to ~60 levels, whites lowered a little
  for (let i = 0; i < faded.data.length; i += 4) {
    const g = (clean.data[i]! + clean.data[i + 1]! + clean.data[i + 2]!) / 3;
    for (let c = 0; c < 3; c++) faded.data[i + c] = Math.round(60 + ((245 - 60) * (clean.data[i + c]! * 0.75 + g * 0.25)) / 255);
  }
  await openApp(page);
  await chooseFile(page, encodePng(faded), 'faded.png');
  await expect(page.getByTestId('analysis-summary')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('stage-fade')).toBeChecked();
  await expect(page.getByTestId('reason-fade')).toHaveText(/Faded: contrast at \d+ % of normal/);
  await expect(page.getByTestId('stage-colorize')).not.toBeChecked();
  await expect(page.getByTestId('stage-upscale')).toBeChecked(); // 900 px: 3 in at 300 dpi
  await expect(page.getByTestId('reason-upscale')).toHaveText(/prints 3\.0x2\.9 in at 300 dpi; 2x makes/);

  await chooseFile(page, png, 'clean.png');
  await expect(page.getByTestId('analysis-summary')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('stage-fade')).not.toBeChecked();
  await expect(page.getByTestId('reason-fade')).toHaveText(/Not faded/);
  await expect(page.getByTestId('stage-denoise')).not.toBeChecked();
  // the user can still change everything
  await page.getByTestId('stage-fade').check();
  await expect(page.getByTestId('fade-strength')).toBeVisible();
});
