import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from './support/fixtures';
import { photoFixture, readPng, SHARED_DATA, type Rgba } from './support/images';
import { openApp, chooseFile, setStages, runAndDownload } from './support/app';

function changedBox(a: Rgba, b: Rgba) {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1, n = 0;
  for (let y = 0; y < a.height; y++)
    for (let x = 0; x < a.width; x++) {
      const i = (y * a.width + x) * 4;
      if (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2]) {
        n++; x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
      }
    }
  return { x0, y0, x1, y1, n };
}

test('a mask painted with the mouse is rebuilt, and nothing outside it changes', async ({ page }) => {
  const { png, image } = photoFixture(200, 150);
  await openApp(page);
  await chooseFile(page, png, 'scratched.png');
  await setStages(page, ['repair']);
  await page.getByTestId('repair-detect').uncheck();
  await page.getByTestId('repair-paint').click();
  const canvas = page.getByTestId('mask-canvas');
  await expect(canvas).toBeVisible();
  await page.getByTestId('mask-brush').fill('10');

  // A horizontal stroke across the middle third, in image coordinates converted to screen.
  const box = (await canvas.boundingBox())!;
  const k = box.width / image.width;
  await page.mouse.move(box.x + 60 * k, box.y + 75 * k);
  await page.mouse.down();
  for (let x = 60; x <= 140; x += 5) await page.mouse.move(box.x + x * k, box.y + 75 * k);
  await page.mouse.up();
  await expect(page.getByTestId('repair-coverage')).not.toContainText(' 0.0%');

  const out = await runAndDownload(page);
  expect([out.image.width, out.image.height]).toEqual([200, 150]);
  const changed = changedBox(out.image, image);
  expect(changed.n).toBeGreaterThan(50);
  // The brush is 10 screen px; allow its radius in image px around the stroke.
  const r = Math.ceil(5 / k) + 1;
  expect(changed.x0).toBeGreaterThanOrEqual(60 - r);
  expect(changed.x1).toBeLessThanOrEqual(140 + r);
  expect(changed.y0).toBeGreaterThanOrEqual(75 - r);
  expect(changed.y1).toBeLessThanOrEqual(75 + r);
});

test('a large painted hole is rebuilt with texture from the photo, or smoothly when that box is unticked', async ({ page }) => {
  const { png, image } = photoFixture(200, 150);
  await openApp(page);
  await chooseFile(page, png, 'torn.png');
  await setStages(page, ['repair']);
  await page.getByTestId('repair-detect').uncheck();
  await expect(page.getByTestId('repair-texture')).toBeChecked(); // the default
  await page.getByTestId('repair-paint').click();
  const canvas = page.getByTestId('mask-canvas');
  await expect(canvas).toBeVisible();
  const k = (await canvas.boundingBox())!.width / image.width;
  await page.getByTestId('mask-brush').fill(String(Math.round(50 * k))); // 50 image px: a hole deeper than 16 px
  const box = (await canvas.boundingBox())!; // after the brush is set: its label can move the canvas
  await page.mouse.move(box.x + 80 * k, box.y + 75 * k);
  await page.mouse.down();
  for (let x = 80; x <= 120; x += 5) await page.mouse.move(box.x + x * k, box.y + 75 * k);
  await page.mouse.up();
  await expect(page.getByTestId('repair-coverage')).not.toContainText(' 0.0%');
  const textured = (await runAndDownload(page)).image;
  await page.getByTestId('repair-texture').uncheck();
  const smooth = (await runAndDownload(page)).image;
  let inside = 0, differ = 0;
  for (let i = 0; i < image.width * image.height; i++) {
    const same = (a: { data: Uint8Array }) => [0, 1, 2].every((c) => a.data[i * 4 + c] === image.data[i * 4 + c]);
    if (same(textured) && same(smooth)) continue; // outside the hole both leave the photo as it was
    inside++;
    if ([0, 1, 2].some((c) => textured.data[i * 4 + c] !== smooth.data[i * 4 + c])) differ++;
  }
  expect(inside).toBeGreaterThan(1500);
  expect(differ / inside).toBeGreaterThan(0.5);
  expect(changedBox(smooth, image).x0).toBeGreaterThanOrEqual(50); // and both stay in the painted hole
  expect(changedBox(textured, image).x1).toBeLessThanOrEqual(150);
});

test('undo removes the last stroke', async ({ page }) => {
  const { png } = photoFixture(120, 90);
  await openApp(page);
  await chooseFile(page, png, 'p.png');
  await setStages(page, ['repair']);
  await page.getByTestId('repair-paint').click();
  const canvas = page.getByTestId('mask-canvas');
  await expect(canvas).toBeVisible();
  await canvas.scrollIntoViewIfNeeded(); // mouse events off the viewport reach nothing
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2);
  await page.mouse.up();
  await expect(page.getByTestId('repair-coverage')).not.toContainText(' 0.0%');
  await page.getByTestId('mask-undo').click();
  await expect(page.getByTestId('repair-coverage')).toContainText(' 0.0%');
});

