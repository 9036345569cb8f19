// npm run bench — two parts, in headless Chromium, 1 and 2 WASM threads (and WebGPU when the
// browser has an adapter). Benchmark, not a test.
//  stages:  every stage and the full pipeline on a ~1 MP photo, through Heirloom's own stage code:
//           ms/MP, peak memory of Chromium's processes, model load time, and achieved GFLOP/s as
//           a share of the machine's WASM SIMD GEMM peak (an ORT MatMul microbenchmark).
//  upscale: 4x super-resolution (esrgan-medium x4) on Heirloom's onnxruntime-web path (fp32 and
//           fp16-weights ONNX) vs UpscalerJS on tfjs-backend-wasm, same weights, same input crop.
//
//  default: the default x2 upscaler on the same ~1 MP photo (whole, in 256 px tiles): Heirloom's
//           own network (fp32, fp16-weights, int8) vs UpscalerJS's default model on tfjs-wasm and
//           Heirloom's ESRGAN medium; prints the speed-up over UpscalerJS.
//
// Env: BENCH_PARTS (default "stages,upscale,default"), BENCH_STAGE_MP (default 1), BENCH_STAGE_RUNS
//      (default 1), BENCH_STAGES (subset of stage keys, see bench/stages.mjs),
//      BENCH_SIZE (crop side, default 128), BENCH_RUNS (timed runs, default 3),
//      BENCH_WARMUP (untimed runs before timing, default 1), BENCH_THREADS (default "1,2"),
//      BENCH_IMAGE (default kodim05.png), BENCH_ONLY (subset of row keys, e.g. "ort-fp32,tfjs"),
//      BENCH_DEFAULT_ONLY (subset of the default part's row keys, e.g. "sr-fp32,sr-int8"),
//      BENCH_DEFAULT_RUNS (timed runs per row of the default part, median; default 1).
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startBench } from './browser.mjs';
import { benchStagesAt, STAGE_LABELS } from './stages.mjs';

const PARTS = (process.env.BENCH_PARTS ?? 'stages,upscale,default').split(',');
const SIZE = Number(process.env.BENCH_SIZE ?? 128);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const THREADS = (process.env.BENCH_THREADS ?? '1,2').split(',').map(Number);
const IMAGE = process.env.BENCH_IMAGE ?? 'kodim05.png';
const MP = (SIZE * SIZE) / 1e6;
const STAGE_MP = Number(process.env.BENCH_STAGE_MP ?? 1);
const STAGE_RUNS = Number(process.env.BENCH_STAGE_RUNS ?? 1);
const DEFAULT_RUNS = Number(process.env.BENCH_DEFAULT_RUNS ?? 1);
const STAGES = (process.env.BENCH_STAGES ?? Object.keys(STAGE_LABELS).join(',')).split(',');

const ALL_CONFIGS = [
  { key: 'ort-fp32', label: 'Heirloom ORT-web fp32', engine: 'ort', modelFile: 'esrgan-medium-x4.onnx' },
  { key: 'ort-fp16', label: 'Heirloom ORT-web fp16-weights', engine: 'ort', modelFile: 'esrgan-medium-x4.fp16.onnx' },
  // The same fp32 model on ORT's WASM-only runtime (no WebGPU/JSEP glue compiled in).
  { key: 'ort-wasm-fp32', label: 'Heirloom ORT-web fp32, WASM-only build', engine: 'ort', build: 'wasm', modelFile: 'esrgan-medium-x4.onnx' },
  { key: 'ort-wasm-fp16', label: 'Heirloom ORT-web fp16-weights, WASM-only build', engine: 'ort', build: 'wasm', modelFile: 'esrgan-medium-x4.fp16.onnx' },
  { key: 'tfjs', label: 'UpscalerJS tfjs-wasm', engine: 'tfjs' },
];
// With BENCH_ONLY the ratios and the output-agreement check (which need all rows) are skipped.
const CONFIGS = !PARTS.includes('upscale') ? [] : ALL_CONFIGS.filter((c) => !process.env.BENCH_ONLY || process.env.BENCH_ONLY.split(',').includes(c.key));

const loadBefore = loadavg()[0]; // other work on this box skews the figures: report it
if (loadBefore > 1) console.warn(`warning: 1-min load average is ${loadBefore.toFixed(2)} on ${cpus().length} cores; timings will be noisy`);
const bench = await startBench();
const { browser } = bench;
const chromiumVersion = browser.version();

