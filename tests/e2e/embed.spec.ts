import { readFileSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Frame, Page } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { photoFixture, diffRgb, readPng, encodePng, fadedPrint, SHARED_DATA } from './support/images';
import { referenceRun } from './support/reference';
import { startStaticServer, embedderIsolationHeaders, type StaticServer } from './support/servers';
import { upscaleModelFor } from '../../src/stages/upscale/meta';
import { heicIphoneGrid, multiPageTiff, tiff16 } from './support/formats';

/**
 * Embedding: a page on another origin restores a photo through the SDK (dist/sdk/heirloom-sdk.js)
 * and the embed page (/embed.html) in its iframe. The allowed embedder runs on 4182; 4183 is
 * not on the allowlist and must get nothing.
 */
const ALLOWED = 'http://localhost:4182';
const DENIED = 'http://localhost:4183';
const EXAMPLE = 'http://localhost:4184';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SDK_FILE = `${ROOT}${process.env.HEIRLOOM_DIST ?? 'dist'}/sdk/heirloom-sdk.js`;

test.use({ allowedOrigins: [ALLOWED, DENIED, EXAMPLE] });

const embedderHtml = `<!doctype html>
<meta charset="utf-8"><title>Test embedder</title>
<h1>A family-archive site</h1>
<script type="module">
  import { createHeirloom } from '/heirloom-sdk.js';
  const q = new URLSearchParams(location.search);
  window.heirloom = createHeirloom({ url: q.get('embed'), timeoutMs: Number(q.get('timeout') || 20000) });
  window.fromB64 = (b64) => new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: 'image/png' });
  window.toB64 = async (blob) => {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  };
</script>`;

let servers: StaticServer[] = [];

test.beforeAll(async () => {
  if (!existsSync(SDK_FILE)) throw new Error(`${SDK_FILE} is missing: build the SDK first (npm run build)`);
  const routes = {
    '/': { body: embedderHtml, type: 'text/html' },
    '/plain.html': { body: embedderHtml, type: 'text/html' },
    '/heirloom-sdk.js': { body: () => readFileSync(SDK_FILE), type: 'text/javascript' },
  };
  // "/" is cross-origin isolated (the iframe gets WASM threads); "/plain.html" is not.
  const headers = (path: string): Record<string, string> => (path === '/plain.html' ? {} : embedderIsolationHeaders);
  servers = [await startStaticServer(4182, routes, headers), await startStaticServer(4183, routes, headers)];
});

test.afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/**
 * What a host does after the build: dist/heirloom.config.json lists the embedders. The test
 * serves that edited file for this browser context only (the build's copy, with its empty
 * list, stays untouched); the embed page fetches it exactly as in production.
 */
async function hostAllows(context: BrowserContext, origins: string[]) {
  await context.route('**/heirloom.config.json', (route) =>
    route.fulfill({ contentType: 'application/json', body: JSON.stringify({ embed: { allowedOrigins: origins } }) }));
}

async function openEmbedder(page: Page, origin: string, baseURL: string, { path = '/', embedQuery = '', timeoutMs = 20_000 } = {}): Promise<Frame> {
  const embed = `${baseURL}/embed.html${embedQuery}`;
  await page.goto(`${origin}${path}?embed=${encodeURIComponent(embed)}&timeout=${timeoutMs}`);
  await page.waitForFunction(() => 'heirloom' in window);
  let frame: Frame | undefined;
  await expect.poll(() => (frame = page.frames().find((f) => f.url().startsWith(`${baseURL}/embed.html`))) !== undefined).toBe(true);
  // The embed page has loaded its allowlist once it leaves the "loading" state.
  await expect(frame!.locator('html')).not.toHaveAttribute('data-state', 'loading');
  return frame!;
}

/** What the SDK's onResult said about a result: the recipe that ran, 'auto''s analysis, the notes. */
type ResultInfo = { recipe: Record<string, unknown>; analysis?: { reasons: Record<string, string>; offerColorize: boolean }; notes: { stage: string; skipped: boolean; message: string }[]; width: number; height: number };
type Outcome = { ok: true; b64: string; stages: string[]; info?: ResultInfo } | { ok: false; name: string; message: string; stages: string[] };

function restoreThroughSdk(page: Page, png: Buffer, recipe: unknown, abortOn?: string): Promise<Outcome> {
  return page.evaluate(async ({ b64, recipe, abortOn }) => {
    const w = window as unknown as {
      heirloom: { restore(b: Blob, o: object): Promise<Blob> };
      fromB64(s: string): Blob;
      toB64(b: Blob): Promise<string>;
    };
    const stages: string[] = [];
    const ac = new AbortController();
    let info: ResultInfo | undefined;
    try {
      const out = await w.heirloom.restore(w.fromB64(b64), {
        recipe,
        signal: ac.signal,
        onProgress: (p: { stage: string }) => {
          if (stages.at(-1) !== p.stage) stages.push(p.stage);
          if (abortOn && p.stage.startsWith(abortOn)) ac.abort();
        },
        onResult: (i: ResultInfo) => (info = i),
      });
      return { ok: true as const, b64: await w.toB64(out), stages, info };
    } catch (e) {
      const err = e as Error;
      return { ok: false as const, name: err.name, message: err.message, stages };
    }
  }, { b64: png.toString('base64'), recipe, abortOn });
}

