import { readFileSync } from 'node:fs';
import { test, expect } from './support/fixtures';
import { photoFixture, readPng, diffRgb } from './support/images';
import { referenceRun } from './support/reference';
import { upscaleModelFor } from '../../src/stages/upscale/meta';

// SwiftShader gives a software WebGPU adapter about 500x slower than WASM: tiny inputs only.
test('with a WebGPU adapter the app picks WebGPU and its output matches onnxruntime-node', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('WebGPU');
  const { png, image } = photoFixture(24, 16);
  await page.getByTestId('file-input').setInputFiles({ name: 'tiny.png', mimeType: 'image/png', buffer: png });
  await page.getByTestId('scale-2').check();
  await page.getByTestId('quality').selectOption('fast');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('download')).toBeVisible({ timeout: 150_000 });
  // Still WebGPU after the run: no silent fallback to WASM.
  await expect(page.getByTestId('backend')).toHaveText(/^WebGPU/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  const out = readPng(readFileSync((await download.path())!));
  expect([out.width, out.height]).toEqual([48, 32]);
  const expected = await referenceRun(upscaleModelFor({ scale: 2, quality: 'fast' }), image);
  const d = diffRgb(out, expected);
  expect(d.max).toBeLessThanOrEqual(2);
});