const results = [];
const stageResults = [];
const defaultResults = [];
const defaultOuts = {};
// the default-x2 part: a 1224x816 (1.0 MP) resize of the bench image, 256 px tiles, 2 threads
const DEFAULT_CONFIGS = [
  { key: 'sr-fp32', label: 'Heirloom SR x2 fp32', engine: 'ort', build: 'wasm', modelFile: 'heirloom-sr-x2.onnx' },
  { key: 'sr-fp16', label: 'Heirloom SR x2 fp16-weights', engine: 'ort', build: 'wasm', modelFile: 'heirloom-sr-x2.fp16.onnx' },
  // static int8 QDQ (models/quantize_int8.py): ORT fuses it into QLinearConv, MLAS's WASM int8 GEMM
  { key: 'sr-int8', label: 'Heirloom SR x2 int8 (the default on WASM)', engine: 'ort', build: 'wasm', modelFile: 'heirloom-sr-x2.int8.onnx' },
  { key: 'medium', label: 'Heirloom ESRGAN medium x2 fp32', engine: 'ort', build: 'wasm', modelFile: 'esrgan-medium-x2.onnx' },
  { key: 'upscalerjs', label: 'UpscalerJS default model x2 (tfjs-wasm)', engine: 'tfjs', model: 'default' },
  // x4 has no UpscalerJS counterpart here (its default model is x2): timed for its own figure, no ratio
  { key: 'sr-x4-int8', label: 'Heirloom SR x4 int8 (x4 default on WASM)', engine: 'ort', build: 'wasm', modelFile: 'heirloom-sr-x4.int8.onnx', scale: 4 },
];
try {
  if (PARTS.includes('stages')) {
    for (const threads of THREADS) {
      process.stderr.write(`stages, ${threads} thread(s) ... `);
      const r = await benchStagesAt(bench, threads, { image: IMAGE, megapixels: STAGE_MP, stages: STAGES, runs: STAGE_RUNS, gemmSizes: [512, 1024] });
      stageResults.push(r);
      process.stderr.write(`GEMM ${r.peakGflops.toFixed(1)} GFLOP/s\n`);
    }
    const gpu = await (await bench.open('/stages.html')).page.evaluate(async () => !!(await navigator.gpu?.requestAdapter()));
    if (gpu) {
      process.stderr.write('stages, WebGPU ... ');
      stageResults.push(await benchStagesAt(bench, 1, { image: IMAGE, megapixels: STAGE_MP, stages: STAGES, runs: STAGE_RUNS, gemmSizes: [1024], backend: 'webgpu' }));
      process.stderr.write('done\n');
    } else stageResults.webgpu = 'no WebGPU adapter in this browser';
  }
  if (PARTS.includes('default')) {
    const threads = Math.max(...THREADS);
    const only = process.env.BENCH_DEFAULT_ONLY?.split(',');
    for (const c of DEFAULT_CONFIGS.filter((d) => !only || only.includes(d.key))) {
      process.stderr.write(`default x${c.scale ?? 2}, ${c.label}, ${threads} thread(s) ... `);
      const { context, page, logs } = await bench.open(`/?engine=${c.engine}&threads=${threads}${c.build ? `&build=${c.build}` : ''}`);
      try {
        const r = await page.evaluate((a) => window.bench(a), { modelFile: c.modelFile, model: c.model, image: IMAGE, width: 1224, height: 816,
          tile: 256, scale: c.scale ?? 2, runs: DEFAULT_RUNS, warmup: 1 });
        if (c.key === 'sr-fp32' || c.key === 'sr-int8') defaultOuts[c.key] = r.out; // int8 vs fp32 agreement below
        delete r.out;
        defaultResults.push({ ...c, ...r, msPerMP: r.medianMs / (1224 * 816 / 1e6) });
        process.stderr.write(`${r.medianMs.toFixed(0)} ms\n`);
      } catch (e) {
        process.stderr.write('FAILED\n' + logs.join('\n') + '\n');
        throw e;
      } finally {
        await context.close();
      }
    }
  }
  for (const threads of THREADS) {
    for (const c of CONFIGS) {
      process.stderr.write(`${c.label}, ${threads} thread(s) ... `);
      const { context, page, logs, wasmFiles } = await bench.open(`/?engine=${c.engine}&threads=${threads}${c.build ? `&build=${c.build}` : ''}`);
      try {
        const r = await page.evaluate((a) => window.bench(a), { modelFile: c.modelFile, image: IMAGE, size: SIZE, runs: RUNS, warmup: WARMUP });
        r.wasmFiles = [...wasmFiles];
        results.push({ ...c, ...r });
        process.stderr.write(`median ${r.medianMs.toFixed(0)} ms\n`);
      } catch (e) {
        process.stderr.write('FAILED\n' + logs.join('\n') + '\n');
        throw e;
      } finally {
        await context.close();
      }
    }
  }
} finally {
  await bench.close();
}