test('a site on the allowlist restores a photo through the SDK, matching onnxruntime-node', async ({ page, context, baseURL }) => {
  await hostAllows(context, [ALLOWED]);
  const frame = await openEmbedder(page, ALLOWED, baseURL!);
  await page.evaluate(() => (window as unknown as { heirloom: { ready: Promise<void> } }).heirloom.ready);
  // The embedder is cross-origin isolated and delegates isolation to the iframe: threads work.
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  expect(await frame.evaluate(() => crossOriginIsolated)).toBe(true);

  const { png, image } = photoFixture(40, 30);
  const out = await restoreThroughSdk(page, png, { upscale: { scale: 2, quality: 'fast' } });
  if (!out.ok) throw new Error(`restore failed: ${out.name}: ${out.message}`);
  expect(out.stages).toContain('Upscaling 2x');
  const result = readPng(Buffer.from(out.b64, 'base64'));
  expect([result.width, result.height]).toEqual([80, 60]);
  const expected = await referenceRun(upscaleModelFor({ scale: 2, quality: 'fast' }), image);
  const d = diffRgb(result, expected);
  expect(d.mean).toBeLessThan(0.5);
  expect(d.max).toBeLessThanOrEqual(24);

  await expect(frame.getByTestId('embed-status')).toHaveText(`Restored a photo for ${ALLOWED}`);
  await expect(frame.getByTestId('embed-detail')).toContainText('40×30 → 80×60');
  await expect(frame.getByTestId('embed-detail')).toContainText('2 threads');
});

test("recipe 'auto': each photo gets the stages its analysis chose, and the embedder is told which and why", async ({ page, context, baseURL }) => {
  await hostAllows(context, [ALLOWED]);
  await openEmbedder(page, ALLOWED, baseURL!);
  await page.evaluate(() => (window as unknown as { heirloom: { ready: Promise<void> } }).heirloom.ready);

  // A small faded, yellowed print: Fix fading (and Upscale, it is too small to print).
  const { faded } = fadedPrint(96, 72);
  const fadedOut = await restoreThroughSdk(page, encodePng(faded), 'auto');
  if (!fadedOut.ok) throw new Error(`restore failed: ${fadedOut.name}: ${fadedOut.message}`);
  expect(fadedOut.stages).toContain('Fixing fading');
  expect(Object.keys(fadedOut.info!.recipe).sort()).toEqual(['fade', 'upscale']);
  expect(fadedOut.info!.analysis!.reasons.fade).toMatch(/Faded: contrast at \d+ % of normal/);
  expect(fadedOut.info!.analysis!.reasons.upscale).toMatch(/2x makes/);
  expect([fadedOut.info!.width, fadedOut.info!.height]).toEqual([192, 144]);

  // A clean colour portrait, large enough to print: nothing to do, colorize not even offered.
  const portrait = readPng(SHARED_DATA + 'eval/ffhq-10/00000.png');
  const cleanOut = await restoreThroughSdk(page, encodePng(portrait), 'auto');
  if (!cleanOut.ok) throw new Error(`restore failed: ${cleanOut.name}: ${cleanOut.message}`);
  expect(cleanOut.info!.recipe).toEqual({});
  expect(cleanOut.info!.analysis!.offerColorize).toBe(false);
  expect(cleanOut.info!.analysis!.reasons.fade).toMatch(/Not faded/);
  expect(cleanOut.info!.analysis!.reasons.upscale).toMatch(/no need to enlarge/);
  const result = readPng(Buffer.from(cleanOut.b64, 'base64'));
  expect(diffRgb(result, portrait).mean, 'the clean photo comes back as it was').toBeLessThan(0.5);
});

test('the embed page opens TIFF and HEIC through the same decoding as the app', async ({ page, context, baseURL }) => {
  await hostAllows(context, [ALLOWED]);
  await openEmbedder(page, ALLOWED, baseURL!);
  await page.evaluate(() => (window as unknown as { heirloom: { ready: Promise<void> } }).heirloom.ready);
  const recipe = { upscale: { scale: 2, quality: 'fast' } };
  const restored = async (bytes: Buffer) => {
    const out = await restoreThroughSdk(page, bytes, recipe);
    if (!out.ok) throw new Error(`restore failed: ${out.name}: ${out.message}`);
    return readPng(Buffer.from(out.b64, 'base64'));
  };
  const { png, image } = photoFixture(40, 30);
  const red = { width: 40, height: 30, data: new Uint8Array(40 * 30 * 4).map((_, i) => [200, 30, 30, 255][i % 4]!) };
  // A 16-bit TIFF and a two-page TIFF give what the same pixels (the first page) give as PNG.
  const reference = await restored(png);
  expect(diffRgb(await restored((await tiff16(image, 'deflate')).tiff), reference)).toEqual({ mean: 0, max: 0 });
  expect(diffRgb(await restored(await multiPageTiff([image, red])), reference)).toEqual({ mean: 0, max: 0 });
  const heic = await restored(heicIphoneGrid());
  expect([heic.width, heic.height]).toEqual([180, 240]);
});

