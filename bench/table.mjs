// Prints the last `npm run bench` stage results (.bench/stages.json) as the markdown table the
// README shows, so the README's figures are copied from a measured file, not typed.
//   node bench/table.mjs
import { readFileSync } from 'node:fs';
import { STAGE_LABELS } from './stages.mjs';

const b = JSON.parse(readFileSync(new URL('../.bench/stages.json', import.meta.url), 'utf8'));
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
  const eff = last.gflops ? `${last.gflops.toFixed(1)} (${(last.peakFraction * 100).toFixed(0)} %)` : '-';
  const load = last.models.map((m) => `${m.file.split('/').pop()} ${m.loadMs.toFixed(0)}`).join(', ') || '-';
  console.log(`| ${STAGE_LABELS[key]} | ${rows.map((r) => Math.round(r.msPerMP).toLocaleString('en')).join(' | ')} | ${eff} | ${last.peakRssMB.toFixed(0)} | ${load} |`);
}
console.log(`| GEMM peak (ORT MatMul, GFLOP/s) | ${b.results.map((r) => r.peakGflops.toFixed(1)).join(' | ')} | | | |`);
