import type { Worker } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { photoFixture, diffRgb, encodePng } from './support/images';
import { chooseFile, runAndDownload, setStages } from './support/app';
import { denoiseModel } from '../../src/stages/denoise/meta';
import { referenceRun } from './support/reference';
import { upscaleModelFor } from '../../src/stages/upscale/meta';
import { nodeStageContext } from './support/reference';
import { runColorize } from '../../src/stages/colorize/run';
import { colorizeDefaults } from '../../src/stages/colorize/meta';
import { runFace } from '../../src/stages/face/run';
import { faceDefaults } from '../../src/stages/face/meta';
import { degradeCard, twoFaceCard } from '../support/face-card';
import sharp from 'sharp';

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

/**
 * A lost GPU (driver reset, GPU out of memory) mid-job. Headless Chromium cannot lose a device on
 * request, so the test injects the fault at the platform boundary: reaching into the worker from
 * outside (DevTools protocol), it wraps GPUAdapter.requestDevice so the device onnxruntime gets
 * has a `lost` promise the test resolves, as Chromium does on a reset, and is destroyed with it.
 * Everything after that (noticing, closing, retrying on WASM, telling the user) is the app's code.
 */
test('a WebGPU device lost mid-job: the job is retried on WASM and the user is told', async ({ page, context }) => {
  test.setTimeout(240_000);
  const workers: Worker[] = [];
  page.on('worker', (w) => workers.push(w));
  // Hold the second job's model download so the worker is waiting (reachable) when the GPU goes.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let arrived!: () => void;
  const x4Requested = new Promise<void>((r) => (arrived = r));
  let first = true;
  const x4File = upscaleModelFor({ scale: 4, quality: 'fast' }).file;
  await context.route((url) => url.pathname.endsWith(`/models/upscale/${x4File}`), async (route) => {
    if (!first) return route.continue();
    first = false;
    arrived();
    await held;
    await route.abort().catch(() => undefined);
  });

  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('WebGPU');
  const worker = workers.find((w) => /restore\.worker/.test(w.url()));
  expect(worker, 'the inference worker').toBeTruthy();
  await worker!.evaluate(() => {
    type Lost = { reason: string; message: string };
    const adapterProto = (self as unknown as { GPUAdapter: { prototype: { requestDevice: (...a: unknown[]) => Promise<object> } } }).GPUAdapter.prototype;
    const requestDevice = adapterProto.requestDevice;
    adapterProto.requestDevice = async function (this: unknown, ...args: unknown[]) {
      const device = (await requestDevice.apply(this, args)) as { destroy(): void };
      let lose!: (info: Lost) => void;
      Object.defineProperty(device, 'lost', { value: new Promise<Lost>((r) => (lose = r)) });
      (self as unknown as { loseGpu: () => void }).loseGpu = () => {
        lose({ reason: 'unknown', message: 'GPU reset (injected by the test)' });
        device.destroy();
      };
      return device;
    };
  });

  // First job on WebGPU: creates the (wrapped) device.
  const { png } = photoFixture(24, 16);
  await chooseFile(page, png, 'tiny.png');
  await page.getByTestId('scale-2').check();
  await page.getByTestId('quality').selectOption('fast');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('result-size')).toHaveText('48×32', { timeout: 170_000 });
  await expect(page.getByTestId('backend')).toHaveText(/^WebGPU/);

  // Second job: the GPU is lost while it runs.
  await page.getByTestId('scale-4').check();
  await page.getByTestId('run').click();
  await x4Requested;
  await worker!.evaluate(() => (self as unknown as { loseGpu: () => void }).loseGpu());
  release();

  await expect(page.getByTestId('notice')).toHaveText('The GPU stopped responding; retrying on the CPU (WASM) with smaller tiles.', { timeout: 30_000 });
  await expect(page.getByTestId('result-size')).toHaveText('96×64', { timeout: 170_000 });
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('backend')).toContainText('WASM');
});

