#!/usr/bin/env node
/**
 * heirloom command line. Runs the bundle in dist-cli/ (built by `npm run build:cli`); builds it
 * first when it is missing or older than the sources (needs the dev dependencies, i.e. vite).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'dist-cli', 'heirloom.mjs');

/** Newest modification time of the CLI's sources (cli/, src/core, src/stages). */
function newestSource() {
  let newest = 0;
  const visit = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (/\.(ts|json)$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ['cli', 'src/core', 'src/stages']) visit(join(root, d));
  return newest;
}

function build(reason) {
  let vite;
  try {
    const pkg = createRequire(join(root, 'package.json')).resolve('vite/package.json');
    vite = join(dirname(pkg), 'bin', 'vite.js');
  } catch {
    return false;
  }
  if (!existsSync(vite)) return false;
  process.stderr.write(`heirloom: building the command line (${reason})...\n`);
  const r = spawnSync(process.execPath, [vite, 'build', '--config', join(root, 'cli', 'vite.config.ts')], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) {
    process.stderr.write('heirloom: building the command line failed (npm run build:cli shows why)\n');
    process.exit(2);
  }
  return true;
}

if (!existsSync(bundle)) {
  if (!build('first use')) {
    process.stderr.write('heirloom: dist-cli/heirloom.mjs is missing and vite is not installed: run `npm install && npm run build:cli`\n');
    process.exit(2);
  }
} else if (!process.env.HEIRLOOM_NO_REBUILD && statSync(bundle).mtimeMs < newestSource()) {
  build('sources changed');
}

const { run } = await import(pathToFileURL(bundle).href);
await run(process.argv.slice(2));
