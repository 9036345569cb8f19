import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect } from './fixtures';
import { readPng, type Rgba } from './images';

export async function openApp(page: Page, query = '') {
  await page.goto(`/${query}`);
  await expect(page.getByTestId('backend')).toContainText(/WASM|WebGPU/);
}

export async function chooseFile(page: Page, png: Buffer, name: string, mimeType = 'image/png') {
  await page.getByTestId('file-input').setInputFiles({ name, mimeType, buffer: png });
}

/** Sets which stages run: every stage switch not listed is turned off. */
export async function setStages(page: Page, on: string[]) {
  for (const box of await page.locator('[data-testid^="stage-"]').all()) {
    const id = (await box.getAttribute('data-testid'))!.slice('stage-'.length);
    await box.setChecked(on.includes(id));
  }
}

/** Clicks Restore, waits for the result and downloads it. */
export async function runAndDownload(page: Page): Promise<{ name: string; image: Rgba }> {
  await page.getByTestId('run').click();
  await expect(page.getByTestId('download')).toBeVisible({ timeout: 170_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  return { name: download.suggestedFilename(), image: readPng(readFileSync((await download.path())!)) };
}

/** The pixels of an <img> on the page (by test id), as decoded from its source, unscaled. */
export async function shownPixels(page: Page, testId: string): Promise<Rgba & { src: string }> {
  const img = page.getByTestId(testId);
  await expect(img).toHaveAttribute('src', /^blob:/);
  const shown = await img.evaluate(async (el: HTMLImageElement) => {
    const bitmap = await createImageBitmap(await (await fetch(el.src)).blob(), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    return { src: el.src, width: bitmap.width, height: bitmap.height, data: Array.from(data) };
  });
  return { ...shown, data: Uint8Array.from(shown.data) };
}