// The repair models (U-Nets with edge padding, pooling and resizing inside the graph) on the
// WebGPU execution provider: no fallback to WASM, and the same result as onnxruntime-node.
test('the denoiser runs on WebGPU and matches onnxruntime-node', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('WebGPU');
  const { png, image } = photoFixture(24, 16);
  await chooseFile(page, png, 'tiny.png');
  await setStages(page, ['denoise']);
  await page.getByTestId('denoise-strength').fill('1');
  const { image: out } = await runAndDownload(page);
  await expect(page.getByTestId('backend')).toHaveText(/^WebGPU/);
  expect([out.width, out.height]).toEqual([24, 16]);
  const expected = await referenceRun(denoiseModel(), image);
  expect(diffRgb(out, expected).max).toBeLessThanOrEqual(2);
});

// The inpainting graph (push-pull fill: AveragePool in ceil mode, linear Resize, then the U-Net)
// on the WebGPU execution provider: no fallback to WASM, only the painted pixels change.
test('the inpainting network runs on WebGPU and changes only the painted pixels', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('WebGPU');
  const { png, image } = photoFixture(40, 30);
  await chooseFile(page, png, 'tiny.png');
  await setStages(page, ['repair']);
  await page.getByTestId('repair-detect').uncheck();
  await page.getByTestId('repair-paint').click();
  const canvas = page.getByTestId('mask-canvas');
  await expect(canvas).toBeVisible();
  await page.getByTestId('mask-brush').fill('4');
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 8 });
  await page.mouse.up();
  await expect(page.getByTestId('repair-coverage')).not.toContainText(' 0.0%');
  const { image: out } = await runAndDownload(page);
  await expect(page.getByTestId('backend')).toHaveText(/^WebGPU/);
  expect([out.width, out.height]).toEqual([40, 30]);
  let changedTop = 0, changedMiddle = 0;
  for (let y = 0; y < 30; y++)
    for (let x = 0; x < 40; x++) {
      const i = (y * 40 + x) * 4;
      const changed = [0, 1, 2].some((c) => out.data[i + c] !== image.data[i + c]);
      if (!changed) continue;
      if (Math.abs(y - 15) <= 4) changedMiddle++;
      else changedTop++;
    }
  expect(changedMiddle).toBeGreaterThan(10); // the stroke was rebuilt
  expect(changedTop).toBe(0); // nothing away from it changed
});

test('the colorization network runs on WebGPU and matches onnxruntime-node', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('WebGPU');
  const { image } = photoFixture(32, 24);
  const grey = { ...image, data: new Uint8Array(image.data) };
  for (let i = 0; i < grey.data.length; i += 4) grey.data.fill(Math.round((grey.data[i]! + grey.data[i + 1]! + grey.data[i + 2]!) / 3), i, i + 3);
  await chooseFile(page, encodePng(grey), 'tiny-grey.png');
  await setStages(page, ['colorize']);
  const { image: out } = await runAndDownload(page);
  await expect(page.getByTestId('backend')).toHaveText(/^WebGPU/); // no per-model fallback
  const expected = await runColorize({ ...grey, data: new Uint8ClampedArray(grey.data) }, { ...colorizeDefaults, hints: [] }, nodeStageContext());
  expect(diffRgb(out, { ...expected, data: new Uint8Array(expected.data) }).max).toBeLessThanOrEqual(3);
});

test('the face nets (detector, landmarks, restorer) run on WebGPU and match onnxruntime-node', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('WebGPU');
  // one held-out face, degraded, 160 px: small enough for the software adapter
  const { clean, boxes } = await twoFaceCard();
  const b = boxes[0]!;
  const face = await sharp(Buffer.from(clean.data), { raw: { width: clean.width, height: clean.height, channels: 4 } })
    .extract({ left: b.x - 20, top: b.y - 20, width: b.size + 40, height: b.size + 40 }).resize(160, 160).raw().toBuffer();
  const bad = await degradeCard({ width: 160, height: 160, data: face });
  await chooseFile(page, encodePng(bad), 'face-tiny.png');
  await setStages(page, ['face']);
  await page.getByTestId('face-fidelity').fill('1');
  const { image: out } = await runAndDownload(page);
  await expect(page.getByTestId('backend')).toHaveText(/^WebGPU/); // no per-model fallback
  const expected = await runFace({ ...bad, data: new Uint8ClampedArray(bad.data) }, { ...faceDefaults, fidelity: 1 }, nodeStageContext());
  expect(diffRgb(out, bad).mean).toBeGreaterThan(1); // the face was restored
  expect(diffRgb(out, { ...expected, data: new Uint8Array(expected.data) }).max).toBeLessThanOrEqual(4);
});
