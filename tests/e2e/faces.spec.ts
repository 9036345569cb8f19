import { test, expect } from './support/fixtures';
import { encodePng, type Rgba } from './support/images';
import { openApp, chooseFile, setStages, runAndDownload } from './support/app';
import { addModel } from './support/custom-model';
import { halfPrecisionFaceModel, negatingFaceModel } from '../support/face-models';
import { changedOutsideFaces, degradeCard, facePsnr, twoFaceCard } from '../support/face-card';

// The pasted square holds the whole head (the templates frame the face with hair and background),
// so "outside the faces" starts most of a face's size away from its box.
const MARGIN = 130;

test('Enhance faces: the built-in model restores both faces of a degraded photo and changes nothing else (no request leaves the page)', async ({ page }) => {
  test.setTimeout(240_000);
  const { clean, boxes } = await twoFaceCard();
  const bad = await degradeCard(clean);
  await openApp(page, '#/restore');
  await chooseFile(page, encodePng(bad), 'grandparents.png');
  await setStages(page, ['face']);
  await expect(page.getByTestId('face-no-model')).toHaveCount(0);
  await expect(page.getByTestId('face-model')).toHaveValue('builtin');
  await page.getByTestId('face-fidelity').fill('1');
  const { image: out } = await runAndDownload(page);
  for (const b of boxes) {
    const before = facePsnr(bad, clean, b), after = facePsnr(out, clean, b);
    console.log(`face at ${b.x},${b.y}: ${before.toFixed(2)} dB degraded -> ${after.toFixed(2)} dB restored`);
    expect(after).toBeGreaterThan(before + 0.5);
  }
  expect(changedOutsideFaces(out, bad, boxes, MARGIN)).toBe(0);
});

test('Enhance faces: a GFPGAN-style model added in Models is used, with the fidelity slider blending', async ({ page }) => {
  test.setTimeout(240_000);
  await openApp(page, '#/models');
  await addModel(page, 'gfpgan-test.onnx', negatingFaceModel(256), 'face-gfpgan');
  await expect(page.getByTestId('model-error')).toContainText('1x3x256x256'); // wrong size for GFPGAN: refused
  await addModel(page, 'gpen-test.onnx', negatingFaceModel(256), 'face-gpen256');
  await expect(page.getByTestId('model-added')).toContainText('gpen-test (GPEN)');
  // GFPGAN converted to half precision (float16 input and output, as users make the 170 MB file): accepted as it is
  await addModel(page, 'gfpgan-fp16.onnx', halfPrecisionFaceModel(), 'face-gfpgan');
  await expect(page.getByTestId('model-added')).toContainText('gfpgan-fp16');

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
  expect(changedOutsideFaces(out, clean, boxes, MARGIN)).toBe(0);
});
