import { readdirSync } from 'node:fs';
import { test, expect } from './support/fixtures';
import { readPng, encodePng, SHARED_DATA, type Rgba } from './support/images';
import { openApp, chooseFile, setStages, runAndDownload } from './support/app';
import { addModel } from './support/custom-model';
import { negatingFaceModel } from '../support/face-models';
import { utkHeldout } from '../support/utk-split';
import sharp from 'sharp';

/** Two held-out UTKFace faces (never trained on) on a grey card, at known places. */
async function twoFaceCard(): Promise<{ clean: Rgba; boxes: { x: number; y: number; size: number }[] }> {
  const dir = SHARED_DATA + 'faces/utkface/';
  const files = readdirSync(dir).sort().filter(utkHeldout).slice(3, 5);
  const W = 1200, H = 600, size = 200;
  const clean: Rgba = { width: W, height: H, data: new Uint8Array(W * H * 4).map((_, i) => (i % 4 === 3 ? 255 : 120)) };
  const boxes = [{ x: 120, y: 140, size }, { x: 820, y: 260, size }];
  for (const [i, f] of files.entries()) {
    const { data } = await sharp(dir + f).resize(size, size).removeAlpha().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const { x, y } = boxes[i]!;
    for (let r = 0; r < size; r++) clean.data.set(data.subarray(r * size * 4, (r + 1) * size * 4), ((y + r) * W + x) * 4);
  }
  return { clean, boxes };
}

/**
 * Pixels farther than `margin` from every face box. The pasted square holds the whole head (the
 * templates frame the face with hair and background), so the margin is most of a face's size.
 */
function outsideFaces(img: Rgba, boxes: { x: number; y: number; size: number }[], margin: number, f: (i: number) => void) {
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++) {
      if (boxes.some((b) => x > b.x - margin && x < b.x + b.size + margin && y > b.y - margin && y < b.y + b.size + margin)) continue;
      f((y * img.width + x) * 4);
    }
}

test('Enhance faces: a GFPGAN-style model added in Models is used, with the fidelity slider blending', async ({ page }) => {
  test.setTimeout(240_000);
  await openApp(page, '#/models');
  await addModel(page, 'gfpgan-test.onnx', negatingFaceModel(256), 'face-gfpgan');
  await expect(page.getByTestId('model-error')).toContainText('1x3x256x256'); // wrong size for GFPGAN: refused
  await addModel(page, 'gpen-test.onnx', negatingFaceModel(256), 'face-gpen256');
  await expect(page.getByTestId('model-added')).toContainText('gpen-test (GPEN)');

  const { clean, boxes } = await twoFaceCard();
  await page.goto('/#/restore');
  await chooseFile(page, encodePng(clean), 'cousins.png');
  await setStages(page, ['face']);
  await page.getByTestId('face-model').selectOption({ label: 'gpen-test (GPEN)' });
  await page.getByTestId('face-fidelity').fill('0.5');
  const { image: out } = await runAndDownload(page);
  // The stand-in returns the negative (brought back to the face's mean colour by the stage's colour
  // match): blended half and half with the original, the face centre flattens to its mean.
  const spread = (img: Rgba, bx: { x: number; y: number; size: number }) => {
    const vals: number[] = [];
    for (let y = bx.y + bx.size * 0.35; y < bx.y + bx.size * 0.65; y++)
      for (let x = bx.x + bx.size * 0.35; x < bx.x + bx.size * 0.65; x++) vals.push(img.data[(Math.round(y) * img.width + Math.round(x)) * 4 + 1]!);
    const m = vals.reduce((a, v) => a + v, 0) / vals.length;
    return Math.sqrt(vals.reduce((a, v) => a + (v - m) ** 2, 0) / vals.length);
  };
  for (const b of boxes) expect(spread(out, b)).toBeLessThan(0.35 * spread(clean, b));
  let changed = 0;
  outsideFaces(out, boxes, 130, (o) => { if (out.data[o] !== clean.data[o]) changed++; });
  expect(changed).toBe(0);
});
