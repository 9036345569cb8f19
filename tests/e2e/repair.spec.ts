import { test, expect } from './support/fixtures';
import { photoFixture } from './support/images';
import { openApp, chooseFile, setStages } from './support/app';

test('undo removes the last stroke', async ({ page }) => {
  const { png } = photoFixture(120, 90);
  await openApp(page);
  await chooseFile(page, png, 'p.png');
  await setStages(page, ['repair']);
  await page.getByTestId('repair-paint').click();
  const canvas = page.getByTestId('mask-canvas');
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2);
  await page.mouse.up();
  await expect(page.getByTestId('repair-coverage')).not.toContainText(' 0.0%');
  await page.getByTestId('mask-undo').click();
  await expect(page.getByTestId('repair-coverage')).toContainText(' 0.0%');
});
