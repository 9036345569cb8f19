import { readFileSync } from 'node:fs';
import type { Worker } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { openApp, chooseFile, setStages } from './support/app';
import { photoFixture, readPng, diffRgb } from './support/images';
import { referenceRun } from './support/reference';
import { upscaleDefaults, upscaleModelFor } from '../../src/stages/upscale/meta';

/**
 * Faults: the inference worker dies mid-job. Nothing in the app can make it die on request; the
 * test reaches into the worker from outside (DevTools protocol) and closes it, as a crash or an
 * out-of-memory kill would. The job must be retried once, with smaller tiles, and say so.
 */
// No service worker: the model requests must reach the network (and this test's route).
test.use({ serviceWorkers: 'block' });

test('a worker that dies mid-job is restarted; the job is retried with smaller tiles and completes correctly', async ({ page, context }) => {
  const workers: Worker[] = [];
  page.on('worker', (w) => workers.push(w));
  // Hold the first model download, so the worker is certainly mid-job (photo decoded, model
  // loading) and idle enough to be reached; a compute-bound worker only runs our code between
  // jobs. The retry's download goes through.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let arrived!: () => void;
  const firstRequest = new Promise<void>((r) => (arrived = r));
  let first = true;
  await context.route(/\/models\/upscale\/[^/]+\.onnx$/, async (route) => {
    if (!first) return route.continue();
    first = false;
    arrived();
    await held;
    await route.abort().catch(() => undefined);
  });
  const { png, image } = photoFixture(200, 150);
  await openApp(page);
  await chooseFile(page, png, 'crash.png');
  await setStages(page, ['upscale']);
  await page.getByTestId('scale-2').check();
  await page.getByTestId('run').click();
  await firstRequest;

  const restoreWorker = workers.find((w) => /restore\.worker/.test(w.url()));
  expect(restoreWorker, 'the inference worker').toBeTruthy();
  await restoreWorker!.evaluate(() => self.close());
  release();

  await expect(page.getByTestId('notice')).toHaveText('The restoration stopped unexpectedly (out of memory?); retrying once with smaller tiles.', { timeout: 30_000 });
  await expect(page.getByTestId('result-size')).toHaveText('400×300', { timeout: 170_000 });
  await expect(page.getByTestId('error')).toHaveCount(0);
  // A fresh worker did the retry.
  expect(workers.filter((w) => /restore\.worker/.test(w.url())).length).toBeGreaterThanOrEqual(2);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  const out = readPng(readFileSync((await download.path())!));
  expect([out.width, out.height]).toEqual([400, 300]);
  const d = diffRgb(out, await referenceRun(upscaleModelFor({ ...upscaleDefaults, scale: 2 }), image));
  // Half-size tiles: more seams than the 128px run, still the same model's output.
  expect(d.mean).toBeLessThan(1);
  expect(d.max).toBeLessThanOrEqual(32);

  // The next job runs normally, without a notice.
  await chooseFile(page, photoFixture(40, 30).png, 'next.png');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('result-size')).toHaveText('80×60', { timeout: 120_000 });
  await expect(page.getByTestId('notice')).toHaveCount(0);
});

test('a worker that died while idle is replaced: the next job just runs', async ({ page }) => {
  const workers: Worker[] = [];
  page.on('worker', (w) => workers.push(w));
  await openApp(page);
  await setStages(page, ['fade']);
  await chooseFile(page, photoFixture(40, 30).png, 'first.png');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('result-size')).toHaveText('40×30');
  await workers.find((w) => /restore\.worker/.test(w.url()))!.evaluate(() => self.close());
  await chooseFile(page, photoFixture(40, 30).png, 'second.png');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('result-size')).toHaveText('40×30', { timeout: 60_000 });
  await expect(page.getByTestId('error')).toHaveCount(0);
});