/** Runs the project's forge on a Kodak crop (tests/e2e/support/forge_fixture.py). */
function forgeFixture(image: string, seed: number, torn = false) {
  const dir = mkdtempSync(join(tmpdir(), 'heirloom-forge-'));
  execFileSync('/usr/bin/python3', ['tests/e2e/support/forge_fixture.py', `${SHARED_DATA}eval/kodak24/${image}`, dir, String(seed), ...(torn ? ['torn'] : [])]);
  return {
    clean: readPng(join(dir, 'clean.png')),
    damaged: readPng(join(dir, 'damaged.png')),
    damagedPng: readFileSync(join(dir, 'damaged.png')),
    mask: readPng(join(dir, 'mask.png')),
  };
}

function psnr(a: Rgba, b: Rgba): number {
  let se = 0, n = 0;
  for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) { se += (a.data[i]! - b.data[i]!) ** 2; n++; }
  return 10 * Math.log10((255 * 255) / (se / n));
}

test('automatic repair of a forge-damaged photo brings it closer to the clean original', async ({ page }) => {
  const fx = forgeFixture('kodim04.png', 3);
  await openApp(page);
  await chooseFile(page, fx.damagedPng, 'damaged.png');
  await setStages(page, ['repair']);
  await expect(page.getByTestId('repair-detect')).toBeChecked();
  const out = await runAndDownload(page);
  const before = psnr(fx.damaged, fx.clean);
  const after = psnr(out.image, fx.clean);
  console.log(`forge fixture PSNR: damaged ${before.toFixed(2)} dB, repaired ${after.toFixed(2)} dB`);
  expect(after).toBeGreaterThan(before + 1.5);
});

test('"Find damage now" shows a mask that overlaps the real damage', async ({ page }) => {
  const fx = forgeFixture('kodim03.png', 11);
  await openApp(page);
  await chooseFile(page, fx.damagedPng, 'damaged.png');
  await setStages(page, ['repair']);
  await page.getByTestId('repair-find').click();
  const canvas = page.getByTestId('mask-canvas');
  await expect(canvas).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('repair-coverage')).toBeVisible();
  const marked = await canvas.evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    return Array.from({ length: d.length / 4 }, (_, i) => (d[i * 4 + 3]! > 0 ? 1 : 0));
  });
  let tp = 0, fp = 0, fn = 0;
  marked.forEach((m, i) => {
    const truth = fx.mask.data[i * 4]! > 0;
    if (m && truth) tp++; else if (m) fp++; else if (truth) fn++;
  });
  const f1 = (2 * tp) / (2 * tp + fp + fn);
  console.log(`detected mask F1 vs forge truth: ${f1.toFixed(3)}`);
  expect(f1).toBeGreaterThan(0.3);
});

test('"Also find torn corners and missing edges" adds a torn corner to the mask, fitted to its edge', async ({ page }) => {
  const fx = forgeFixture('kodim05.png', 9, true); // a paper-white tear, 10 % of the crop
  await openApp(page);
  await chooseFile(page, fx.damagedPng, 'damaged.png');
  await setStages(page, ['repair']);
  const tears = page.getByTestId('repair-tears');
  if (await tears.isChecked()) await tears.uncheck();
  const masked = async () => {
    await page.getByTestId('repair-find').click();
    const canvas = page.getByTestId('mask-canvas');
    await expect(canvas).toBeVisible({ timeout: 120_000 });
    await expect(page.getByTestId('repair-coverage')).toBeVisible();
    return canvas.evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      return Array.from({ length: d.length / 4 }, (_, i) => d[i * 4 + 3]! > 0);
    });
  };
  const recall = (m: boolean[]) => {
    let tp = 0, fp = 0, fn = 0;
    m.forEach((v, i) => {
      const truth = fx.mask.data[i * 4]! > 0;
      if (v && truth) tp++; else if (v) fp++; else if (truth) fn++;
    });
    return { recall: tp / (tp + fn), precision: tp / Math.max(1, tp + fp) };
  };
  const without = recall(await masked());
  await page.getByTestId('repair-discard').click();
  await expect(page.getByTestId('repair-tears-note')).toHaveCount(0);
  await tears.check();
  // ticked, it says what it may mistake for a tear
  await expect(page.getByTestId('repair-tears-note')).toContainText('white backdrop');
  const withTears = recall(await masked());
  console.log(`torn fixture: recall ${without.recall.toFixed(3)} without the tear finder, ${withTears.recall.toFixed(3)} with it (precision ${withTears.precision.toFixed(3)})`);
  expect(without.recall).toBeLessThan(0.3);
  expect(withTears.recall).toBeGreaterThan(0.8);
  expect(withTears.precision).toBeGreaterThan(0.8);
});
