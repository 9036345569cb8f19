/**
 * The capture step measured: corner error on generated photos of prints (tests/support/
 * print-photos.ts), how often a photo with no print in it is left alone, and the time to find
 * and straighten a print in a 12 MP (4000x3000) phone photo.
 *   npm run eval:capture                 200 photos (seeds 0..199), the README's figure
 *   npm run eval:capture -- 40 1000      40 photos from seed 1000 (a tuning set)
 */
import type { RgbaImage } from '../src/core/image/types';
import type { Quad } from '../src/core/capture/quad';
import { findPrint } from '../src/core/capture/find-print';
import { warpQuad } from '../src/core/capture/warp';
import { cornerError, loadRgba, photographPrint, printPhotoSet, sourcePhotos } from '../tests/support/print-photos';

const count = Number(process.argv[2] ?? 200);
const base = Number(process.argv[3] ?? 0);
const skipSpeed = process.argv.includes('--no-speed');
const verbose = process.argv.includes('-v');

const dumpAt = process.argv.indexOf('--dump');
const dump = dumpAt > 0 ? process.argv[dumpAt + 1] : undefined;

/** Writes the photo with the found corners marked (red squares), for looking at failures. */
async function dumpPhoto(image: RgbaImage, corners: Quad | null, path: string) {
  const data = new Uint8ClampedArray(image.data);
  for (const c of corners ?? [])
    for (let dy = -4; dy <= 4; dy++)
      for (let dx = -4; dx <= 4; dx++) {
        const x = Math.round(c.x) + dx, y = Math.round(c.y) + dy;
        if (x >= 0 && y >= 0 && x < image.width && y < image.height) data.set([255, 0, 0, 255], (y * image.width + x) * 4);
      }
  const { default: sharp } = await import('sharp');
  await sharp(Buffer.from(data.buffer), { raw: { width: image.width, height: image.height, channels: 4 } }).png().toFile(path);
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
const errors: number[] = [];
const misses: string[] = [];
let ms = 0;
const photos = await printPhotoSet(count, base);
for (const [i, p] of photos.entries()) {
  const found = findPrint(p.image);
  ms += found.ms;
  const e = found.corners ? cornerError(found.corners, p.corners) : Infinity;
  errors.push(e);
  if (e > 0.01 && dump) await dumpPhoto(p.image, found.corners, `${dump}/seed${base + i}.png`);
  if (e > 0.01 || verbose) misses.push(`  seed ${base + i} ${p.source} ${p.table}${p.border ? ' border' : ''}: ${found.corners ? pct(e) : found.message}`);
}
const sorted = errors.slice().sort((a, b) => a - b);
const within = errors.filter((e) => e <= 0.01).length / errors.length;
console.log(`corner error (worst corner / print diagonal), ${count} photos of prints, ${photos[0]!.image.width}x${photos[0]!.image.height}, seeds ${base}..${base + count - 1}:`);
console.log(`  within 1 %: ${pct(within)}; median ${pct(sorted[Math.floor(count / 2)]!)}; 95th percentile ${pct(sorted[Math.floor(count * 0.95)]!)}; not found ${errors.filter((e) => e === Infinity).length}; mean find time ${(ms / count).toFixed(0)} ms`);
if (misses.length) console.log(misses.join('\n'));

// Photos that are not of a print: every source as it is.
const sources = sourcePhotos();
if (!process.argv.includes('--no-plain')) {
let proposed = 0;
const wrong: string[] = [];
for (const path of sources) {
  const r = findPrint(await loadRgba(path));
  if (r.corners) proposed++, wrong.push(`  ${path.split('/').slice(-2).join('/')}: ${r.message}`);
}
console.log(`photos with no print (${sources.length} plain photos): corners proposed on ${proposed} (${pct(proposed / sources.length)})`);
if (wrong.length) console.log(wrong.join('\n'));
}

if (!skipSpeed) {
  const big = photographPrint(await loadRgba(sources[0]!), 4242, { width: 4000, height: 3000 });
  const times: number[] = [];
  let warpMs = 0, size = '';
  for (let run = 0; run < 3; run++) {
    const r = findPrint(big.image);
    times.push(r.ms);
    const t = performance.now();
    const out = warpQuad(big.image, r.corners ?? big.corners);
    warpMs = performance.now() - t;
    size = `${out.width}x${out.height}`;
    if (run === 0) console.log(`12 MP photo: corner error ${r.corners ? pct(cornerError(r.corners, big.corners)) : 'not found'}`);
  }
  console.log(`12 MP (4000x3000): find ${Math.min(...times).toFixed(0)} ms (best of 3), straighten to ${size} ${warpMs.toFixed(0)} ms`);
}
