import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { readPng, encodePng, SHARED_DATA, type Rgba } from './support/images';
import { openApp, chooseFile, setStages, runAndDownload } from './support/app';
import { addModel } from './support/custom-model';
import { ddcolorLikeModel } from '../support/colorize-models';
import { lightnessToGray, rgbToLab } from '../../src/core/color/lab';

/** The photo as the grey print the colorizer is meant for (its own lightness, a = b = 0). */
function toGrey(img: Rgba): Rgba {
  const data = new Uint8Array(img.data);
  for (let i = 0; i < data.length; i += 4) {
    const v = Math.round(255 * lightnessToGray(rgbToLab(data[i]!, data[i + 1]!, data[i + 2]!)[0]));
    data[i] = data[i + 1] = data[i + 2] = v;
  }
  return { ...img, data };
}

const labAt = (img: Rgba, i: number) => rgbToLab(img.data[i * 4]!, img.data[i * 4 + 1]!, img.data[i * 4 + 2]!);

/** RMS a/b distance to the true colours over every pixel; `ab` gives a baseline's constant a/b. */
function abError(truth: Rgba, out: Rgba | [number, number]): number {
  let se = 0;
  const n = truth.width * truth.height;
  for (let i = 0; i < n; i++) {
    const t = labAt(truth, i);
    const [a, b] = Array.isArray(out) ? out : labAt(out, i).slice(1);
    se += (t[1] - a!) ** 2 + (t[2] - b!) ** 2;
  }
  return Math.sqrt(se / n);
}

const hueDiff = (a: number[], b: number[]) => {
  const d = Math.abs(Math.atan2(a[2]!, a[1]!) - Math.atan2(b[2]!, b[1]!)) * (180 / Math.PI);
  return d > 180 ? 360 - d : d;
};

async function openGreyPhoto(page: Page, name = 'kodim05.png') {
  const truth = readPng(SHARED_DATA + 'eval/kodak24/' + name); // held out: never trained on
  const grey = toGrey(truth);
  await openApp(page);
  await chooseFile(page, encodePng(grey), 'grandparents.png');
  return { truth, grey };
}

test('a black-and-white photo: Colorize is suggested, and its colours come closer to the real ones than a sepia tint', async ({ page }) => {
  const { truth, grey } = await openGreyPhoto(page);
  // Black-and-white input is recognised and Colorize suggested.
  await expect(page.getByTestId('suggest-colorize')).toBeVisible();
  await setStages(page, []);
  await page.getByTestId('suggest-colorize-on').click();
  await expect(page.getByTestId('stage-colorize')).toBeChecked();
  await expect(page.getByTestId('suggest-colorize')).toBeHidden();
  const out = await runAndDownload(page);
  expect(out.name).toBe('grandparents-heirloom.png');
  expect([out.image.width, out.image.height]).toEqual([truth.width, truth.height]);

  const sepia = rgbToLab(165, 133, 100); // the sepia baseline of the model card
  const errModel = abError(truth, out.image);
  const errSepia = abError(truth, [sepia[1], sepia[2]]);
  expect(errModel).toBeLessThan(errSepia);
  // The lightness is the photo's own; only colour was added.
  let maxDL = 0, chroma = 0;
  for (let i = 0; i < truth.width * truth.height; i += 5) {
    const g = labAt(grey, i), o = labAt(out.image, i);
    maxDL = Math.max(maxDL, Math.abs(g[0] - o[0]));
    chroma += Math.hypot(o[1], o[2]);
  }
  expect(maxDL).toBeLessThan(4);
  expect(chroma / (truth.width * truth.height / 5)).toBeGreaterThan(3);
});

