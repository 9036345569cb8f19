import { test as base, expect, type Request } from '@playwright/test';

/**
 * Every browser test runs under a privacy guard: it records each request the page, its
 * workers and its service worker make, and fails the test if any goes to another origin or
 * carries a body (the only way image data could leave).
 */
export const test = base.extend<{ requests: Request[]; allowedOrigins: string[] }>({
  /** Origins besides baseURL's that a spec's pages may load from, e.g. `test.use({ allowedOrigins: ['http://localhost:4182'] })`. */
  allowedOrigins: [[], { option: true }],
  requests: [
    async ({ context, baseURL, allowedOrigins }, use) => {
      const origins = [new URL(baseURL!).origin, ...allowedOrigins.map((o) => new URL(o).origin)];
      const seen: Request[] = [];
      context.on('request', (r) => seen.push(r));
      await use(seen);
      const offenders = seen.filter((r) => {
        const url = r.url();
        if (url.startsWith('data:') || url.startsWith('blob:')) return false;
        return !origins.includes(new URL(url).origin) || r.postDataBuffer() !== null || !['GET', 'HEAD'].includes(r.method());
      });
      expect(offenders.map((r) => `${r.method()} ${r.url()}`), 'requests that leave the app or carry a body').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