test('a site not on the allowlist gets no answer, even when the embed URL asks to be allowed', async ({ page, context, baseURL }) => {
  await hostAllows(context, [ALLOWED]);
  // Neither the query nor the hash of the embed URL can widen the allowlist.
  const widen = `?allowedOrigins=${encodeURIComponent(DENIED)}#embed.allowedOrigins=${encodeURIComponent(DENIED)}`;
  const frame = await openEmbedder(page, DENIED, baseURL!, { embedQuery: widen, timeoutMs: 3000 });

  // Bypass the SDK: post a well-formed restore request straight into the iframe and listen.
  const { png } = photoFixture(40, 30);
  const replies = await page.evaluate(async ({ b64, target }) => {
    const seen: unknown[] = [];
    addEventListener('message', (e) => seen.push(e.data));
    const iframe = document.querySelector('iframe')!;
    const image = (window as unknown as { fromB64(s: string): Blob }).fromB64(b64);
    for (const type of ['hello', 'restore']) {
      iframe.contentWindow!.postMessage({ protocol: 'heirloom-embed', version: 1, type, id: 'job-1', image, recipe: { upscale: { scale: 2, quality: 'fast' } } }, target);
    }
    await new Promise((r) => setTimeout(r, 3000));
    return seen;
  }, { b64: png.toString('base64'), target: new URL(baseURL!).origin });
  expect(replies).toEqual([]);

  // Through the SDK: a clear error instead of a promise that never settles.
  const out = await restoreThroughSdk(page, png, { upscale: { scale: 2, quality: 'fast' } });
  expect(out.ok).toBe(false);
  if (!out.ok) {
    expect(out.name).toBe('TimeoutError');
    expect(out.message).toContain(`Is this page's origin (${DENIED}) in embed.allowedOrigins`);
  }
  expect(out.stages).toEqual([]);
  // And the embed page never started a job.
  await expect(frame.locator('html')).toHaveAttribute('data-jobs', '0');
  await expect(frame.getByTestId('embed-status')).not.toContainText('restoring');
});

test('cancel by job id stops the work; without isolation the embed runs on one thread', async ({ page, context, baseURL }) => {
  await hostAllows(context, [ALLOWED]);
  const frame = await openEmbedder(page, ALLOWED, baseURL!, { path: '/plain.html' });
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
  expect(await frame.evaluate(() => crossOriginIsolated)).toBe(false);

  const big = photoFixture(240, 180);
  const cancelled = await restoreThroughSdk(page, big.png, { upscale: { scale: 2, quality: 'fast' } }, 'Upscaling');
  expect(cancelled).toMatchObject({ ok: false, name: 'AbortError' });
  await expect(frame.getByTestId('embed-status')).toHaveText(`${ALLOWED} cancelled its photo`);

  // Bad requests get a clear error, and the embed stays usable.
  const { png } = photoFixture(40, 30);
  const bad = await restoreThroughSdk(page, png, { upscale: { scale: 3 } });
  expect(bad).toMatchObject({ ok: false, name: 'InvalidRequest', message: 'recipe.upscale.scale must be 2 or 4' });
  const out = await restoreThroughSdk(page, png, { upscale: { scale: 2, quality: 'fast' } });
  if (!out.ok) throw new Error(`restore failed: ${out.name}: ${out.message}`);
  const result = readPng(Buffer.from(out.b64, 'base64'));
  expect([result.width, result.height]).toEqual([80, 60]);
  await expect(frame.getByTestId('embed-detail')).toContainText('1 thread');
});

test('the example page (examples/embed) restores a picked photo with the default recipe', async ({ page, context, baseURL }) => {
  await hostAllows(context, [EXAMPLE]);
  const server = spawn(process.execPath, ['examples/embed/serve.mjs', '--port', '4184', '--dist', process.env.HEIRLOOM_DIST ?? 'dist'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', (d: Buffer) => d.toString().includes('Example embedder on') && resolve());
      server.once('exit', (code) => reject(new Error(`serve.mjs exited with ${code}`)));
    });
    await page.goto(`${EXAMPLE}/?embed=${encodeURIComponent(`${baseURL}/embed.html`)}`);
    await expect(page.getByTestId('ready')).toHaveText('connected');
    const { png } = photoFixture(40, 30);
    await page.getByTestId('file').setInputFiles({ name: 'grandpa.png', mimeType: 'image/png', buffer: png });
    await page.getByTestId('run').click();
    await expect(page.getByTestId('result')).toBeVisible({ timeout: 170_000 });
    expect(await page.getByTestId('result').evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([80, 60]);
    await expect(page.getByTestId('error')).toHaveText('');
  } finally {
    server.kill();
  }
});

test('the app\'s service worker serves the embed page itself, not the app shell', async ({ page }) => {
  await page.goto('/');
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload();
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
  await page.goto('/embed.html?from=sw');
  await expect(page.getByTestId('embed-status')).toContainText('not set up for embedding');
  await expect(page.getByTestId('embed-detail')).toContainText('meant to be embedded');
});
