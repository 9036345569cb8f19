import { test, expect } from './support/fixtures';
import { photoFixture, encodePng, type Rgba } from './support/images';
import { openApp, chooseFile, setStages, runAndDownload } from './support/app';

function psnr(a: Rgba, b: Rgba): number {
  let se = 0, n = 0;
  for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) { se += (a.data[i]! - b.data[i]!) ** 2; n++; }
  return 10 * Math.log10((255 * 255) / (se / n));
}

test('"Fix fading" brings a faded, yellowed print closer to the original', async ({ page }) => {
  const { image: clean } = photoFixture(160, 120);
  const faded = { ...clean, data: new Uint8Array(clean.data) };
  const cast = [22, 12, -18];
  for (let i = 0; i < faded.data.length; i += 4) for (let c = 0; c < 3; c++) faded.data[i + c] = Math.max(0, Math.min(255, Math.round(clean.data[i + c]! * 0.55 + 70 + cast[c]!)));

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
