/**
 * The capture step in the single view: a photo of a print opens in the corner editor; dragging a
 * corner (mouse) or moving it (keyboard) changes the outline and the straightened size; confirming
 * straightens the print, and the restored result has that size. A photo with no print in it opens
 * as before, with no editor.
 */
import sharp from 'sharp';
import { test, expect } from './support/fixtures';
import { openApp, chooseFile, setStages, runAndDownload } from './support/app';
import { loadRgba, photographPrint, sourcePhotos } from '../support/print-photos';

async function printPhotoPng(): Promise<Buffer> {
  const p = photographPrint(await loadRgba(sourcePhotos()[2]!), 21, { width: 1000, height: 750 });
  return sharp(Buffer.from(p.image.data.buffer), { raw: { width: 1000, height: 750, channels: 4 } }).png().toBuffer();
}

const sizeOf = async (page: import('@playwright/test').Page) => {
  const [w, h] = (await page.getByTestId('capture-size').textContent())!.split('×').map(Number);
  return { w: w!, h: h! };
};

test('a photo of a print: drag and nudge the corners, confirm, and the result has the straightened size', async ({ page }) => {
  await openApp(page);
  await chooseFile(page, await printPhotoPng(), 'phone-shot.png');
  await expect(page.getByTestId('capture')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('capture-message')).toContainText('Found a print');
  const outline = page.getByTestId('capture-outline');
  const before = await outline.getAttribute('points');
  const size0 = await sizeOf(page);
  expect(size0.w).toBeGreaterThan(200);

  // Drag the top-left corner up and left: the outline and the size follow.
  const handle = page.getByTestId('capture-corner-0');
  const box = (await handle.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 30, box.y + box.height / 2 - 25, { steps: 5 });
  await page.mouse.up();
  await expect.poll(() => outline.getAttribute('points')).not.toBe(before);
  const size1 = await sizeOf(page);
  expect(size1.w + size1.h).toBeGreaterThan(size0.w + size0.h);

  // Keyboard: Tab to the bottom-right corner, arrows move it (its label says where it is).
  const br = page.getByTestId('capture-corner-2');
  await br.focus();
  const label = await br.getAttribute('aria-label');
  const afterDrag = await outline.getAttribute('points');
  await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('Shift+ArrowDown');
  await expect(br).not.toHaveAttribute('aria-label', label!);
  const at = (l: string | null) => l!.match(/at (\d+), (\d+)/)!.slice(1).map(Number);
  const [x0, y0] = at(label), [x1, y1] = at(await br.getAttribute('aria-label'));
  // Shift+arrow moves by a fiftieth of the photo's long side (1000 px): 20 px.
  expect(Math.abs(x1! - x0! - 20)).toBeLessThanOrEqual(1);
  expect(Math.abs(y1! - y0! - 20)).toBeLessThanOrEqual(1);
  await expect(outline).not.toHaveAttribute('points', afterDrag!);

  // Reset goes back to the proposal; then confirm the proposal as found.
  await page.getByTestId('capture-reset').click();
  await expect(outline).toHaveAttribute('points', before!);
  await page.getByTestId('capture-corner-0').focus();
  await page.keyboard.press('ArrowLeft');
  const final = await sizeOf(page);
  await page.getByTestId('capture-confirm').click();
  await expect(page.getByTestId('capture-applied')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('capture')).toHaveCount(0);

  await setStages(page, ['fade']);
  const out = await runAndDownload(page);
  expect(out.name).toBe('phone-shot-heirloom.png');
  expect([out.image.width, out.image.height]).toEqual([final.w, final.h]);
  await expect(page.getByTestId('result-size')).toHaveText(`${final.w}×${final.h}`);

  // Edit corners brings the original photo and the editor back.
  await page.getByTestId('capture-edit').click();
  await expect(page.getByTestId('capture')).toBeVisible();
});

test('a photo with no print in it opens as before: no corner editor, the analysis runs', async ({ page }) => {
  await openApp(page);
  const plain = await sharp(sourcePhotos().find((s) => s.endsWith('kodim05.png'))!).resize(400).png().toBuffer();
  await chooseFile(page, plain, 'plain.png');
  await expect(page.getByTestId('analysis-summary')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('capture')).toHaveCount(0);
  await expect(page.getByTestId('capture-applied')).toHaveCount(0);
  await expect(page.getByTestId('compare')).toBeVisible();
});
