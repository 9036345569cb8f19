import { test, expect } from './support/fixtures';
import { openApp, chooseFile, setStages } from './support/app';
import { photoFixture } from './support/images';

/**
 * Content-Security-Policy. Every browser test already fails on any violation (the fixture's
 * cspViolations guard); these check the header itself and that it really blocks.
 */
test('the app and the embed page send a strict Content-Security-Policy', async ({ page, request }) => {
  const app = (await page.goto('/'))!.headers()['content-security-policy'] ?? '';
  for (const d of ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "worker-src 'self' blob:", "connect-src 'self' blob: data:", "object-src 'none'", "base-uri 'self'", "frame-ancestors 'self'"]) {
    expect(app).toContain(d);
  }
  expect(app).not.toMatch(/(^|\s)'unsafe-eval'/);
  expect(app).not.toMatch(/script-src[^;]*'unsafe-inline'/);

  const embed = (await request.get('/embed.html')).headers()['content-security-policy'] ?? '';
  expect(embed).toContain("script-src 'self' 'wasm-unsafe-eval'");
  // The embed page stays embeddable: its allowlist (heirloom.config.json) decides who may use it.
  expect(embed).not.toContain('frame-ancestors');
});

test('an injected inline script or data: script is blocked, and restoring still works under the policy', async ({ page, cspViolations }) => {
  await openApp(page);
  const ran = await page.evaluate(async () => {
    const inline = document.createElement('script');
    inline.textContent = 'window.__heirloomInjected = "inline";';
    document.head.append(inline);
    const data = document.createElement('script');
    data.src = 'data:text/javascript,window.__heirloomInjected="data"';
    document.head.append(data);
    await new Promise((r) => setTimeout(r, 300));
    return (window as unknown as { __heirloomInjected?: string }).__heirloomInjected ?? null;
  });
  expect(ran).toBeNull();
  await expect.poll(() => cspViolations.filter((v) => v.startsWith('script-src')).length).toBeGreaterThanOrEqual(2);
  expect(cspViolations.join('\n')).toContain('blocked data');
  // These violations were the point; anything after this fails the test.
  cspViolations.splice(0);

  // WASM inference (onnxruntime-web, threads) runs under the policy without a violation.
  const { png } = photoFixture(24, 16);
  await chooseFile(page, png, 'csp.png');
  await setStages(page, ['upscale']);
  await page.getByTestId('scale-2').check();
  await page.getByTestId('quality').selectOption('fast');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('result-size')).toHaveText('48×32', { timeout: 120_000 });
});
