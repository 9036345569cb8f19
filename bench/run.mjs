// npm run bench — ms per input megapixel for 4x super-resolution (esrgan-medium x4) in headless
// Chromium: Heirloom's onnxruntime-web WASM path (fp32 and fp16-weights ONNX) vs UpscalerJS on
// tfjs-backend-wasm, same weights, same input crop, 1 and 2 threads. Benchmark, not a test.
//
// Env: BENCH_SIZE (crop side, default 128), BENCH_RUNS (timed runs, default 3),
//      BENCH_WARMUP (untimed runs before timing, default 1), BENCH_THREADS (default "1,2"),
//      BENCH_IMAGE (default kodim05.png), BENCH_ONLY (subset of row keys, e.g. "ort-fp32,tfjs").
import { createServer } from 'vite';
import { chromium } from '@playwright/test';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import config from './vite.config.mjs';

const SIZE = Number(process.env.BENCH_SIZE ?? 128);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const THREADS = (process.env.BENCH_THREADS ?? '1,2').split(',').map(Number);
const IMAGE = process.env.BENCH_IMAGE ?? 'kodim05.png';
const MP = (SIZE * SIZE) / 1e6;

const ALL_CONFIGS = [
  { key: 'ort-fp32', label: 'Heirloom ORT-web fp32', engine: 'ort', modelFile: 'esrgan-medium-x4.onnx' },
  { key: 'ort-fp16', label: 'Heirloom ORT-web fp16-weights', engine: 'ort', modelFile: 'esrgan-medium-x4.fp16.onnx' },
  // The same fp32 model on ORT's WASM-only runtime (no WebGPU/JSEP glue compiled in).
  { key: 'ort-wasm-fp32', label: 'Heirloom ORT-web fp32, WASM-only build', engine: 'ort', build: 'wasm', modelFile: 'esrgan-medium-x4.onnx' },
  { key: 'ort-wasm-fp16', label: 'Heirloom ORT-web fp16-weights, WASM-only build', engine: 'ort', build: 'wasm', modelFile: 'esrgan-medium-x4.fp16.onnx' },
  { key: 'tfjs', label: 'UpscalerJS tfjs-wasm', engine: 'tfjs' },
];
// With BENCH_ONLY the ratios and the output-agreement check (which need all three rows) are skipped.
const CONFIGS = ALL_CONFIGS.filter((c) => !process.env.BENCH_ONLY || process.env.BENCH_ONLY.split(',').includes(c.key));

const loadBefore = loadavg()[0]; // other work on this box skews the figures: report it
if (loadBefore > 1) console.warn(`warning: 1-min load average is ${loadBefore.toFixed(2)} on ${cpus().length} cores; timings will be noisy`);
const server = await createServer(config);
await server.listen();
const base = server.resolvedUrls.local[0];
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
});

const results = [];
const offsite = []; // any request that leaves localhost makes the whole bench fail
try {
  for (const threads of THREADS) {
    for (const c of CONFIGS) {
      const context = await browser.newContext();
      const wasmFiles = new Set();
      // route() sees page *and* worker requests; block and record anything not served by us.
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
      process.stderr.write(`${c.label}, ${threads} thread(s) ... `);
      try {
        await page.goto(`${base}?engine=${c.engine}&threads=${threads}${c.build ? `&build=${c.build}` : ''}`);
        await page.waitForFunction(() => window.benchReady, null, { timeout: 60_000 });
        const r = await page.evaluate((a) => window.bench(a), { modelFile: c.modelFile, image: IMAGE, size: SIZE, runs: RUNS, warmup: WARMUP });
        r.wasmFiles = [...wasmFiles];
        results.push({ ...c, ...r });
        process.stderr.write(`median ${r.medianMs.toFixed(0)} ms\n`);
      } catch (e) {
        process.stderr.write('FAILED\n' + logs.join('\n') + '\n');
        if (offsite.length) process.stderr.write(`blocked non-localhost requests:\n${offsite.join('\n')}\n`);
        throw e;
      } finally {
        await context.close();
      }
    }
  }
} finally {
  await browser.close();
  await server.close();
}
if (offsite.length) throw new Error(`non-localhost requests were made:\n${[...new Set(offsite)].join('\n')}`);