test('colour hints: a click makes that area the chosen colour; hints can be removed and undone', async ({ page }) => {
  const { truth } = await openGreyPhoto(page);
  await setStages(page, ['colorize']);
  await page.getByTestId('colorize-edit-hints').click();
  const canvas = page.getByTestId('hint-canvas');
  await expect(canvas).toBeVisible();
  // The live preview replaces the original once the first colorized preview is ready.
  const preview = page.getByTestId('hint-preview');
  await expect(preview).toHaveAttribute('data-version', '1');

  const spot = { x: 0.3, y: 0.3 };
  const blue = '#2050e0';
  await page.getByTestId('hint-color').fill(blue);
  const box = (await canvas.boundingBox())!;
  await page.mouse.click(box.x + spot.x * box.width, box.y + spot.y * box.height);
  await expect(page.getByTestId('hint-item')).toHaveCount(1);
  await expect(page.getByTestId('hint-count')).toHaveText('1 colour hint');
  // a second hint, then remove it, then undo the removal, then undo both with the button and Ctrl+Z
  await page.mouse.click(box.x + 0.8 * box.width, box.y + 0.8 * box.height);
  await expect(page.getByTestId('hint-item')).toHaveCount(2);
  await page.getByTestId('hint-remove').nth(1).click();
  await expect(page.getByTestId('hint-item')).toHaveCount(1);
  await page.getByTestId('hint-undo').click();
  await expect(page.getByTestId('hint-item')).toHaveCount(2);
  await page.getByTestId('hint-undo').click();
  await expect(page.getByTestId('hint-item')).toHaveCount(1);
  // The preview follows the hint.
  // The preview follows the hints (one new preview per change, stale ones dropped).
  await expect(preview).not.toHaveAttribute('data-version', '1');
  await expect(page.getByTestId('hint-busy')).toBeHidden();

  const out = await runAndDownload(page);
  const want = rgbToLab(0x20, 0x50, 0xe0);
  const x = Math.floor(spot.x * truth.width), y = Math.floor(spot.y * truth.height);
  const got = labAt(out.image, y * truth.width + x);
  expect(hueDiff(got, want)).toBeLessThan(20);
  expect(Math.hypot(got[1], got[2])).toBeGreaterThan(25);
  // Without the hint that spot is not blue: the hint did it.
  await page.getByTestId('view-hints').click();
  await page.getByTestId('hint-clear').click();
  await expect(page.getByTestId('hint-item')).toHaveCount(0);
  const auto = await runAndDownload(page);
  expect(hueDiff(labAt(auto.image, y * truth.width + x), want) > 20 || Math.hypot(...labAt(auto.image, y * truth.width + x).slice(1) as [number, number]) < 15).toBe(true);
});

test('bring your own colorizer: a DDColor-style export is checked, added and used by Colorize', async ({ page }) => {
  test.setTimeout(240_000);
  await openApp(page, '#/models');
  // The wrong preset for this signature: a clear message, nothing added.
  await addModel(page, 'ddcolor.onnx', ddcolorLikeModel(64), 'colorize-deoldify');
  await expect(page.getByTestId('model-error')).toContainText('is 1x2x64x64, not 1x3xHxW');
  await addModel(page, 'ddcolor.onnx', ddcolorLikeModel(64), 'colorize-ddcolor');
  await expect(page.getByTestId('model-added')).toContainText('ddcolor (DDColor)');
  await expect(page.getByTestId('model-added')).toContainText('Colorize');

  // A grey card: dark left half, bright right half. The test model colours a = 80 * grey - 40.
  const w = 120, h = 80;
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) { const v = i % w < w / 2 ? 40 : 220; data.set([v, v, v, 255], i * 4); }
  await page.goto('/#/restore');
  await chooseFile(page, encodePng({ width: w, height: h, data }), 'card.png');
  await setStages(page, ['colorize']);
  await page.getByTestId('colorize-model').selectOption({ label: 'ddcolor (DDColor)' });
  const out = await runAndDownload(page);
  const dark = labAt(out.image, 40 * w + 10), bright = labAt(out.image, 40 * w + 110);
  expect(dark[1]).toBeLessThan(-15);
  expect(bright[1]).toBeGreaterThan(15);
  expect(Math.abs(bright[0] - rgbToLab(220, 220, 220)[0])).toBeLessThan(2);
});
