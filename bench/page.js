// Benchmark page. One page load = one runtime + one thread count (both WASM runtimes fix their
// thread pool at initialisation): /?engine=ort|tfjs&threads=N. bench/run.mjs then calls
// window.bench({...}) and gets timings plus the upscaled image (HWC float32 on 0..255, base64).
const q = new URLSearchParams(location.search);
const engine = q.get('engine');
const threads = Number(q.get('threads') ?? 1);

const hardwareConcurrency = navigator.hardwareConcurrency; // real value, before any spoofing below
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Center crop of a Kodak image as packed RGB bytes (HWC). */
async function loadCrop(name, size) {
  const blob = await (await fetch(`/kodak/${name}`)).blob();
  const bmp = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const ctx = new OffscreenCanvas(size, size).getContext('2d');
  const x = Math.floor((bmp.width - size) / 2), y = Math.floor((bmp.height - size) / 2);
  ctx.drawImage(bmp, x, y, size, size, 0, 0, size, size);
  const rgba = ctx.getImageData(0, 0, size, size).data;
  const rgb = new Uint8Array(size * size * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) rgb.set(rgba.subarray(i, i + 3), j);
  return rgb;
}

/** The whole Kodak image resized to w x h, packed RGB bytes (HWC): the "1 MP photo" of the x2 part. */
async function loadScaled(name, w, h) {
  const blob = await (await fetch(`/kodak/${name}`)).blob();
  const bmp = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const ctx = new OffscreenCanvas(w, h).getContext('2d');
  ctx.drawImage(bmp, 0, 0, w, h);
  const rgba = ctx.getImageData(0, 0, w, h).data;
  const rgb = new Uint8Array(w * h * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) rgb.set(rgba.subarray(i, i + 3), j);
  return rgb;
}

/** Runs `run` on tile x tile pieces (each with `pad` px of context, cropped off) and assembles the result. */
async function tiled(run, rgb, h, w, tile, pad, scale) {
  const out = new Float32Array(h * scale * w * scale * 3);
  for (let y0 = 0; y0 < h; y0 += tile) {
    for (let x0 = 0; x0 < w; x0 += tile) {
      const ya = Math.max(0, y0 - pad), yb = Math.min(h, y0 + tile + pad), xa = Math.max(0, x0 - pad), xb = Math.min(w, x0 + tile + pad);
      const th = yb - ya, tw = xb - xa, piece = new Uint8Array(th * tw * 3);
      for (let y = 0; y < th; y++) piece.set(rgb.subarray(((ya + y) * w + xa) * 3, ((ya + y) * w + xb) * 3), y * tw * 3);
      const r = await run(piece, th, tw);
      const ch = Math.min(tile, h - y0) * scale, cw = Math.min(tile, w - x0) * scale, oy = (y0 - ya) * scale, ox = (x0 - xa) * scale;
      for (let y = 0; y < ch; y++)
        out.set(r.out.subarray(((oy + y) * r.outW + ox) * 3, ((oy + y) * r.outW + ox + cw) * 3), ((y0 * scale + y) * w * scale + x0 * scale) * 3);
    }
  }
  return { out, outH: h * scale, outW: w * scale };
}

async function toBase64(f32) {
  const url = await new Promise((r) => { const fr = new FileReader(); fr.onload = () => r(fr.result); fr.readAsDataURL(new Blob([f32.buffer])); });
  return url.slice(url.indexOf(',') + 1);
}

/** Heirloom's path: onnxruntime-web, WASM EP, NCHW float32 in the manifest's value range. */
async function setupOrt({ modelFile }) {
  // extern-wasm builds: ort.min.mjs loads ort-wasm-simd-threaded.jsep.{mjs,wasm} (WebGPU + WASM),
  // ort.wasm.min.mjs loads ort-wasm-simd-threaded.{mjs,wasm} (WASM only) from wasmPaths.
  const ortUrl = q.get('build') === 'wasm' ? '/ort/ort.wasm.min.mjs' : '/ort/ort.min.mjs';
  const ort = await import(/* @vite-ignore */ ortUrl);
  ort.env.wasm.wasmPaths = `${location.origin}/ort/`;
  ort.env.wasm.numThreads = threads;
  const manifest = [...await (await fetch('/manifest/models.json')).json(), ...await (await fetch('/manifest/heirloom-models.json')).json()];
  const m = manifest.find((e) => e.file === modelFile); // ids are shared by fp32/fp16 variants; files are not
  if (!m) throw new Error(`${modelFile} not in src/stages/upscale/*models.json`);
  const [inLo, inHi] = m.input.range, [outLo, outHi] = m.output.range;

  const t0 = performance.now();
  const bytes = new Uint8Array(await (await fetch(`/models/upscale/${m.file}`)).arrayBuffer());
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const loadMs = performance.now() - t0;

  const run = async (rgb, h, w) => {
    const hw = h * w, x = new Float32Array(3 * hw), k = (inHi - inLo) / 255;
    for (let i = 0; i < hw; i++) for (let c = 0; c < 3; c++) x[c * hw + i] = inLo + rgb[i * 3 + c] * k;
    const out = await session.run({ [m.input.name]: new ort.Tensor('float32', x, [1, 3, h, w]) });
    const t = out[m.output.name], [, , H, W] = t.dims, o = t.data, HW = H * W, s = 255 / (outHi - outLo);
    const y = new Float32Array(HW * 3); // back to HWC on 0..255, clipped (as UpscalerJS does)
    for (let i = 0; i < HW; i++) for (let c = 0; c < 3; c++) y[i * 3 + c] = Math.min(255, Math.max(0, (o[c * HW + i] - outLo) * s));
    for (const v of Object.values(out)) v.dispose?.();
    return { out: y, outH: H, outW: W };
  };
  return { loadMs, run, info: { id: m.id, file: m.file, precision: m.precision, sizeBytes: bytes.length, ortVersion: ort.env.versions?.web } };
}