// ---- output agreement (so that the timings compare equal work) ----
const f32 = (b64) => { const b = Buffer.from(b64, 'base64'); return new Float32Array(b.buffer, b.byteOffset, b.length / 4); };
const diff = (a, b) => {
  if (a.length !== b.length) return { meanAbs: NaN, maxAbs: NaN };
  let s = 0, m = 0;
  for (let i = 0; i < a.length; i++) { const d = Math.abs(a[i] - b[i]); s += d; if (d > m) m = d; }
  return { meanAbs: s / a.length, maxAbs: m };
};
const get = (key, t) => results.find((r) => r.key === key && r.threads === t);
const t0 = THREADS[0];
const outs = Object.fromEntries(CONFIGS.map((c) => [c.key, f32(get(c.key, t0).out)]));
const full = CONFIGS.length === ALL_CONFIGS.length;
const agreement = !full ? {} : {
  'ort-fp32 vs tfjs': diff(outs['ort-fp32'], outs.tfjs),
  'ort-fp16 vs tfjs': diff(outs['ort-fp16'], outs.tfjs),
  'ort-fp16 vs ort-fp32': diff(outs['ort-fp16'], outs['ort-fp32']),
};
// Sanity: a blank/constant output would make the agreement check meaningless.
const stats = (a) => { let s = 0, s2 = 0; for (const v of a) { s += v; s2 += v * v; } const m = s / a.length; return { mean: m, std: Math.sqrt(s2 / a.length - m * m) }; };
const outputStats = Object.fromEntries(Object.entries(outs).map(([k, a]) => [k, stats(a)]));
for (const [k, st] of Object.entries(outputStats)) if (!(st.std > 5)) throw new Error(`${k} output looks blank: ${JSON.stringify(st)}`);
for (const r of results) delete r.out;

// ---- report ----
const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) ?? [])[1] ?? cpus()[0]?.model;
const machine = { cpu, cores: cpus().length, chromium: browser.version(), userAgent: results[0]?.userAgent,
  hardwareConcurrency: results[0]?.hardwareConcurrency, loadavg1m: { before: loadBefore, after: loadavg()[0] }, crossOriginIsolated: results.every((r) => r.crossOriginIsolated) };
const ort = results.find((r) => r.engine === 'ort')?.info.ortVersion;
const tfjs = results.find((r) => r.engine === 'tfjs')?.info;

console.log(`\nMachine: ${machine.cpu}, ${machine.cores} cores, Chromium ${machine.chromium}, crossOriginIsolated=${machine.crossOriginIsolated}, load avg ${loadBefore.toFixed(2)} -> ${machine.loadavg1m.after.toFixed(2)}`);
console.log(`Runtimes: onnxruntime-web ${ort} (wasm EP) | UpscalerJS + tfjs ${tfjs?.tfjsVersion} backend=${tfjs?.backend}`);
console.log(`Input: ${IMAGE} center crop ${SIZE}x${SIZE} (${MP.toFixed(4)} MP) -> x4 ${SIZE * 4}x${SIZE * 4}; ${WARMUP} warm-up + ${RUNS} timed runs, median\n`);
const row = (cells, w) => cells.map((x, i) => (i === 0 ? String(x).padEnd(w[i]) : String(x).padStart(w[i]))).join('  ');
const W = [30, 7, 8, 10, 10, 8, 8, 18, 0];
console.log(row(['engine', 'threads', 'load ms', 'warmup ms', 'median ms', 'ms/MP', 'min ms', 'runs ms', ' wasm'], W));
for (const r of results) {
  r.msPerMP = r.medianMs / MP;
  const note = r.engine === 'tfjs' ? `${r.wasmFiles.join(',').replaceAll('/tfwasm/', '')} (tfjs threads=${r.info.tfjsThreads})` : r.wasmFiles.join(',').replaceAll('/ort/', '');
  console.log(row([r.label, r.threads, r.loadMs.toFixed(0), r.warmupMs.toFixed(0), r.medianMs.toFixed(0), r.msPerMP.toFixed(0), Math.min(...r.times).toFixed(0),
    r.times.map((t) => t.toFixed(0)).join('/'), ' ' + note], W));
}
const ratios = !full ? [] : THREADS.map((t) => ({
  threads: t,
  tfjsOverOrtFp32: get('tfjs', t).medianMs / get('ort-fp32', t).medianMs,
  tfjsOverOrtFp16: get('tfjs', t).medianMs / get('ort-fp16', t).medianMs,
}));
if (full) console.log('\nSpeed-up of Heirloom over UpscalerJS (tfjs median / ORT median):');
for (const r of ratios) console.log(`  ${r.threads} thread(s): fp32 ${r.tfjsOverOrtFp32.toFixed(2)}x, fp16-weights ${r.tfjsOverOrtFp16.toFixed(2)}x`);
console.log(`\nOutput agreement on 0..255 (${t0}-thread runs, clipped, ${SIZE * 4}x${SIZE * 4}x3):`);
console.log(`  output mean/std: ${Object.entries(outputStats).map(([k, v]) => `${k} ${v.mean.toFixed(1)}/${v.std.toFixed(1)}`).join(', ')}`);
for (const [k, v] of Object.entries(agreement)) console.log(`  ${k}: mean |diff| ${v.meanAbs.toPrecision(3)}, max ${v.maxAbs.toPrecision(3)}`);

const outDir = fileURLToPath(new URL('../.bench/', import.meta.url));
mkdirSync(outDir, { recursive: true });
writeFileSync(`${outDir}upscale.json`, JSON.stringify({ date: new Date().toISOString(), machine, image: IMAGE, size: SIZE, megapixels: MP,
  runs: RUNS, results, ratios, agreement, outputStats }, null, 2) + '\n');
console.log(`\nWrote .bench/upscale.json`);
