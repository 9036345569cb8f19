// Shared plumbing of the benchmarks: the Vite server for bench/, headless Chromium, pages that
// fail the run on any request leaving localhost.
import { createServer } from 'vite';
import { chromium } from '@playwright/test';
import config from './vite.config.mjs';

export async function startBench() {
  const server = await createServer(config);
  await server.listen();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
  const offsite = [];
  return {
    base: server.resolvedUrls.local[0],
    browser,
    offsite,
    /** A fresh context + page; non-localhost requests are blocked and recorded in `offsite`. */
    async open(path) {
      const context = await browser.newContext();
      const wasmFiles = new Set();
      // route() sees page *and* worker requests.
      await context.route('**/*', (route) => {
        const u = new URL(route.request().url());
        if (/^(https?|wss?):$/.test(u.protocol) && !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) {
          offsite.push(u.href);
          return route.abort();
        }
        if (u.pathname.endsWith('.wasm')) wasmFiles.add(u.pathname);
        return route.continue();
      });
      const page = await context.newPage();
      const logs = [];
      page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
      await page.goto(new URL(path, this.base).href);
      await page.waitForFunction(() => window.benchReady, null, { timeout: 60_000 });
      return { context, page, logs, wasmFiles };
    },
    async close() {
      await browser.close();
      await server.close();
      if (offsite.length) throw new Error(`non-localhost requests were made:\n${[...new Set(offsite)].join('\n')}`);
    },
  };
}
