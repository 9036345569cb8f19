#!/usr/bin/env node
// Serves the example embedder on its own origin (default http://localhost:4182), with the SDK
// from the app build (dist/sdk/heirloom-sdk.js). It sends COOP/COEP so the embedded Heirloom
// iframe may use WASM threads; without them the example still works on one thread.
//
//   node examples/embed/serve.mjs [--port 4182] [--dist dist]
//   then open http://localhost:4182/?embed=http://localhost:4173/embed.html
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: process.env.PORT ?? '4182' }, dist: { type: 'string', default: 'dist' } } });
const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));
const files = {
  '/': [here('./index.html'), 'text/html; charset=utf-8'],
  '/index.html': [here('./index.html'), 'text/html; charset=utf-8'],
  '/main.js': [here('./main.js'), 'text/javascript'],
  '/heirloom-sdk.js': [`${root}${values.dist}/sdk/heirloom-sdk.js`, 'text/javascript'],
};

createServer(async (req, res) => {
  const entry = files[new URL(req.url ?? '/', 'http://x').pathname];
  if (!entry) return res.writeHead(404).end('not found');
  try {
    const body = await readFile(entry[0]);
    res.writeHead(200, {
      'Content-Type': entry[1],
      'Cache-Control': 'no-store',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    });
    res.end(body);
  } catch {
    res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${entry[0]} is missing: run npm run build first`);
  }
}).listen(Number(values.port), () => {
  console.log(`Example embedder on http://localhost:${values.port}/ (add this origin to dist/heirloom.config.json)`);
});
