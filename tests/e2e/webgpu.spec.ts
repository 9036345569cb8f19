import { test, expect } from './support/fixtures';
import { photoFixture, diffRgb } from './support/images';
import { chooseFile, runAndDownload } from './support/app';
import { referenceRun } from './support/reference';
import { upscaleModelFor } from '../../src/stages/upscale/meta';

// SwiftShader gives a software WebGPU adapter about 500x slower than WASM: tiny inputs only.
test('with a WebGPU adapter the app picks WebGPU and its output matches onnxruntime-node', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('WebGPU');
  const { png, image } = photoFixture(24, 16);
  await chooseFile(page, png, 'tiny.png');
  await page.getByTestId('scale-2').check();
  await page.getByTestId('quality').selectOption('fast');
  const { image: out } = await runAndDownload(page);
  // Still WebGPU after the run: no silent fallback to WASM.
  await expect(page.getByTestId('backend')).toHaveText(/^WebGPU/);
  expect([out.width, out.height]).toEqual([48, 32]);
  const expected = await referenceRun(upscaleModelFor({ scale: 2, quality: 'fast' }), image);
  const d = diffRgb(out, expected);
  expect(d.max).toBeLessThanOrEqual(2);
});