const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) ?? [])[1] ?? cpus()[0]?.model;
const memGiB = Number((readFileSync('/proc/meminfo', 'utf8').match(/^MemTotal:\s*(\d+)/m) ?? [])[1] ?? 0) / 2 ** 20;
const outDir = fileURLToPath(new URL('../.bench/', import.meta.url));
mkdirSync(outDir, { recursive: true });
const row = (cells, w) => cells.map((x, i) => (i === 0 ? String(x).padEnd(w[i]) : String(x).padStart(w[i]))).join('  ');

if (stageResults.length) {
  const first = stageResults[0];
  console.log(`\nMachine: ${cpu}, ${cpus().length} cores, ${memGiB.toFixed(0)} GiB, Chromium ${chromiumVersion}, onnxruntime-web ${first.ortVersion}, ` +
    `crossOriginIsolated=${first.crossOriginIsolated}, load avg ${loadBefore.toFixed(2)} -> ${loadavg()[0].toFixed(2)}`);
  console.log(`Stages on ${IMAGE} resized to ${first.width}x${first.height} (${first.megapixels.toFixed(2)} MP); inpaint mask ${(first.maskShare * 100).toFixed(1)} % ` +
    `(scratches + a blob); ${STAGE_RUNS} timed run(s) after a warm-up on a small photo. WebGPU: ${stageResults.webgpu ?? 'measured'}`);
  for (const r of stageResults) {
    console.log(`\n${r.backend === 'webgpu' ? 'WebGPU' : `WASM, ${r.threads} thread(s)`}: GEMM peak ${r.peakGflops.toFixed(1)} GFLOP/s (${r.gemm.map((g) => `n=${g.n}: ${g.gflops.toFixed(1)}`).join(', ')})`);
    const W = [46, 10, 10, 9, 10, 9, 30];
    console.log(row(['stage', 'median ms', 'ms/MP', 'GFLOP/s', '% of GEMM', 'peak MB', ' model load ms'], W));
    for (const s of r.rows)
      console.log(row([STAGE_LABELS[s.key], s.medianMs.toFixed(0), s.msPerMP.toFixed(0), s.gflops?.toFixed(1) ?? '-', s.peakFraction ? `${(s.peakFraction * 100).toFixed(0)} %` : '-',
        s.peakRssMB.toFixed(0), ' ' + (s.models.map((m) => `${m.file.split('/').pop()} ${m.loadMs.toFixed(0)}`).join(', ') || '-')], W));
    for (const s of r.rows.filter((s) => s.timings))
      console.log(`  ${STAGE_LABELS[s.key]}, last run: measures ${s.timings.measures.toFixed(0)} ms, damage detector ${s.timings.damage.toFixed(0)} ms, face finder ${s.timings.faces.toFixed(0)} ms`);
  }
  writeFileSync(`${outDir}stages.json`, JSON.stringify({ date: new Date().toISOString(), machine: { cpu, cores: cpus().length, memGiB, chromium: chromiumVersion },
    image: IMAGE, results: stageResults, webgpu: stageResults.webgpu ?? 'measured' }, null, 2) + '\n');
  console.log('\nWrote .bench/stages.json');
}
if (defaultResults.length) {
  const threads = defaultResults[0].threads;
  console.log(`\nDefault upscalers (x2; the x4 row enlarges 4x) on ${IMAGE} resized to 1224x816 (1.0 MP), 256 px tiles, WASM ${threads} thread(s), 1 warm-up + ${DEFAULT_RUNS} timed run(s), median:`);
  const W = [42, 10, 8, 12];
  console.log(row(['model', 'ms', 's/MP', 'vs UpscalerJS'], W));
  const ujs = defaultResults.find((r) => r.key === 'upscalerjs');
  for (const r of defaultResults)
    console.log(row([r.label, r.medianMs.toFixed(0), (r.msPerMP / 1000).toFixed(1), ujs && !r.scale ? `${(ujs.medianMs / r.medianMs).toFixed(2)}x` : '-'], W));
  const [f32, i8] = ['sr-fp32', 'sr-int8'].map((k) => defaultResults.find((r) => r.key === k));
  if (f32 && i8) {
    // the same photo through both files on ORT-web's WASM kernels: how far int8 strays (0..255 output)
    const [a, b] = ['sr-fp32', 'sr-int8'].map((k) => Buffer.from(defaultOuts[k], 'base64'));
    const fa = new Float32Array(a.buffer, a.byteOffset, a.length / 4), fb = new Float32Array(b.buffer, b.byteOffset, b.length / 4);
    let se = 0;
    for (let i = 0; i < fa.length; i++) se += (fa[i] - fb[i]) ** 2;
    i8.psnrVsFp32 = 10 * Math.log10(255 ** 2 / (se / fa.length));
    console.log(`int8 over fp32: ${(f32.medianMs / i8.medianMs).toFixed(2)}x faster; PSNR of the int8 output vs the fp32 one ${i8.psnrVsFp32.toFixed(2)} dB`);
  }
  writeFileSync(`${outDir}default-upscale.json`, JSON.stringify({ date: new Date().toISOString(), loadavg1m: { before: loadBefore, after: loadavg()[0] }, image: IMAGE, megapixels: 1224 * 816 / 1e6, results: defaultResults }, null, 2) + '\n');
  console.log('Wrote .bench/default-upscale.json');
}
if (!CONFIGS.length) process.exit(0);

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
const machine = { cpu, cores: cpus().length, chromium: chromiumVersion, userAgent: results[0]?.userAgent,
  hardwareConcurrency: results[0]?.hardwareConcurrency, loadavg1m: { before: loadBefore, after: loadavg()[0] }, crossOriginIsolated: results.every((r) => r.crossOriginIsolated) };