/**
 * UpscalerJS 1.0 on tfjs 4.11 WASM backend, served locally: esrgan-medium x4 (the same weights as
 * Heirloom's ORT rows), or with model 'default' UpscalerJS's default model (@upscalerjs/default-model, x2).
 */
async function setupTfjs({ model }) {
  // tfjs-backend-wasm caps XNNPACK's pool at min(setThreadsCount, hardwareConcurrency / 2) (it
  // assumes 2 hyper-threads per core; cc/backend.cc). On a 2-core box that is always 1, so to get
  // the requested thread count we report 2*threads cores to it. (Real UpscalerJS users on 2-core
  // machines get 1 thread.) Must happen before the wasm module's static constructors run.
  if (threads > Math.floor(hardwareConcurrency / 2))
    Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => threads * 2, configurable: true });
  const t0 = performance.now();
  const tf = await import('@tensorflow/tfjs');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(`${location.origin}/tfwasm/`); // otherwise it may go to a CDN
  wasm.setThreadsCount(threads); // used only by the threaded-simd build (chosen when crossOriginIsolated)
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
  await tf.ready();
  const { default: Upscaler } = await import('upscaler');
  // Reuse the package's model definition (scale, 0..255 ranges, layers model, no custom layers
  // for the rdn architecture); an explicit `path` makes UpscalerJS skip its jsdelivr/unpkg lookup.
  const def = model === 'default'
    ? { ...(await import('@upscalerjs/default-model')).default, path: '/upscalerjs-default/model.json' }
    : { ...(await import('@upscalerjs/esrgan-medium/4x')).default, path: '/esrgan/x4/model.json' };
  const upscaler = new Upscaler({ model: def });
  await upscaler.ready;
  const loadMs = performance.now() - t0;

  const run = async (rgb, h, w) => {
    const input = tf.tensor3d(Float32Array.from(rgb), [h, w, 3]);
    // No patchSize => a single full-image pass (same work as ORT's single run).
    const out = await upscaler.execute(input, { output: 'tensor' });
    const y = await out.data(); // forces the computation; HWC on 0..255, already clipped
    const [H, W] = out.shape;
    input.dispose(); out.dispose();
    return { out: y, outH: H, outW: W };
  };
  return { loadMs, run, info: { tfjsVersion: tf.version.tfjs, backend: tf.getBackend(), tfjsThreads: wasm.getThreadsCount() } };
}

window.bench = async ({ modelFile, model, image, size, width, height, tile, scale, runs, warmup = 1 }) => {
  if (!crossOriginIsolated) throw new Error('page is not crossOriginIsolated: WASM threads unavailable');
  // a centre crop of size x size in one pass, or (width, height, tile) the whole photo resized, in tiles
  const h = height ?? size, w = width ?? size;
  const rgb = width ? await loadScaled(image, w, h) : await loadCrop(image, size);
  const setup = engine === 'ort' ? await setupOrt({ modelFile }) : await setupTfjs({ model });
  const { loadMs, info } = setup;
  const run = tile ? (x) => tiled(setup.run, x, h, w, tile, 8, scale) : (x) => setup.run(x, h, w);
  // Warm-up (not counted). Note: Chromium tiers WASM up from Liftoff to TurboFan in the background,
  // which takes longer for ORT's 28 MB module than for tfjs' 0.4 MB one; BENCH_WARMUP>1 shows steady state.
  let t = performance.now(), first;
  for (let i = 0; i < Math.max(1, warmup); i++) first = await run(rgb);
  const warmupMs = performance.now() - t;
  const times = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    await run(rgb);
    times.push(performance.now() - t);
  }
  return {
    engine, threads, crossOriginIsolated, hardwareConcurrency, userAgent: navigator.userAgent,
    info, size, loadMs, warmupMs, times, medianMs: median(times),
    outH: first.outH, outW: first.outW, out: await toBase64(first.out),
  };
};
window.benchReady = true;
