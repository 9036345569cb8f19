// Prints the last `npm run bench` stage results (.bench/stages.json) as the markdown table the
// README shows, so the README's figures are copied from a measured file, not typed.
//   node bench/table.mjs
import { readFileSync } from 'node:fs';
import { STAGE_LABELS } from './stages.mjs';

const b = JSON.parse(readFileSync(new URL('../.bench/stages.json', import.meta.url), 'utf8'));
const flops = JSON.parse(readFileSync(new URL('./model-flops.json', import.meta.url), 'utf8')).flopsPerPixel;
/** Achieved GFLOP/s of a single-model stage (not inpaint: it skips undamaged tiles) from bench/model-flops.json. */
const gflops = (row, r) => {
  const perPixel = row.models.length === 1 && !['inpaint', 'pipeline-all'].includes(row.key) ? flops[row.models[0].file] : undefined;
  return perPixel ? (perPixel * r.megapixels * 1e6) / (row.medianMs / 1000) / 1e9 : undefined;
};
const r0 = b.results[0];
console.log(`Machine: ${b.machine.cpu}, ${b.machine.cores} cores, ${b.machine.memGiB.toFixed(0)} GiB, no GPU; Chromium ${b.machine.chromium}; ` +
  `onnxruntime-web ${r0.ortVersion}; ${b.date.slice(0, 10)}. Photo: ${b.image} resized to ${r0.width}x${r0.height} (${r0.megapixels.toFixed(2)} MP). ` +
  `WebGPU: ${b.webgpu}.\n`);
const cols = b.results.map((r) => (r.backend === 'webgpu' ? 'WebGPU' : `${r.threads} thr`));
console.log(`| stage | ${cols.map((c) => `ms/MP ${c}`).join(' | ')} | GFLOP/s (% of GEMM peak) ${cols.at(-1)} | peak MB ${cols.at(-1)} | model load ms |`);
console.log(`|---|${cols.map(() => '---|').join('')}---|---|---|`);
for (const key of r0.rows.map((r) => r.key)) {
  const rows = b.results.map((r) => r.rows.find((x) => x.key === key));
  const last = rows.at(-1);
  const g = gflops(last, b.results.at(-1));
  const eff = g ? `${g.toFixed(1)} (${((g / b.results.at(-1).peakGflops) * 100).toFixed(0)} %)` : '-';
  const load = last.models.map((m) => `${m.file.split('/').pop()} ${m.loadMs.toFixed(0)}`).join(', ') || '-';
  console.log(`| ${STAGE_LABELS[key]} | ${rows.map((r) => Math.round(r.msPerMP).toLocaleString('en')).join(' | ')} | ${eff} | ${last.peakRssMB.toFixed(0)} | ${load} |`);
}
console.log(`| GEMM peak (ORT MatMul, GFLOP/s) | ${b.results.map((r) => r.peakGflops.toFixed(1)).join(' | ')} | | | |`);
