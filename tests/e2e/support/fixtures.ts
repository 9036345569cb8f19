import { test as base, expect, type Request } from '@playwright/test';
import { SHARE_TARGET_PATH } from '../../../src/app/shared-files';

/**
 * Every browser test runs under a privacy guard: it records each request the page, its
 * workers and its service worker make, and fails the test if any goes to another origin or
 * carries a body (the only way image data could leave).
 */
export const test = base.extend<{ requests: Request[]; allowedOrigins: string[]; cspViolations: string[]; pageErrors: string[]; expectedErrors: RegExp[] }>({
  /** Origins besides baseURL's that a spec's pages may load from, e.g. `test.use({ allowedOrigins: ['http://localhost:4182'] })`. */
  allowedOrigins: [[], { option: true }],
  requests: [
    async ({ context, baseURL, allowedOrigins }, use) => {
      const origins = [new URL(baseURL!).origin, ...allowedOrigins.map((o) => new URL(o).origin)];
      const seen: Request[] = [];
      context.on('request', (r) => seen.push(r));
      await use(seen);
      // A share to the installed app (the manifest's share_target) posts the photos to the app's
      // own service worker, which keeps them on the device: allowed only when the service worker
      // answered it itself. One passed on to the network is not answered by the service worker,
      // and the service worker's own request, which this guard also sees, fails it as well.
      const answeredOnDevice = async (r: Request) => {
        const url = new URL(r.url());
        return r.method() === 'POST' && url.origin === origins[0] && url.pathname === `/${SHARE_TARGET_PATH}` && (await r.response())?.fromServiceWorker() === true;
      };
      const offenders: Request[] = [];
      for (const r of seen) {
        const url = r.url();
        if (url.startsWith('data:') || url.startsWith('blob:')) continue;
        const leaves = !origins.includes(new URL(url).origin) || r.postDataBuffer() !== null || !['GET', 'HEAD'].includes(r.method());
        if (leaves && !(await answeredOnDevice(r))) offenders.push(r);
      }
      expect(offenders.map((r) => `${r.method()} ${r.url()}`), 'requests that leave the app or carry a body').toEqual([]);
    },
    { auto: true },
  ],
  /**
   * The Content-Security-Policy guard: fails the test on any CSP violation in any page or frame
   * (`securitypolicyviolation` events, reported through a binding) or any console message about
   * one (workers included). A test that provokes violations on purpose reads and empties this list.
   */
  /** Errors a spec provokes on purpose (e.g. a worker killed mid-job); the error guard lets them pass. */
  expectedErrors: [[], { option: true }],
  /**
   * The error guard: fails the test on any uncaught error or unhandled rejection in any page or
   * its workers (Playwright reports a worker's as the page's `pageerror`) and on any console
   * error a worker logs. Such errors are bugs even when the visible result looks right.
   */
  pageErrors: [
    async ({ context, expectedErrors }, use) => {
      const seen: string[] = [];
      const keep = (what: string) => { if (!expectedErrors.some((r) => r.test(what))) seen.push(what); };
      const watchPage = (page: import('@playwright/test').Page) => {
        page.on('pageerror', (e) => keep(`uncaught in ${page.url()}: ${e.name}: ${e.message}`));
        page.on('worker', (w) => w.on('console', (m) => { if (m.type() === 'error') keep(`worker ${w.url()} console error: ${m.text()}`); }));
      };
      context.pages().forEach(watchPage);
      context.on('page', watchPage);
      await use(seen);
      expect(seen, 'uncaught errors in pages and workers').toEqual([]);
    },
    { auto: true },
  ],
  cspViolations: [
    async ({ context }, use) => {
      const seen: string[] = [];
      await context.exposeBinding('__heirloomCspViolation', (_source, v: string) => void seen.push(v));
      await context.addInitScript(() => {
        addEventListener('securitypolicyviolation', (e: SecurityPolicyViolationEvent) => {
          const report = (window as unknown as { __heirloomCspViolation?: (v: string) => void }).__heirloomCspViolation;
          report?.(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} in ${e.documentURI}${e.sample ? `: ${e.sample}` : ''}`);
        });
      });
      const onConsole = (m: { text(): string }) => {
        if (/Content[- ]Security[- ]Policy/i.test(m.text())) seen.push(`console: ${m.text()}`);
      };
      context.on('console', onConsole);
      const watchPage = (page: import('@playwright/test').Page) => page.on('worker', (w) => w.on('console', onConsole));
      context.pages().forEach(watchPage);
      context.on('page', watchPage);
      await use(seen);
      expect([...new Set(seen)], 'Content-Security-Policy violations').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
