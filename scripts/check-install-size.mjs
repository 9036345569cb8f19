#!/usr/bin/env node
/**
 * The first install's size: what the service worker downloads when it installs (its precache
 * manifest in dist/sw.js, plus the worker scripts themselves). Fails above the limit, listing the
 * biggest entries, so a model or runtime added to the precache by mistake stops the build.
 *
 *   node scripts/check-install-size.mjs [dist] [--limit-mb 25]
 */
import { readFileSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const limitAt = args.indexOf('--limit-mb');
const limitMb = limitAt >= 0 ? Number(args.splice(limitAt, 2)[1]) : 25;
const dist = args[0] ?? 'dist';
const LIMIT = limitMb * 1e6; // MB as 10^6 bytes, the stricter reading

const sw = readFileSync(join(dist, 'sw.js'), 'utf8');
const call = sw.indexOf('precacheAndRoute(');
if (call < 0) {
  console.error(`install size: no precacheAndRoute([...]) in ${dist}/sw.js`);
  process.exit(1);
}
// The manifest is an array literal of {url:"...",revision:...} entries; the first "]" after it ends it.
const list = sw.slice(call, sw.indexOf(']', call));
const urls = [...list.matchAll(/url:\s*"([^"]+)"/g)].map((m) => m[1]);
// The service worker and the Workbox runtime it imports are downloaded on install too.
const scripts = ['sw.js', ...readdirSync(dist).filter((f) => /^workbox-[\w-]+\.js$/.test(f))];
for (const m of sw.matchAll(/importScripts\(([^)]*)\)/g)) for (const s of m[1].matchAll(/"([^"]+)"/g)) scripts.push(s[1]);

const entries = [...new Set([...urls, ...scripts])].map((url) => {
  const path = join(dist, decodeURIComponent(url.split('?')[0]));
  return { url, bytes: statSync(path).size };
});
const total = entries.reduce((n, e) => n + e.bytes, 0);
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
const biggest = [...entries].sort((a, b) => b.bytes - a.bytes).slice(0, 10);

console.log(`install size: ${mb(total)} in ${entries.length} files (limit ${limitMb} MB)`);
for (const e of biggest) console.log(`  ${mb(e.bytes).padStart(9)}  ${e.url}`);
if (total > LIMIT) {
  console.error(`install size: ${mb(total)} is over the ${limitMb} MB limit; see the biggest files above (vite.config.ts, workbox.globPatterns).`);
  process.exit(1);
}
