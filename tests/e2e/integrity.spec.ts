import { test, expect } from './support/fixtures';
import { photoFixture } from './support/images';

// Bypass the service worker so the tampered response really reaches the loader.
test.use({ serviceWorkers: 'block' });

test('a model file that does not match its manifest is refused with a clear message', async ({ page }) => {
  await page.route('**/models/upscale/*.onnx', async (route) => {
    const res = await route.fetch();
    const body = Buffer.from(await res.body());
    body[body.length >> 1] ^= 0xff; // one flipped byte
    await route.fulfill({ response: res, body });
  });
  await page.goto('/');
  const { png } = photoFixture(32, 24);
  await page.getByTestId('file-input').setInputFiles({ name: 'p.png', mimeType: 'image/png', buffer: png });
  await page.getByTestId('run').click();
  await expect(page.getByTestId('error')).toContainText(/corrupt|modified/i);
  await expect(page.getByTestId('error')).toContainText(/sha256/);
  await expect(page.getByTestId('run')).toBeEnabled();
});
