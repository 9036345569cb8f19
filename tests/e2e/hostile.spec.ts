import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { openApp, chooseFile, setStages } from './support/app';
import { photoFixture } from './support/images';
import { hostileCorpus, type HostileInput } from './support/hostile-corpus';

/**
 * The hostile-input corpus (tests/e2e/support/hostile-corpus.ts), each file through the
 * single-photo view: it gives a result of the right size or a clear message, nothing in it
 * runs, and the app stays usable with its settings intact.
 */
const corpus = await hostileCorpus();

async function useRecipe(page: Page, recipe: HostileInput['recipe']) {
  if (recipe === 'fade') return setStages(page, ['fade']);
  await setStages(page, ['upscale']);
  await page.getByTestId('scale-2').check();
  await page.getByTestId('quality').selectOption('fast');
}

async function restoreNormalPhoto(page: Page, name: string) {
  const { png } = photoFixture(40, 30);
  await chooseFile(page, png, name);
  await page.getByTestId('run').click();
  await expect(page.getByTestId('result-size')).toHaveText(/^(40×30|80×60)$/, { timeout: 120_000 });
  await expect(page.getByTestId('error')).toHaveCount(0);
}

for (const input of corpus) {
  test(`hostile input: ${input.id} (${input.name})`, async ({ page }) => {
    const dialogs: string[] = [];
    const consoleLines: string[] = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    page.on('console', (m) => consoleLines.push(m.text()));
    page.on('worker', (w) => w.on('console', (m) => consoleLines.push(m.text())));

    await openApp(page);
    await useRecipe(page, input.recipe);
    // Earlier state: a photo restored with this recipe.
    await restoreNormalPhoto(page, 'before.png');

    await chooseFile(page, input.bytes, input.name, input.mimeType);
    await expect(page.getByTestId('filename')).toHaveText(input.name);
    await page.getByTestId('run').click();
    if ('size' in input.expect) {
      const [w, h] = input.expect.size;
      await expect(page.getByTestId('result-size')).toHaveText(`${w}×${h}`, { timeout: 150_000 });
      await expect(page.getByTestId('error')).toHaveCount(0);
    } else {
      await expect(page.getByTestId('error')).toHaveText(input.expect.message, { timeout: 60_000 });
      await expect(page.getByTestId('result-size')).toHaveCount(0);
    }
    // Not stuck: the Restore button is back, and the recipe is as it was.
    await expect(page.getByTestId('run')).toBeEnabled();
    if (input.recipe === 'fade') {
      await expect(page.getByTestId('stage-fade')).toBeChecked();
      await expect(page.getByTestId('stage-upscale')).not.toBeChecked();
    } else {
      await expect(page.getByTestId('stage-upscale')).toBeChecked();
      await expect(page.getByTestId('scale-2')).toBeChecked();
      await expect(page.getByTestId('quality')).toHaveValue('fast');
    }

    // Still usable: a normal photo restores right after.
    await restoreNormalPhoto(page, 'after.png');
    await expect(page.getByTestId('result-size')).toHaveText(input.recipe === 'fade' ? '40×30' : '80×60');

    // Nothing inside the file ran (the SVG's script and onload handler, in particular).
    expect(dialogs).toEqual([]);
    expect(consoleLines.filter((l) => l.includes('HEIRLOOM-SVG-SCRIPT-RAN'))).toEqual([]);
  });
}
