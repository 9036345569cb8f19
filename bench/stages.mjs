// Per-stage benchmark: Heirloom's own stage code on a ~1 MP photo, per thread count, with model
// load times, peak browser memory and achieved GFLOP/s as a share of the machine's GEMM peak.
import { readFileSync } from 'node:fs';
import { GraphBuilder } from '../models/convert-tfjs/onnx-writer.mjs';
import { rssSampler } from './process-memory.mjs';

const flops = JSON.parse(readFileSync(new URL('./model-flops.json', import.meta.url), 'utf8')).flopsPerPixel;

export const STAGE_LABELS = {
  detect: 'Find damage (detector)',
  inpaint: 'Rebuild damage (inpaint)',
  denoise: 'Reduce noise',
  fade: 'Fix fading (classical)',
  face: 'Enhance faces (kodim04 portrait: 1 face)',
  colorize: 'Colorize (automatic)',
  'colorize-hints': 'Colorize with 10 hints',
  'upscale-x2-clean': 'Upscale 2x clean (Heirloom SR) = the default',
  'upscale-x2-balanced': 'Upscale 2x ESRGAN sharp (esrgan-medium)',
  'upscale-x2-fast': 'Upscale 2x ESRGAN fast (esrgan-slim)',
  'pipeline-all': 'Full pipeline: every stage, 2x clean',
  analyze: 'Auto: analysis only (kodim04 portrait)',
  'auto-worst': 'Auto, no upscale: analysis + repair, denoise (runs only on noise), fade, faces (kodim04)',
};

/** An n x n by n x n MatMul graph (inputs a, b; output c), base64. */
export function gemmModel(n) {
  const g = new GraphBuilder();
  g.node('MatMul', ['a', 'b'], ['c']);
  const bytes = g.encode({ inputs: [{ name: 'a', dims: [n, n] }, { name: 'b', dims: [n, n] }], outputs: [{ name: 'c', dims: [n, n] }],
    opset: 17, producerName: 'heirloom-bench', producerVersion: '1', docString: 'GEMM microbenchmark', graphName: 'gemm' });
  return Buffer.from(bytes).toString('base64');
}

/**
 * One page per thread count. Returns { gemm, stages } per thread count; stage rows carry
 * medianMs, msPerMP, peak RSS of Chromium's process tree during the timed runs, model loads.
 */
export async function benchStagesAt(bench, threads, { image, megapixels, stages, runs, files, tileSize, gemmSizes, backend = 'wasm' }) {
  const { context, page, logs } = await bench.open(`/stages.html?threads=${threads}&backend=${backend}`);
  const sampler = rssSampler();
  const marks = {};
  await page.exposeFunction('benchMark', (label) => {
    const [kind, key] = label.split(':');
    if (kind === 'start') { marks[key] = { before: sampler.now() }; sampler.reset(); }
    else marks[key].peak = sampler.peak();
  });
  try {
    const gemm = [];
    for (const n of gemmSizes) gemm.push(await page.evaluate((a) => window.benchGemm(a), { model: gemmModel(n), n, runs: 3 }));
    const r = await page.evaluate((a) => window.benchStages(a), { image, megapixels, stages, runs, files, tileSize });
    const peakGflops = Math.max(...gemm.map((g) => g.gflops));
    for (const row of r.rows) {
      row.msPerMP = row.medianMs / r.megapixels;
      row.peakRssMB = marks[row.key].peak / 2 ** 20;
      row.rssBeforeMB = marks[row.key].before / 2 ** 20;
      const perPixel = row.models.length === 1 && !row.key.startsWith('pipeline') ? flops[row.models[0].file] : undefined;
      if (perPixel && row.key !== 'inpaint') { // inpaint skips tiles without damage: its FLOPs depend on the mask
        row.gflops = (perPixel * r.megapixels * 1e6) / (row.medianMs / 1000) / 1e9;
        row.peakFraction = row.gflops / peakGflops;
      }
    }
    return { ...r, gemm, peakGflops };
  } catch (e) {
    process.stderr.write(`stage bench failed (${threads} threads):\n${logs.join('\n')}\n`);
    throw e;
  } finally {
    sampler.stop();
    await context.close();
  }
}
