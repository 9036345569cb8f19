import { defineConfig } from '@playwright/test';

// Overridable so several checkouts or builds can be tested side by side (`vite build --outDir dist-x`).
const PORT = Number(process.env.HEIRLOOM_PORT ?? 4173);
const DIST = process.env.HEIRLOOM_DIST ?? 'dist';

/** Debian's Chromium: Playwright's own browser download cannot run on these machines. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** REFERENCE.md: a software (SwiftShader) WebGPU adapter, enough to test the WebGPU path on tiny inputs. */
export const swiftshaderWebGpuArgs = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--use-angle=swiftshader',
];

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    browserName: 'chromium',
    headless: true,
    acceptDownloads: true,
  },
  projects: [
    { name: 'wasm', testIgnore: /webgpu\.spec/, use: { launchOptions: { executablePath, args: chromiumArgs } } },
    { name: 'webgpu', testMatch: /webgpu\.spec/, use: { launchOptions: { executablePath, args: [...chromiumArgs, ...swiftshaderWebGpuArgs] } } },
  ],
  webServer: {
    command: `npx vite preview --port ${PORT} --strictPort --outDir ${DIST}`,
    url: `http://localhost:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