const ort = results.find((r) => r.engine === 'ort')?.info.ortVersion;
const tfjs = results.find((r) => r.engine === 'tfjs')?.info;

console.log(`\nMachine: ${machine.cpu}, ${machine.cores} cores, Chromium ${machine.chromium}, crossOriginIsolated=${machine.crossOriginIsolated}, load avg ${loadBefore.toFixed(2)} -> ${machine.loadavg1m.after.toFixed(2)}`);
console.log(`Runtimes: onnxruntime-web ${ort} (wasm EP) | UpscalerJS + tfjs ${tfjs?.tfjsVersion} backend=${tfjs?.backend}`);
console.log(`Input: ${IMAGE} center crop ${SIZE}x${SIZE} (${MP.toFixed(4)} MP) -> x4 ${SIZE * 4}x${SIZE * 4}; ${WARMUP} warm-up + ${RUNS} timed runs, median\n`);
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
  // what the app runs on a CPU: the WASM-only runtime with the fp32 file
  tfjsOverApp: get('tfjs', t).medianMs / get('ort-wasm-fp32', t).medianMs,
  tfjsOverOrtFp32: get('tfjs', t).medianMs / get('ort-fp32', t).medianMs,
  tfjsOverOrtFp16: get('tfjs', t).medianMs / get('ort-fp16', t).medianMs,
}));
if (full) console.log('\nSpeed-up of Heirloom over UpscalerJS (tfjs median / ORT median; > 1 means Heirloom is faster):');
for (const r of ratios) console.log(`  ${r.threads} thread(s): app path (WASM-only runtime, fp32) ${r.tfjsOverApp.toFixed(2)}x; JSEP runtime fp32 ${r.tfjsOverOrtFp32.toFixed(2)}x, fp16-weights ${r.tfjsOverOrtFp16.toFixed(2)}x`);
console.log(`\nOutput agreement on 0..255 (${t0}-thread runs, clipped, ${SIZE * 4}x${SIZE * 4}x3):`);
console.log(`  output mean/std: ${Object.entries(outputStats).map(([k, v]) => `${k} ${v.mean.toFixed(1)}/${v.std.toFixed(1)}`).join(', ')}`);
for (const [k, v] of Object.entries(agreement)) console.log(`  ${k}: mean |diff| ${v.meanAbs.toPrecision(3)}, max ${v.maxAbs.toPrecision(3)}`);

writeFileSync(`${outDir}upscale.json`, JSON.stringify({ date: new Date().toISOString(), machine, image: IMAGE, size: SIZE, megapixels: MP,
  runs: RUNS, results, ratios, agreement, outputStats }, null, 2) + '\n');
console.log(`\nWrote .bench/upscale.json`);
