/** scripts/check-install-size.mjs: sums what the service worker downloads on install, fails above the limit. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A dist folder whose service worker precaches `files` (name -> size) and imports one script. */
function fakeDist(files: Record<string, number>): string {
  const dist = mkdtempSync(join(tmpdir(), 'install-size-'));
  const write = (name: string, bytes: number) => {
    mkdirSync(join(dist, name, '..'), { recursive: true });
    writeFileSync(join(dist, name), Buffer.alloc(bytes));
  };
  for (const [name, bytes] of Object.entries(files)) write(name, bytes);
  write('extra-sw.js', 1000);
  write('workbox-abc123.js', 2000);
  write('models/not-precached.onnx', 50_000_000);
  const list = Object.keys(files).map((url) => `{url:"${url}",revision:"x"}`).join(',');
  writeFileSync(join(dist, 'sw.js'), `define(["./workbox-abc123"],function(e){importScripts("extra-sw.js"),e.precacheAndRoute([${list}],{}),e.registerRoute(/x/)});`);
  return dist;
}

const run = (dist: string, ...args: string[]) => spawnSync(process.execPath, ['scripts/check-install-size.mjs', dist, ...args], { encoding: 'utf8' });

describe('install size check', () => {
  it('passes under the limit and counts the precache, the service worker and its imports', () => {
    const dist = fakeDist({ 'index.html': 3000, 'models/a.onnx': 4_000_000, 'assets/app.js': 996_000 });
    const r = run(dist, '--limit-mb', '6');
    expect(r.status).toBe(0);
    const swBytes = statSync(join(dist, 'sw.js')).size;
    expect(r.stdout).toContain(`install size: ${((3000 + 4_000_000 + 996_000 + 1000 + 2000 + swBytes) / 1e6).toFixed(2)} MB in 6 files (limit 6 MB)`);
    expect(r.stdout).not.toContain('not-precached');
  });

  it('fails above the limit, naming the biggest entries', () => {
    const dist = fakeDist({ 'index.html': 3000, 'ort/ort.wasm': 14_000_000, 'models/a.onnx': 12_000_000 });
    const r = run(dist);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('over the 25 MB limit');
    expect(r.stdout.split('\n').slice(1, 3).map((l) => l.trim())).toEqual(['14.00 MB  ort/ort.wasm', '12.00 MB  models/a.onnx']);
  });
});
